"""The persons: households, channel habits, lifecycle, identifiers and consents."""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from orchestration.config import PROJECT_DIR
from orchestration.simulator.config import SimConfig
from orchestration.simulator.ids import PHONE_STYLES, ean13, phone_as_typed, unique_numbers

NEVER = 10**9  # a day index that never comes
PROSPECTS_PER_CUSTOMER = 4.0

STORE_ONLY, ONLINE_ONLY, OMNI = 0, 1, 2
HABITS = np.array(["store_only", "online_only", "omnichannel"])

# Device slots. The family tablet (slot 3) belongs to the household, not the person.
DESKTOP, MOBILE_WEB, APP, FAMILY_TABLET = 0, 1, 2, 3
DEVICES = 4

FIRST_NAMES = [
    "Daan",
    "Sem",
    "Lucas",
    "Levi",
    "Finn",
    "Milan",
    "Noah",
    "Jesse",
    "Bram",
    "Thijs",
    "Ruben",
    "Lars",
    "Jeroen",
    "Pieter",
    "Sander",
    "Emma",
    "Julia",
    "Sophie",
    "Tess",
    "Anna",
    "Sanne",
    "Lotte",
    "Fleur",
    "Lisa",
    "Eva",
    "Noor",
    "Sara",
    "Femke",
    "Iris",
    "Anouk",
    "Zoë",
    "Anaïs",
    "Chloë",
    "Noël",
    "René",
    "Inès",
    "Hélène",
    "Joëlle",
    "Mehmet",
    "Fatima",
    "Youssef",
    "Priya",
    "Wei",
    "Jan",
    "Kees",
]
LAST_NAMES = [
    "de Vries",
    "Jansen",
    "de Jong",
    "van den Berg",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "de Graaf",
    "van der Meer",
    "Kok",
    "Jacobs",
    "Vermeulen",
    "Willems",
    "Maes",
    "Claes",
    "Goossens",
    "Wouters",
    "Yilmaz",
    "El Amrani",
    "Nguyen",
    "Bouzid",
    "Öztürk",
    "Müller",
    "Lefèvre",
]
DOMAINS = np.array(
    [
        "gmail.com",
        "hotmail.com",
        "outlook.com",
        "ziggo.nl",
        "kpnmail.nl",
        "live.nl",
        "icloud.com",
        "telenet.be",
        "planet.nl",
        "xs4all.nl",
    ]
)
DOMAIN_P = np.array([0.33, 0.18, 0.1, 0.08, 0.07, 0.05, 0.1, 0.04, 0.03, 0.02])


def read_seed(name: str) -> list[dict[str, str]]:
    with (PROJECT_DIR / "seeds" / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


@dataclass
class Population:
    n: int
    customers: int  # persons who may buy and identify; the rest are prospects
    prospect: np.ndarray  # anonymous visitors only
    household: np.ndarray
    household_head: np.ndarray  # the person who owns household-level things
    habit: np.ndarray
    first_active: np.ndarray  # day index the person becomes active (negative: before start)
    lapse_day: np.ndarray  # day the person lapses (re-activation moves it)
    intensity: np.ndarray  # shopping journeys per day while active
    conversion: np.ndarray  # propensity to buy in a journey
    registered_day: np.ndarray  # web account created (NEVER if never)
    member_day: np.ndarray  # loyalty card issued (NEVER if never)
    crm_day: np.ndarray
    crm_created_us: np.ndarray
    has_email: np.ndarray
    has_phone: np.ndarray
    # identifier arrays below have one entry per customer (index < customers)
    email: np.ndarray  # canonical (lower-case, trimmed); shared by an e-mail household
    email_forms: np.ndarray  # [4, n]: canonical, Capitalised, padded, UPPER
    crm_email_form: np.ndarray  # which form the CRM stores
    phone: np.ndarray  # E.164
    phone_forms: np.ndarray  # [PHONE_STYLES, n]
    crm_phone_style: np.ndarray
    card: np.ndarray  # 13 digits
    card_spaced_in_crm: np.ndarray
    member_id: np.ndarray
    crm_id: np.ndarray
    web_account: np.ndarray
    first_name: np.ndarray
    last_name: np.ndarray
    opted_out_email: np.ndarray
    sms_opt_in: np.ndarray
    apple_mail: np.ndarray
    wants_ereceipt: np.ndarray
    preferred_store: np.ndarray
    has_device: np.ndarray  # [n, DEVICES] bool
    device_os: np.ndarray  # [n, DEVICES] 0 = Apple, 1 = other
    cookie_rotation_days: np.ndarray  # [n, DEVICES]
    cookie_phase: np.ndarray  # [n, DEVICES]
    shared_email: np.ndarray  # person uses the household's shared address
    family_tablet: np.ndarray  # person uses the household's shared tablet

    @property
    def online_capable(self) -> np.ndarray:
        return self.habit != STORE_ONLY

    def of_customers(self, values: np.ndarray, persons: np.ndarray) -> np.ndarray:
        """values[persons] for an identifier array, '' for prospects (who have none)."""
        known = persons < self.customers
        return np.where(known, values[np.where(known, persons, 0)], "")


def build_population(cfg: SimConfig, stores: int) -> Population:
    rng = np.random.default_rng([cfg.seed, 1])
    customers = cfg.customers
    # anonymous visitors who never buy or identify: most of a web shop's traffic
    n = customers + round(PROSPECTS_PER_CUSTOMER * customers)
    prospect = np.arange(n) >= customers

    # households of 1-4 persons; a prospect is a household of one
    sizes = rng.choice([1, 2, 3, 4], size=customers, p=[0.36, 0.34, 0.15, 0.15])
    household = np.concatenate(
        [np.repeat(np.arange(customers), sizes)[:customers], np.arange(customers, n)]
    )
    head = np.zeros(n, dtype=np.int64)
    first_of = np.r_[True, household[1:] != household[:-1]]
    head[first_of] = np.flatnonzero(first_of)
    head = np.maximum.accumulate(head)
    hh_size = np.bincount(household, minlength=n)[household]

    habit = rng.choice([STORE_ONLY, ONLINE_ONLY, OMNI], size=n, p=[0.33, 0.25, 0.42])
    habit[prospect] = ONLINE_ONLY

    # lifecycle: 45 % were customers before the simulation starts; the rest arrive during it
    existing = rng.random(n) < 0.45
    # newcomers arrive evenly over a year, so a day's volume does not depend on --days
    first_active = np.where(existing, -rng.integers(1, 730, size=n), rng.integers(0, 365, size=n))
    lapse_day = first_active + rng.exponential(420, size=n).astype(np.int64) + 30
    intensity = rng.gamma(1.6, 1 / 1.6, size=n) / 22.0  # a shopping journey every three weeks
    conversion = np.clip(rng.beta(2.2, 2.6, size=n), 0.05, 0.95)
    # prospects come and go within weeks, browse less and never buy
    first_active = np.where(prospect, rng.integers(-365, 365, size=n), first_active)
    lapse_day = np.where(prospect, first_active + rng.geometric(1 / 75, size=n), lapse_day)
    intensity = np.where(prospect, intensity * 0.5, intensity)
    conversion = np.where(prospect, 0.0, conversion)

    has_email = np.where(habit == STORE_ONLY, rng.random(n) < 0.72, True) & ~prospect
    has_phone = (rng.random(n) < 0.82) & ~prospect

    # accounts and cards: registered online shoppers, loyalty members in stores
    p_registered = np.select([habit == STORE_ONLY, habit == ONLINE_ONLY], [0.03, 0.7], 0.6)
    p_member = np.select([habit == STORE_ONLY, habit == ONLINE_ONLY], [0.55, 0.2], 0.62)
    registered = (rng.random(n) < p_registered) & has_email
    member = (rng.random(n) < p_member) & ~prospect
    lag_reg = rng.geometric(1 / 12, size=n)
    lag_mem = rng.geometric(1 / 20, size=n)
    registered_day = np.where(
        registered, np.where(existing, -rng.integers(1, 900, size=n), first_active + lag_reg), NEVER
    )
    member_day = np.where(
        member, np.where(existing, -rng.integers(1, 1500, size=n), first_active + lag_mem), NEVER
    )
    crm_day = np.minimum(registered_day, member_day)
    crm_created_us = crm_day * 86_400 * 1_000_000 + rng.integers(9, 21, size=n) * 3_600_000_000

    # identifiers exist for customers only (index < customers); prospects have none
    c = customers
    fn_i = rng.integers(0, len(FIRST_NAMES), size=c)
    ln_i = rng.integers(0, len(LAST_NAMES), size=c)
    first_name = np.array(FIRST_NAMES)[fn_i]
    last_name = np.array(LAST_NAMES)[ln_i]
    fn_ascii = np.array([_ascii(x) for x in FIRST_NAMES])[fn_i]
    ln_ascii = np.array([_ascii(x) for x in LAST_NAMES])[ln_i]
    style = rng.integers(0, 3, size=c)
    local = np.select(
        [style == 0, style == 1],
        [
            np.char.add(np.char.add(fn_ascii, "."), ln_ascii),
            np.char.add(fn_ascii, ln_ascii),
        ],
        np.char.add(np.char.add(np.char.array(fn_ascii).astype("U1"), "."), ln_ascii),
    )
    number = unique_numbers(rng, c, 10, 10**6)
    domain = rng.choice(DOMAINS, size=c, p=DOMAIN_P)
    email = np.char.add(np.char.add(np.char.add(local, number.astype(str)), "@"), domain)

    # some multi-person households share one address (all members use the head's)
    shared_hh = (hh_size >= 2) & (rng.random(n) < cfg.mess.shared_email_households) & ~prospect
    shared_email = shared_hh[head] & has_email & has_email[head]
    cust_head = head[:c]
    email = np.where(shared_email[:c], email[cust_head], email)
    email = np.where(has_email[:c], email, "")
    email_forms = np.stack(
        [
            email,
            np.char.capitalize(email),
            # padding a missing address would export a blank "  " e-mail
            np.where(email != "", np.char.add(np.char.add(" ", email), " "), ""),
            np.char.upper(email),
        ]
    )
    messy = rng.random(c) < cfg.mess.messy_identifiers
    crm_email_form = np.where(messy, rng.integers(1, 4, size=c), 0)

    subscriber = unique_numbers(rng, c, 0, 10**8)
    phone = np.where(has_phone[:c], phone_as_typed(subscriber, 4), "")  # E.164: +316xxxxxxxx
    phone_forms = np.stack(
        [np.where(has_phone[:c], phone_as_typed(subscriber, s), "") for s in range(PHONE_STYLES)]
    )
    crm_phone_style = rng.integers(0, PHONE_STYLES, size=c)

    card = ean13(2_900_000_000_00 + unique_numbers(rng, c, 0, 10**8))
    member_id = np.char.add("M", np.char.zfill(unique_numbers(rng, c, 0, 10**8).astype(str), 8))
    crm_id = np.char.add("C", np.char.zfill(unique_numbers(rng, c, 0, 10**8).astype(str), 8))
    web_account = np.char.add("WA", np.char.zfill(unique_numbers(rng, c, 0, 10**8).astype(str), 8))

    # devices: desktop and mobile web for online shoppers, the app for some
    online = habit != STORE_ONLY
    has_device = np.zeros((n, DEVICES), dtype=bool)
    has_device[:, DESKTOP] = online & (rng.random(n) < 0.6)
    has_device[:, MOBILE_WEB] = online & ((rng.random(n) < 0.8) | ~has_device[:, DESKTOP])
    has_device[:, APP] = online & (rng.random(n) < np.where(habit == ONLINE_ONLY, 0.45, 0.35))
    tablet_hh = (hh_size >= 2) & (rng.random(n) < cfg.mess.family_tablet_households) & ~prospect
    family_tablet = tablet_hh[head] & online
    has_device[:, FAMILY_TABLET] = family_tablet
    device_os = (rng.random((n, DEVICES)) < 0.55).astype(np.int8)  # 1 = Android/Windows
    # Safari and private browsing drop cookies; desktop cookies mostly live on
    rotation = np.full((n, DEVICES), 10**6, dtype=np.int64)
    rotation[:, DESKTOP] = np.where(rng.random(n) < 0.3, 120, 10**6)
    rotation[:, MOBILE_WEB] = np.where(device_os[:, MOBILE_WEB] == 0, 30, 240)
    phase = rng.integers(0, 10**6, size=(n, DEVICES))

    return Population(
        n=n,
        customers=customers,
        prospect=prospect,
        household=household,
        household_head=head,
        habit=habit,
        first_active=first_active,
        lapse_day=lapse_day,
        intensity=intensity,
        conversion=conversion,
        registered_day=registered_day,
        member_day=member_day,
        crm_day=crm_day,
        crm_created_us=crm_created_us,
        has_email=has_email,
        has_phone=has_phone,
        email=email,
        email_forms=email_forms,
        crm_email_form=crm_email_form,
        phone=phone,
        phone_forms=phone_forms,
        crm_phone_style=crm_phone_style,
        card=card,
        card_spaced_in_crm=rng.random(c) < 0.4,
        member_id=member_id,
        crm_id=crm_id,
        web_account=web_account,
        first_name=first_name,
        last_name=last_name,
        opted_out_email=rng.random(n) < 0.3,
        sms_opt_in=rng.random(n) < 0.3,
        apple_mail=rng.random(n) < 0.35,
        wants_ereceipt=has_email & (rng.random(n) < 0.3),
        preferred_store=rng.integers(0, stores, size=n),
        has_device=has_device,
        device_os=device_os,
        cookie_rotation_days=rotation,
        cookie_phase=phase,
        shared_email=shared_email,
        family_tablet=family_tablet,
    )


def load_reference() -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    return read_seed("stores.csv"), read_seed("products.csv")


def seeds_dir() -> Path:
    return PROJECT_DIR / "seeds"
