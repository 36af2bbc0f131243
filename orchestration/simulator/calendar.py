"""The retail calendar: weekly rhythm, sale periods, the December peak, and campaigns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

# Monday..Sunday. Stores peak on Saturday; online on Sunday evening and Monday.
STORE_WEEKDAY = np.array([0.75, 0.85, 0.9, 1.0, 1.2, 1.55, 0.75])
ONLINE_WEEKDAY = np.array([1.1, 1.0, 0.95, 0.95, 0.9, 0.85, 1.25])

# Local hour-of-day profiles (share of activity per hour).
_ONLINE_HOURS = np.array(
    [
        0.6,
        0.3,
        0.15,
        0.1,
        0.1,
        0.2,
        0.6,
        1.4,
        2.2,
        2.8,
        3.2,
        3.6,
        4.2,
        4.0,
        3.8,
        3.8,
        3.8,
        4.0,
        4.4,
        5.6,
        6.6,
        6.9,
        5.6,
        2.6,
    ]
)
ONLINE_HOURS = _ONLINE_HOURS / _ONLINE_HOURS.sum()
_STORE_HOURS = np.array(
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 2.5, 5, 7, 8.5, 8.5, 8.5, 8.5, 9, 9.5, 6, 4, 3, 0, 0, 0]
)  # (stores open 09:00-21:00, closed at night: no DST-ambiguous local times)
STORE_HOURS = _STORE_HOURS / _STORE_HOURS.sum()


def black_friday(year: int) -> date:
    nov30 = date(year, 11, 30)
    return nov30 - timedelta(days=(nov30.weekday() - 4) % 7)


def season_factor(day: date) -> float:
    """Demand multiplier: the December peak, Black Friday week, and the sale periods."""
    bf = black_friday(day.year)
    if bf - timedelta(days=3) <= day <= bf + timedelta(days=3):
        return 1.9
    if day.month == 12 and day.day <= 23:
        return 1.35 + 0.03 * day.day  # climbs towards Christmas
    if day.month == 12 and day.day in (24, 25, 26):
        return 0.6
    if is_sale(day):
        return 1.35
    if day.month in (2, 3):
        return 0.85
    return 1.0


def is_sale(day: date) -> bool:
    """The winter and summer sales ("uitverkoop")."""
    return (day.month == 1 and day.day <= 21) or (day.month == 7 and day.day <= 21)


@dataclass(frozen=True)
class Campaign:
    campaign_id: str
    name: str  # the utm_campaign its links carry
    platform: str  # google_ads, meta, dv360
    medium: str  # cpc, paid_social, display
    source: str  # utm_source
    weight: float
    months: tuple[int, ...] = ()  # empty: always on
    sale_only: bool = False

    def active(self, day: date) -> bool:
        if self.sale_only:
            return is_sale(day)
        return not self.months or day.month in self.months


CAMPAIGNS = (
    Campaign("GA-1001", "brand_search", "google_ads", "cpc", "google", 3.0),
    Campaign("GA-1002", "generic_search", "google_ads", "cpc", "google", 2.0),
    Campaign("GA-1003", "shopping_feed", "google_ads", "cpc", "google", 2.0),
    Campaign("GA-1004", "sale_search", "google_ads", "cpc", "google", 2.0, sale_only=True),
    Campaign("GA-1005", "december_gifts_search", "google_ads", "cpc", "google", 2.5, (11, 12)),
    Campaign("META-2001", "prospecting_social", "meta", "paid_social", "facebook", 1.5),
    Campaign("META-2002", "retargeting_social", "meta", "paid_social", "instagram", 1.2),
    Campaign("META-2003", "black_friday_social", "meta", "paid_social", "instagram", 2.0, (11,)),
    Campaign("DV-3001", "awareness_display", "dv360", "display", "dv360", 1.0),
    Campaign("DV-3002", "december_display", "dv360", "display", "dv360", 1.2, (12,)),
)

# Click-through rates and prices per platform (impressions = clicks / CTR).
CTR = {"google_ads": 0.045, "meta": 0.011, "dv360": 0.0018}
CPC = {"google_ads": 0.55}
CPM = {"meta": 6.5, "dv360": 3.2}


def newsletter_day(day: date) -> bool:
    return day.weekday() in (1, 4)  # Tuesday and Friday


def winback_day(day: date) -> bool:
    return day.weekday() == 0 and day.day <= 7  # first Monday of the month
