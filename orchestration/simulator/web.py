"""Web and app sessions -> GA4-style analytics events.

A planned session becomes a run of events on one cookie (`user_pseudo_id`): `first_visit`
for a cookie's first session, `session_start`, a landing page, product views, searches,
cart and checkout steps, a purchase. Gaps between events stay under 20 minutes and two
sessions of one cookie are at least 31 minutes apart, so the 30-minute inactivity rule
recovers exactly the sessions simulated here (sessions do not break at midnight).
"""

from __future__ import annotations

import numpy as np

from orchestration.simulator.frame import Frame
from orchestration.simulator.ids import hash_keys
from orchestration.simulator.journeys import (
    CASUAL,
    DIRECT,
    FIRST_TOUCH_P,
    MEDIUM_NAME,
    PAID_SEARCH,
    PURCHASE,
    RESEARCH,
    SIGNUP,
    SOURCE_NAME,
)
from orchestration.simulator.population import APP, DESKTOP, FAMILY_TABLET, MOBILE_WEB
from orchestration.simulator.timeutil import DAY, MINUTE, US
from orchestration.simulator.world import DayContext, World

EVENT_NAMES = np.array(
    [
        "first_visit",
        "session_start",
        "page_view",
        "view_item",
        "search",
        "store_locator_search",
        "login",
        "sign_up",
        "add_to_cart",
        "begin_checkout",
        "purchase",
        "screen_view",
        "user_engagement",
        "scroll",
    ]
)
(
    FIRST_VISIT,
    SESSION_START,
    PAGE_VIEW,
    VIEW_ITEM,
    SEARCH,
    LOCATOR,
    LOGIN,
    SIGN_UP,
    ADD_TO_CART,
    BEGIN_CHECKOUT,
    PURCHASE_EVENT,
    SCREEN_VIEW,
    USER_ENGAGEMENT,
    SCROLL,
) = range(14)

SESSION_GAP = 31 * MINUTE  # more than the 30-minute inactivity rule
# ordering keys of a login: right after landing, after a sign-up, or just before checkout
LOGIN_AFTER_LANDING, LOGIN_AFTER_SIGNUP, LOGIN_AT_CHECKOUT = 5.0, 9.5, 175.0
MAX_EVENT_GAP_S = 20 * 60

# Poisson means by session purpose (CASUAL, RESEARCH, PURCHASE, FROM_EMAIL, SIGNUP)
EXTRA_PAGES = np.array([1.0, 2.5, 3.0, 1.5, 1.0])
ITEM_VIEWS = np.array([0.7, 2.4, 2.2, 1.3, 0.0])


def _owner(world: World, sessions: Frame) -> np.ndarray:
    """Whose cookie it is: the person's own, or the household's for the family tablet."""
    head = world.pop.household_head[sessions["person"]]
    return np.where(sessions["device"] == FAMILY_TABLET, head, sessions["person"])


def expand_sessions(world: World, ctx: DayContext, sessions: Frame) -> tuple[Frame, Frame]:
    """Resolve cookies and logins, place sessions in time, and build their events.

    Returns (sessions, events). Sessions gain `cookie`, `end_us`, `logged_in` ...;
    events are ordered within each session.
    """
    if not len(sessions):
        return sessions, Frame()
    rng = ctx.rng(20)
    pop = world.pop
    sessions = sessions.sort("start_us")
    n = len(sessions)
    sessions["session_key"] = ctx.d * 10_000_000 + np.arange(n, dtype=np.int64)
    sessions["owner"] = _owner(world, sessions)

    # relative event times first: they fix each session's duration (a login event is
    # planned for every registered visitor and dropped when the session does not log in)
    sessions["may_login"] = (pop.registered_day[sessions["person"]] <= ctx.d) | (
        sessions["purpose"] == SIGNUP
    )
    events = _event_skeleton(sessions, rng)
    duration = np.zeros(n, dtype=np.int64)
    np.maximum.at(duration, events["s"], events["rel_us"])
    sessions["duration_us"] = duration

    _resolve_in_rank_order(world, ctx, sessions, rng)

    # absolute times, logins, identities
    s = events["s"]
    events["ts_us"] = sessions["start_us"][s] + events["rel_us"]
    login_key = sessions["login_key"][s]
    logged_event = sessions["logged_before"][s] | ((login_key >= 0) & (events["key"] >= login_key))
    events["user_id"] = np.where(
        logged_event, pop.of_customers(pop.web_account, sessions["person"][s]), ""
    )
    first_visit = sessions["new_cookie"][s] | (events["name"] != FIRST_VISIT)
    logs_in = (events["name"] != LOGIN) | (events["key"] == login_key)
    events = events.take(np.flatnonzero(first_visit & logs_in))
    # the session ends with its last event kept
    end = np.zeros(n, dtype=np.int64)
    np.maximum.at(end, events["s"], events["ts_us"])
    sessions["end_us"] = end
    # app sessions show screens, not pages
    is_app = sessions["device"][events["s"]] == APP
    events["name"] = np.where(is_app & (events["name"] == PAGE_VIEW), SCREEN_VIEW, events["name"])
    sessions["events"] = np.bincount(events["s"], minlength=n)
    sessions["logged_in"] = (
        np.bincount(events["s"], weights=events["user_id"] != "", minlength=n) > 0
    )
    sessions["purchase_us"] = _purchase_time(sessions, events)
    return sessions, events


def _event_skeleton(sessions: Frame, rng: np.random.Generator) -> Frame:
    """Events per session with an ordering key and a time offset from the session start."""
    n = len(sessions)
    purpose = sessions["purpose"]
    extra_pages = rng.poisson(EXTRA_PAGES[purpose])
    item_views = rng.poisson(ITEM_VIEWS[purpose])
    item_views = np.where(sessions["cart"], np.maximum(item_views, 1), item_views)
    searches = rng.random(n) < np.where(purpose == RESEARCH, 0.3, 0.1)
    # bounces: a third of casual visits see one page and leave
    bounce = (purpose == CASUAL) & (rng.random(n) < 0.45)
    extra_pages = np.where(bounce, 0, extra_pages)
    item_views = np.where(bounce, 0, item_views)
    searches &= ~bounce
    counts = {
        FIRST_VISIT: np.ones(n, dtype=np.int64),  # dropped later unless the cookie is new
        SESSION_START: np.ones(n, dtype=np.int64),
        PAGE_VIEW: 1 + extra_pages,
        VIEW_ITEM: item_views,
        SEARCH: searches.astype(np.int64),
        LOCATOR: sessions["locator"].astype(np.int64),
        SIGN_UP: (purpose == SIGNUP).astype(np.int64),
        LOGIN: sessions["may_login"].astype(np.int64),
        ADD_TO_CART: sessions["cart"].astype(np.int64),
        BEGIN_CHECKOUT: sessions["checkout"].astype(np.int64),
        PURCHASE_EVENT: sessions["purchase"].astype(np.int64),
    }
    parts = []
    for name, count in counts.items():
        s = np.repeat(np.arange(n), count)
        within = np.arange(len(s)) - np.repeat(np.r_[0, np.cumsum(count)[:-1]], count)
        if name == FIRST_VISIT:
            key = np.full(len(s), -3.0)
        elif name == SESSION_START:
            key = np.full(len(s), -2.0)
        elif name == PAGE_VIEW:
            key = np.where(within == 0, -1.0, rng.uniform(10, 100, len(s)))  # landing page first
        elif name == SIGN_UP:
            key = rng.uniform(2, 9, len(s))
        elif name == LOGIN:
            # where _resolve_in_rank_order puts a login: after landing, before checkout
            p = purpose[s]
            key = np.select(
                [p == PURCHASE, p == SIGNUP],
                [LOGIN_AT_CHECKOUT, LOGIN_AFTER_SIGNUP],
                LOGIN_AFTER_LANDING,
            )
        elif name == ADD_TO_CART:
            key = np.full(len(s), 150.0)  # after at least one product view
        elif name == BEGIN_CHECKOUT:
            key = np.full(len(s), 200.0)
        elif name == PURCHASE_EVENT:
            key = np.full(len(s), 300.0)
        else:
            key = rng.uniform(10, 100, len(s))
        if name == VIEW_ITEM:
            key = np.where(within == 0, np.minimum(key, 140.0), key)
        parts.append(Frame(s=s, name=np.full(len(s), name), key=key))
    views = Frame.concat(parts)
    views["page_seed"] = rng.integers(0, 2**31, len(views))  # which page: see exports.py
    # GA4 measures reading: `scroll` at 90 % of a web page, `user_engagement` on leaving it
    page = np.flatnonzero(views["name"] == PAGE_VIEW)
    on_web = sessions["device"][views["s"][page]] != APP
    scrolled = page[on_web & (rng.random(len(page)) < 0.45)]
    engaged = page[rng.random(len(page)) < 0.5]
    children = [
        Frame(
            s=views["s"][idx],
            name=np.full(len(idx), kind),
            key=views["key"][idx] + offset,
            page_seed=views["page_seed"][idx],
        )
        for idx, kind, offset in ((scrolled, SCROLL, 0.2), (engaged, USER_ENGAGEMENT, 0.4))
    ]
    events = Frame.concat([views, *children]).sort("s", "key")
    # seconds between events: mostly short, some long reads, never near 30 minutes
    # a bounce is a glance: its few events come quickly
    dwell = np.where(bounce[events["s"]], 7.0, 38.0)
    gap_s = np.minimum(rng.exponential(dwell) + 2, MAX_EVENT_GAP_S).astype(np.int64)
    # first_visit, session_start and the landing page are one hit
    instant = np.isin(events["name"], [FIRST_VISIT, SESSION_START]) | (events["key"] == -1.0)
    starts = np.r_[True, events["s"][1:] != events["s"][:-1]]
    gap_us = gap_s * US + rng.integers(0, US, len(events))
    gap_us[starts | instant] = 0
    csum = np.cumsum(gap_us)
    base = np.repeat(
        csum[starts] - gap_us[starts], np.diff(np.r_[np.flatnonzero(starts), len(events)])
    )
    events["rel_us"] = csum - base
    # engagement reported on each event: the time spent since the previous one
    events["engagement_ms"] = np.where(
        instant,
        0,
        (gap_us // 1000 * rng.uniform(0.55, 1.0, len(events))).astype(np.int64),
    )
    return events


def _resolve_in_rank_order(
    world: World, ctx: DayContext, sessions: Frame, rng: np.random.Generator
) -> None:
    """Cookie generation, first touch, login state and non-overlapping start times.

    Sessions of one cookie on one day are handled in start order (rank 0, 1, ...), each
    rank vectorised, because each depends on the state the previous one left.
    """
    pop, state, d = world.pop, world.devices, ctx.d
    owner, device, person = sessions["owner"], sessions["device"], sessions["person"]
    n = len(sessions)
    cookie_key = owner * 4 + device
    order = np.lexsort((sessions["start_us"], cookie_key))
    sorted_key = cookie_key[order]
    group_start = np.r_[True, sorted_key[1:] != sorted_key[:-1]]
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - np.maximum.accumulate(np.where(group_start, np.arange(n), 0))

    rot = pop.cookie_rotation_days[owner, device]
    generation = (d + pop.cookie_phase[owner, device]) // rot
    registered = pop.registered_day[person] <= d
    u_login = rng.random(n)
    u_session_no = rng.integers(1, 60, n)
    u_first_source = rng.choice(len(FIRST_TOUCH_P), size=n, p=FIRST_TOUCH_P / FIRST_TOUCH_P.sum())
    u_gap = rng.integers(0, 3 * 3600, n) * US

    new_cookie = np.zeros(n, dtype=bool)
    logged_before = np.zeros(n, dtype=bool)
    login_key = np.full(n, -1.0)
    session_number = np.zeros(n, dtype=np.int64)
    start = sessions["start_us"].copy()
    for r in range(int(rank.max()) + 1):
        sel = np.flatnonzero(rank == r)
        o, k, p = owner[sel], device[sel], person[sel]
        # a cookie not seen before in the simulation: new today, or older than the data
        fresh = state.generation[o, k] != generation[sel]
        if fresh.any():
            f = sel[fresh]
            fo, fk = o[fresh], k[fresh]
            birth_day = np.maximum(
                generation[f] * rot[f] - pop.cookie_phase[fo, fk], pop.first_active[person[f]]
            )
            existed = birth_day < 0
            state.generation[fo, fk] = generation[f]
            state.first_touch_us[fo, fk] = np.where(
                existed, ctx.midnight_us + (birth_day - d) * DAY + 11 * 3600 * US, start[f]
            )
            state.first_source[fo, fk] = np.where(existed, u_first_source[f], sessions["source"][f])
            state.first_campaign[fo, fk] = -1
            state.logged_in_as[fo, fk] = -1
            state.session_number[fo, fk] = np.where(existed, u_session_no[f], 0)
            state.last_end_us[fo, fk] = np.where(
                existed, np.minimum(state.last_end_us[fo, fk], start[f] - DAY), -(10**18)
            )
            new_cookie[f] = ~existed
        # never closer than 31 minutes to the cookie's previous session
        earliest = state.last_end_us[o, k] + SESSION_GAP + u_gap[sel] // 60
        start[sel] = np.maximum(start[sel], earliest)
        end = start[sel] + sessions["duration_us"][sel]
        state.last_end_us[o, k] = end
        # the family tablet: whoever picks it up logs the previous person out
        tablet_switch = (k == FAMILY_TABLET) & (state.logged_in_as[o, k] != p)
        state.logged_in_as[o[tablet_switch], k[tablet_switch]] = -1
        was_logged = state.logged_in_as[o, k] == p
        purpose = sessions["purpose"][sel]
        p_login = np.select(
            [purpose == PURCHASE, purpose == SIGNUP, k == FAMILY_TABLET], [0.85, 1.0, 0.9], 0.3
        )
        logs_in = registered[sel] & ~was_logged & (u_login[sel] < p_login)
        logs_in |= (purpose == SIGNUP) & ~was_logged
        logged_before[sel] = was_logged
        # login right after landing, or just before checkout when buying
        login_key[sel] = np.where(
            logs_in,
            np.select(
                [purpose == PURCHASE, purpose == SIGNUP],
                [LOGIN_AT_CHECKOUT, LOGIN_AFTER_SIGNUP],
                LOGIN_AFTER_LANDING,
            ),
            -1,
        )
        state.logged_in_as[o[logs_in], k[logs_in]] = p[logs_in]
        state.session_number[o, k] += 1
        session_number[sel] = state.session_number[o, k]

    sessions["start_us"] = start
    sessions["end_us"] = start + sessions["duration_us"]
    sessions["new_cookie"] = new_cookie
    sessions["logged_before"] = logged_before
    sessions["login_key"] = login_key
    sessions["session_number"] = session_number
    sessions["generation"] = generation
    sessions["first_touch_us"] = state.first_touch_us[owner, device]
    sessions["first_source"] = state.first_source[owner, device]
    sessions["cookie"] = cookie_ids(
        world.cfg.seed, owner, device, generation, sessions["first_touch_us"]
    )


def cookie_ids(
    seed: int,
    owner: np.ndarray,
    device: np.ndarray,
    generation: np.ndarray,
    first_touch_us: np.ndarray,
) -> np.ndarray:
    """GA4 client ids: `<10 digits>.<first visit, epoch s>` on the web, 32 hex in apps."""
    h = hash_keys(seed, owner, device, generation)
    web = np.char.add(
        np.char.add((1_000_000_000 + h % np.uint64(8_999_999_999)).astype(str), "."),
        (first_touch_us // US).astype(str),
    )
    h2 = hash_keys(seed + 1, owner, device, generation)
    app = np.char.add(_hex16(h), _hex16(h2))
    return np.where(device == APP, app, web)


def _hex16(values: np.ndarray) -> np.ndarray:
    # vectorised '%016x'
    digits = np.array(list("0123456789abcdef"))
    shifts = np.arange(60, -4, -4, dtype=np.uint64)
    nibbles = (values[:, None] >> shifts[None, :]) & np.uint64(15)
    chars = digits[nibbles.astype(np.int64)]
    return chars.view(f"<U{len(shifts)}").ravel() if len(values) else np.array([], dtype=str)


def _purchase_time(sessions: Frame, events: Frame) -> np.ndarray:
    out = np.zeros(len(sessions), dtype=np.int64)
    is_purchase = events["name"] == PURCHASE_EVENT
    out[events["s"][is_purchase]] = events["ts_us"][is_purchase]
    return out


DEVICE_CATEGORY = np.array(["desktop", "mobile", "mobile", "tablet"])


def device_columns(world: World, sessions: Frame) -> dict[str, np.ndarray]:
    """platform, device category and operating system of each session."""
    device = sessions["device"]
    android = world.pop.device_os[sessions["owner"], device] == 1
    platform = np.where(device == APP, np.where(android, "ANDROID", "IOS"), "WEB")
    os_name = np.select(
        [device == DESKTOP, device == MOBILE_WEB, device == APP],
        [
            np.where(android, "Windows", "Macintosh"),
            np.where(android, "Android", "iOS"),
            np.where(android, "Android", "iOS"),
        ],
        np.where(android, "Android", "iPadOS"),
    )
    return {"platform": platform, "category": DEVICE_CATEGORY[device], "os": os_name}


def traffic_columns(sessions: Frame) -> dict[str, np.ndarray]:
    """Session source/medium/campaign and the cookie's first-touch source."""
    src = sessions["source"]
    first = sessions["first_source"]
    return {
        "session_source": SOURCE_NAME[src],
        "session_medium": MEDIUM_NAME[src],
        "tagged": src != DIRECT,
        "gclid": src == PAID_SEARCH,
        "first_source": np.where(first == DIRECT, "(direct)", SOURCE_NAME[first]),
        "first_medium": np.where(first == DIRECT, "(none)", MEDIUM_NAME[first]),
    }
