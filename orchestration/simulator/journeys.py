"""Shopping journeys: who starts one today, and what they will do over the next days.

A journey is awareness -> consideration -> decision: a first touch (ad, search, a store
visit), research (web/app sessions, an advice contact), and a purchase in some channel, or
none. Each step is scheduled on a queue for the day it happens:

- `sessions`: web/app sessions to expand into analytics events (`web.py`)
- `store_visits`: store visits, usually with a purchase (`commerce.py`)
- `social_orders`: orders placed through social commerce, no web session
- `contacts`: service contacts (`service.py`)

Behaviours the KPI marts must find are planted here: research online then buy in store
(ROPO), see in store then buy online (showrooming), abandoned carts.
"""

from __future__ import annotations

import numpy as np

from orchestration.simulator import calendar
from orchestration.simulator.frame import Frame
from orchestration.simulator.population import (
    DEVICES,
    MOBILE_WEB,
    ONLINE_ONLY,
    STORE_ONLY,
)
from orchestration.simulator.timeutil import DAY, HOUR, US, amsterdam_offset_us
from orchestration.simulator.world import DayContext, World

# Session traffic sources (what GA4 collects from the landing URL / referrer).
DIRECT, ORGANIC, PAID_SEARCH, PAID_SOCIAL, ORGANIC_SOCIAL, EMAIL, REFERRAL, DISPLAY, OTHER = range(
    9
)
SOURCE_NAME = np.array(
    [
        "",
        "google",
        "google",
        "facebook",
        "instagram",
        "newsletter",
        "tweakers.net",
        "dv360",
        "qr-flyer",
    ]
)
MEDIUM_NAME = np.array(
    ["", "organic", "cpc", "paid_social", "social", "email", "referral", "display", "qr"]
)
FIRST_TOUCH_P = np.array([0.28, 0.27, 0.14, 0.09, 0.06, 0.0, 0.08, 0.05, 0.03])
RETURN_VISIT_P = np.array([0.5, 0.26, 0.1, 0.08, 0.03, 0.0, 0.02, 0.0, 0.01])
PAID_PLATFORM = {PAID_SEARCH: "google_ads", PAID_SOCIAL: "meta", DISPLAY: "dv360"}

# Session purposes.
CASUAL, RESEARCH, PURCHASE, FROM_EMAIL, SIGNUP = range(5)

# Journey kinds.
STORE, ONLINE, ROPO, SHOWROOM, SOCIAL = range(5)
DEVICE_WEIGHT = np.array([0.3, 0.45, 0.4, 0.35])  # desktop, mobile web, app, family tablet


def _pick(rng: np.random.Generator, p: np.ndarray, size: int) -> np.ndarray:
    return rng.choice(len(p), size=size, p=p / p.sum())


def campaigns_for(day, sources: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The utm_campaign of each paid session: an active campaign of its platform."""
    names = np.full(len(sources), "", dtype=object)
    for code, platform in PAID_PLATFORM.items():
        sel = np.flatnonzero(sources == code)
        live = [c for c in calendar.CAMPAIGNS if c.platform == platform and c.active(day)]
        if not len(sel) or not live:
            continue
        weights = np.array([c.weight for c in live])
        names[sel] = np.array([c.name for c in live])[_pick(rng, weights, len(sel))]
    return names.astype(str)


def pick_devices(world: World, persons: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    weights = world.pop.has_device[persons] * DEVICE_WEIGHT
    fallback = weights.sum(axis=1) == 0  # store-only people who still sign up online
    weights[fallback, MOBILE_WEB] = 1.0
    cum = np.cumsum(weights, axis=1)
    u = rng.random(len(persons)) * cum[:, -1]
    return (cum < u[:, None]).sum(axis=1).clip(0, DEVICES - 1)


def online_times(ctx: DayContext, days: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    hours = rng.choice(24, size=len(days), p=calendar.ONLINE_HOURS)
    seconds = hours * 3600 + rng.integers(0, 3600, size=len(days))
    return _local_clock(ctx, days, seconds)


def store_times(ctx: DayContext, days: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    hours = rng.choice(24, size=len(days), p=calendar.STORE_HOURS)
    seconds = hours * 3600 + rng.integers(0, 3600, size=len(days))
    return _local_clock(ctx, days, seconds)


def _local_clock(ctx: DayContext, days: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """UTC instants of `seconds` after local midnight on each day index in `days`.

    Adding whole 24-hour days to today's midnight is wrong across a DST change (the day
    then has 23 or 25 hours): a time planned after the autumn change landed on the
    previous local day, before the day it was scheduled for.
    """
    naive_today = ctx.midnight_us + int(amsterdam_offset_us(np.array([ctx.midnight_us]))[0])
    naive = naive_today + (np.asarray(days, dtype=np.int64) - ctx.d) * DAY + seconds * US
    return naive - amsterdam_offset_us(naive - HOUR)


def session_frame(
    world: World,
    ctx: DayContext,
    persons: np.ndarray,
    days: np.ndarray,
    start_us: np.ndarray,
    source: np.ndarray,
    purpose: int | np.ndarray,
    rng: np.random.Generator,
    campaign: np.ndarray | None = None,
    journey: np.ndarray | None = None,
) -> Frame:
    n = len(persons)
    if campaign is None:
        campaign = campaigns_for(ctx.day, source, rng)
    return Frame(
        person=persons.astype(np.int64),
        device=pick_devices(world, persons, rng),
        day=days.astype(np.int64),
        start_us=start_us.astype(np.int64),
        source=source.astype(np.int64),
        campaign=np.asarray(campaign).astype(str),
        purpose=np.broadcast_to(np.asarray(purpose, dtype=np.int64), (n,)).copy(),
        purchase=np.zeros(n, dtype=bool),
        cart=np.zeros(n, dtype=bool),
        checkout=np.zeros(n, dtype=bool),
        locator=rng.random(n) < 0.03,
        journey=np.zeros(n, dtype=np.int64) if journey is None else journey.astype(np.int64),
    )


def plan_day(world: World, ctx: DayContext) -> None:
    """Start today's journeys and casual visits; schedule their steps."""
    _plan_journeys(world, ctx)
    _plan_casual_visits(world, ctx)
    _plan_signups(world, ctx)


def _plan_journeys(world: World, ctx: DayContext) -> None:
    pop, d, rng = world.pop, ctx.d, ctx.rng(10)
    wd = ctx.weekday
    active = pop.first_active <= d
    lapsed = d >= pop.lapse_day
    weekday = np.select(
        [pop.habit == STORE_ONLY, pop.habit == ONLINE_ONLY],
        [calendar.STORE_WEEKDAY[wd], calendar.ONLINE_WEEKDAY[wd]],
        (calendar.STORE_WEEKDAY[wd] + calendar.ONLINE_WEEKDAY[wd]) / 2,
    )
    p = np.clip(pop.intensity * ctx.season * weekday * np.where(lapsed, 0.04, 1.0), 0, 0.5)
    starts = (active & (rng.random(pop.n) < p)) | (pop.first_active == d)
    persons = np.flatnonzero(starts)
    j = len(persons)
    if not j:
        return
    habit = pop.habit[persons]
    journey = world.counters.take("journey", j)

    u = rng.random(j)
    kind = np.select(
        [habit == STORE_ONLY, habit == ONLINE_ONLY, u < 0.55, u < 0.75],
        [STORE, ONLINE, ONLINE, SHOWROOM],
        STORE,
    )
    boost = np.select([kind == STORE, kind == SHOWROOM], [1.45, 0.9], 0.8)
    converts = rng.random(j) < np.clip(pop.conversion[persons] * boost, 0, 0.95)
    # omnichannel researchers who buy: a good share goes to the store (ROPO)
    kind = np.where((kind == ONLINE) & (habit != ONLINE_ONLY) & (rng.random(j) < 0.42), ROPO, kind)
    kind = np.where(
        (kind == ONLINE) & converts & (rng.random(j) < 0.06), SOCIAL, kind
    )  # bought through social commerce
    lag = np.minimum(rng.geometric(0.3, size=j) - 1, 13)

    _plan_online_research(world, ctx, persons, journey, kind, converts, lag, rng)
    _plan_store_steps(world, ctx, persons, journey, kind, converts, lag, rng)
    _plan_advice_contacts(world, ctx, persons, kind, lag, rng)


def _plan_online_research(world, ctx, persons, journey, kind, converts, lag, rng) -> None:
    online = np.isin(kind, [ONLINE, ROPO, SHOWROOM, SOCIAL])
    idx = np.flatnonzero(online)
    if not len(idx):
        return
    n_sessions = 1 + rng.poisson(np.where(kind[idx] == SHOWROOM, 0.8, 1.4))
    rows = np.repeat(idx, n_sessions)
    first_of = np.r_[0, np.cumsum(n_sessions)[:-1]]
    rank = np.arange(len(rows)) - np.repeat(first_of, n_sessions)
    last = rank == np.repeat(n_sessions - 1, n_sessions)
    # research days spread over the lag; the last session is on the decision day
    span = lag[rows] + np.where(kind[rows] == SHOWROOM, 1, 0)
    offset = np.where(last, span, (rng.random(len(rows)) * (span + 1)).astype(np.int64))
    offset = np.where(rank == 0, np.where(kind[rows] == SHOWROOM, 1, 0), offset)
    offset = np.minimum(offset, span)
    days = ctx.d + offset
    first = rank == 0
    source = np.where(
        first,
        _pick(rng, FIRST_TOUCH_P, len(rows)),
        _pick(rng, RETURN_VISIT_P, len(rows)),
    )
    start = online_times(ctx, days, rng)
    purpose = np.where(last & converts[rows] & np.isin(kind[rows], [ONLINE, SHOWROOM]), 2, 1)
    frame = session_frame(
        world, ctx, persons[rows], days, start, source, 0, rng, journey=journey[rows]
    )
    frame["purpose"] = purpose
    frame["purchase"] = purpose == PURCHASE
    abandon = last & ~frame["purchase"] & (rng.random(len(rows)) < 0.35)
    frame["cart"] = frame["purchase"] | abandon
    frame["checkout"] = frame["purchase"] | (abandon & (rng.random(len(rows)) < 0.3))
    ropo_last = last & (kind[rows] == ROPO)
    frame["locator"] = frame["locator"] | (ropo_last & (rng.random(len(rows)) < 0.55))
    # the same web session finds the store: a social purchase happens after research
    world.schedule("sessions", days, frame)

    social = np.flatnonzero((kind == SOCIAL) & converts)
    if len(social):
        sdays = ctx.d + lag[social]
        world.schedule(
            "social_orders",
            sdays,
            Frame(
                person=persons[social],
                time_us=online_times(ctx, sdays, rng),
                journey=journey[social],
            ),
        )


def _plan_store_steps(world, ctx, persons, journey, kind, converts, lag, rng) -> None:
    # store journeys buy today; ROPO buys after the online research; showrooming starts here
    store = np.flatnonzero(np.isin(kind, [STORE, ROPO, SHOWROOM]))
    if not len(store):
        return
    k = kind[store]
    after_research = 1 + np.minimum(rng.geometric(0.45, size=len(store)) - 1, 9)
    offset = np.where(k == ROPO, lag[store] + after_research, 0)
    buys = np.where(k == SHOWROOM, rng.random(len(store)) < 0.25, converts[store])
    visit = Frame(
        person=persons[store],
        journey=journey[store],
        purchase=buys,
        advice=(k == SHOWROOM) & (rng.random(len(store)) < 0.2)
        | (k == STORE) & (rng.random(len(store)) < 0.05),
    )
    keep = np.flatnonzero(visit["purchase"] | visit["advice"])
    visit = visit.take(keep)
    days = ctx.d + offset[keep]
    visit["time_us"] = store_times(ctx, days, rng)
    world.schedule("store_visits", days, visit)


def _plan_advice_contacts(world, ctx, persons, kind, lag, rng) -> None:
    asks = np.flatnonzero(np.isin(kind, [ONLINE, ROPO, SOCIAL]) & (rng.random(len(kind)) < 0.07))
    if not len(asks):
        return
    days = ctx.d + (rng.random(len(asks)) * (lag[asks] + 1)).astype(np.int64)
    channel = rng.choice(
        np.array(["chat", "phone", "email", "whatsapp"]), size=len(asks), p=[0.4, 0.25, 0.2, 0.15]
    )
    reason = np.where(rng.random(len(asks)) < 0.7, "product_advice", "stock_question")
    world.schedule(
        "contacts",
        days,
        Frame(
            person=persons[asks],
            time_us=online_times(ctx, days, rng),
            channel=channel,
            reason=reason,
            order_ref=np.full(len(asks), "", dtype="<U24"),
            repeat_depth=np.zeros(len(asks), dtype=np.int64),
        ),
    )


def _plan_casual_visits(world: World, ctx: DayContext) -> None:
    """Browsing without a plan: first visits, inspiration, checking an order."""
    pop, d, rng = world.pop, ctx.d, ctx.rng(11)
    active = (pop.first_active <= d) & pop.online_capable
    rate = 0.15 * ctx.season * calendar.ONLINE_WEEKDAY[ctx.weekday]
    rate = np.where(d >= pop.lapse_day, rate * 0.1, rate)  # lapsed people rarely drop by
    persons = np.flatnonzero(active & (rng.random(pop.n) < rate))
    days = np.full(len(persons), d)
    source = _pick(rng, FIRST_TOUCH_P, len(persons))
    frame = session_frame(
        world, ctx, persons, days, online_times(ctx, days, rng), source, CASUAL, rng
    )
    world.schedule("sessions", days, frame)


def _plan_signups(world: World, ctx: DayContext) -> None:
    pop, rng = world.pop, ctx.rng(12)
    persons = np.flatnonzero(pop.registered_day == ctx.d)
    days = np.full(len(persons), ctx.d)
    source = _pick(rng, RETURN_VISIT_P, len(persons))
    frame = session_frame(
        world, ctx, persons, days, online_times(ctx, days, rng), source, SIGNUP, rng
    )
    world.schedule("sessions", days, frame)
