"""Simulation settings: size, seed, and the rates of real-world mess."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class MessRates:
    """Small rates of real-world mess, on by default (the demo keeps them on)."""

    duplicate_rows: float = 0.003  # a record exported twice, adjacent lines
    late_rows: float = 0.01  # a record delivered in the next (or next-but-one) day's file
    messy_identifiers: float = 0.06  # e-mails typed with spaces or capitals
    placeholder_email: float = 0.06  # card receipts where the cashier types the store's e-mail
    shared_email_households: float = 0.05  # households (2+ persons) sharing one address
    family_tablet_households: float = 0.1  # households (2+ persons) sharing one tablet
    test_orders: float = 0.003  # staff test orders in the web shop
    malformed_rows: float = 0.0005  # corrupted re-sent copies of records

    @staticmethod
    def none() -> MessRates:
        return MessRates(0, 0, 0, 0, 0, 0, 0, 0)


@dataclass(frozen=True)
class SimConfig:
    customers: int
    days: int
    start: date
    seed: int
    mess: MessRates = field(default_factory=MessRates)

    def __post_init__(self) -> None:
        if self.customers < 1 or self.days < 1:
            raise ValueError("customers and days must be at least 1")


PLACEHOLDER_EMAIL = "winkel@omnishop.nl"  # the stores' own address, typed for many customers
TEST_EMAIL_DOMAIN = "test.omnishop.nl"
SHOP_DOMAIN = "https://www.omnishop.nl"
