"""E-mail marketing: newsletters, win-back and cart reminders, and what recipients do.

Opens are unreliable on purpose: Apple Mail Privacy Protection opens every message it
delivers (`user_agent = apple-mpp-proxy`). A click lands on the web shop with utm tags,
so each click becomes a web session (`sessions` queue) and sometimes a purchase.
"""

from __future__ import annotations

import numpy as np

from orchestration.simulator import calendar
from orchestration.simulator.config import SHOP_DOMAIN
from orchestration.simulator.frame import Frame
from orchestration.simulator.journeys import EMAIL, FROM_EMAIL, PURCHASE, session_frame
from orchestration.simulator.timeutil import DAY, HOUR, MINUTE, US, local_day_index
from orchestration.simulator.world import DayContext, World

USER_AGENTS = np.array(
    [
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X)",
        "Mozilla/5.0 (Windows NT 10.0)",
        "Mozilla/5.0 (Linux; Android 14)",
        "Microsoft Outlook 16.0",
    ]
)
MPP = "apple-mpp-proxy"
# campaign kind -> (human open rate, click rate among opens, purchase rate among clicks)
RATES = {
    "newsletter": (0.2, 0.16, 0.12),
    "winback": (0.15, 0.14, 0.2),
    "cart_reminder": (0.45, 0.33, 0.35),
}


def recipients(world: World, ctx: DayContext) -> np.ndarray:
    """CRM contacts with an address who have not opted out or unsubscribed."""
    pop, d = world.pop, ctx.d
    unsubscribed = (world.unsubscribed_us > 0) & (world.unsubscribed_us < ctx.midnight_us)
    ok = (pop.crm_day <= d) & pop.has_email & ~pop.opted_out_email & ~unsubscribed
    return np.flatnonzero(ok)


def send_today(world: World, ctx: DayContext) -> Frame:
    """Today's sends; returns today's e-mail events (later ones are scheduled)."""
    rng = ctx.rng(40)
    sends: list[Frame] = []
    if calendar.newsletter_day(ctx.day):
        people = recipients(world, ctx)
        sends.append(
            _sends(
                ctx,
                people,
                "newsletter",
                f"newsletter_{ctx.day:%Y_%m_%d}",
                f"EM{ctx.day:%Y%m%d}",
                8 * HOUR,
                rng,
            )
        )
    if calendar.winback_day(ctx.day):
        people = recipients(world, ctx)
        lapsed = people[world.last_purchase_day[people] < ctx.d - 90]
        sends.append(
            _sends(
                ctx,
                lapsed,
                "winback",
                f"winback_{ctx.day:%Y_%m}",
                f"EMW{ctx.day:%Y%m}",
                10 * HOUR,
                rng,
            )
        )
    reminders = world.due("cart_reminders", ctx.d)
    if len(reminders):
        ok = np.isin(reminders["person"], recipients(world, ctx))
        people = np.unique(reminders["person"][ok])
        sends.append(_sends(ctx, people, "cart_reminder", "cart_reminder", "EMCART", 9 * HOUR, rng))
    events = _events(world, ctx, Frame.concat(sends), rng)
    if len(events):
        day = local_day_index(events["time_us"], world.cfg.start)
        world.schedule("email_events", day, events)
    return world.due("email_events", ctx.d)


def _sends(ctx: DayContext, persons, kind, name, campaign_id, at, rng) -> Frame:
    n = len(persons)
    return Frame(
        person=persons,
        time_us=ctx.midnight_us + at + rng.integers(0, 30 * 60, n) * US,
        kind=np.full(n, kind, dtype="<U13"),
        campaign=np.full(n, name, dtype="<U32"),
        campaign_id=np.full(n, campaign_id, dtype="<U12"),
    )


def _events(world: World, ctx: DayContext, sends: Frame, rng) -> Frame:
    if not len(sends):
        return Frame()
    pop = world.pop
    n = len(sends)
    t0 = sends["time_us"]
    p = sends["person"]
    rates = np.array([RATES[k] for k in sends["kind"].tolist()])
    bounced = rng.random(n) < 0.02
    delivered_at = t0 + rng.integers(1, 60, n) * US
    mpp = ~bounced & pop.apple_mail[p]
    opened = ~bounced & (rng.random(n) < rates[:, 0])
    open_at = delivered_at + np.minimum(rng.exponential(5 * HOUR, n), 72 * HOUR).astype(np.int64)
    clicked = opened & (rng.random(n) < rates[:, 1])
    click_at = open_at + rng.integers(5, 300, n) * US
    unsub = opened & ~clicked & (rng.random(n) < 0.01)
    unsub_at = open_at + rng.integers(10, 120, n) * US

    def part(mask, kind, when, url="", agent=""):
        idx = np.flatnonzero(mask)
        return Frame(
            s=idx,
            event_type=np.full(len(idx), kind, dtype="<U11"),
            time_us=when[idx],
            url=np.broadcast_to(np.asarray(url), (n,))[idx],
            user_agent=np.broadcast_to(np.asarray(agent), (n,))[idx],
        )

    landing = np.char.add(
        np.char.add(
            f"{SHOP_DOMAIN}/?utm_source=newsletter&utm_medium=email&utm_campaign=",
            sends["campaign"],
        ),
        "",
    )
    agents = USER_AGENTS[rng.integers(0, len(USER_AGENTS), n)]
    events = Frame.concat(
        [
            part(np.ones(n, dtype=bool), "send", t0),
            part(~bounced, "delivered", delivered_at),
            part(bounced, "bounce", delivered_at),
            part(mpp, "open", t0 + rng.integers(60, 30 * 60, n) * US, agent=MPP),
            part(opened, "open", open_at, agent=agents),
            part(clicked, "click", click_at, url=landing),
            part(unsub, "unsubscribe", unsub_at),
        ]
    )
    s = events["s"]
    events["person"] = p[s]
    events["campaign"] = sends["campaign"][s]
    events["campaign_id"] = sends["campaign_id"][s]
    events["email"] = pop.email_forms[pop.crm_email_form[p[s]], p[s]]
    events = events.sort("time_us", "s")
    k = len(events)
    events["event_id"] = np.char.add(
        "EV", np.char.zfill(world.counters.take("email_event", k).astype(str), 10)
    )

    # side effects: unsubscribes, and clicks that open the web shop
    u = np.flatnonzero(unsub)
    world.unsubscribed_us[p[u]] = unsub_at[u]
    _click_sessions(world, ctx, sends, np.flatnonzero(clicked), click_at, rates, rng)
    return events


def _click_sessions(world: World, ctx: DayContext, sends: Frame, idx, click_at, rates, rng) -> None:
    if not len(idx):
        return
    persons = sends["person"][idx]
    start = click_at[idx] + 2 * US
    days = local_day_index(start, world.cfg.start)
    frame = session_frame(
        world,
        ctx,
        persons,
        days,
        start,
        np.full(len(idx), EMAIL),
        FROM_EMAIL,
        rng,
        campaign=sends["campaign"][idx],
    )
    buys = rng.random(len(idx)) < rates[idx, 2] * world.pop.conversion[persons] * 2
    frame["purpose"] = np.where(buys, PURCHASE, FROM_EMAIL)
    frame["purchase"] = buys
    frame["cart"] = buys
    frame["checkout"] = buys
    world.schedule("sessions", days, frame)
    # a win-back click brings a lapsed customer back
    back = sends["kind"][idx] == "winback"
    world.pop.lapse_day[persons[back]] = ctx.d + (rng.exponential(300, back.sum()) + 30).astype(
        np.int64
    )


def plan_cart_reminders(world: World, ctx: DayContext, sessions: Frame) -> None:
    """Logged-in visitors who left a full cart get a reminder the next morning."""
    if not len(sessions):
        return
    left = sessions["cart"] & ~sessions["purchase"] & sessions["logged_in"]
    idx = np.flatnonzero(left)
    if len(idx):
        world.schedule(
            "cart_reminders",
            np.full(len(idx), ctx.d + 1),
            Frame(person=sessions["person"][idx]),
        )


__all__ = ["DAY", "MINUTE"]
