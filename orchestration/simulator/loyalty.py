"""The points ledger: earn on purchases, redeem in any channel, bonuses, expiry.

Members who also have a web account earn online as well as in stores; members known only
by their card earn in stores only (registered vs merely identified customers).
"""

from __future__ import annotations

import numpy as np

from orchestration.simulator.commerce import LOYALTY_REDEEM_POINTS
from orchestration.simulator.frame import Frame
from orchestration.simulator.ids import card_as_typed
from orchestration.simulator.timeutil import HOUR, US
from orchestration.simulator.world import DayContext, World

SIGNUP_BONUS = 250
EXPIRY_AFTER_DAYS = 365


def ledger_entries(world: World, ctx: DayContext, orders: Frame, receipts: Frame, rng) -> Frame:
    pop, d = world.pop, ctx.d
    parts: list[Frame] = []
    if len(orders):
        real = ~orders["test"]
        persons = np.where(real, orders["person"], 0)
        earns = real & (pop.member_day[persons] <= d) & orders["logged_in"]
        parts += _purchase_entries(
            orders, earns, orders["merchandise"], orders["channel"], orders["name"]
        )
    if len(receipts):
        earns = receipts["card"] != ""
        parts += _purchase_entries(
            receipts, earns, receipts["total"], np.full(len(receipts), "store"), receipts["number"]
        )
    joined = np.flatnonzero(pop.member_day == d)
    if len(joined):
        parts.append(
            Frame(
                person=joined,
                time_us=ctx.midnight_us + rng.integers(9 * 3600, 20 * 3600, len(joined)) * US,
                points=np.full(len(joined), SIGNUP_BONUS),
                reason=np.full(len(joined), "bonus", dtype="<U6"),
                channel=np.full(len(joined), "system", dtype="<U6"),
                reference=np.full(len(joined), "WELCOME", dtype="<U24"),
            )
        )
    entries = Frame.concat(parts)
    if len(entries):
        entries = entries.sort("time_us", "person")
        # redemptions first: the balance the member had before this purchase pays for it
        np.add.at(world.points, entries["person"], entries["points"])
        world.last_points_activity[entries["person"]] = d
    if ctx.day.day == 1:
        entries = Frame.concat([entries, _expiries(world, ctx)])
    if not len(entries):
        return entries
    k = len(entries)
    entries["entry_id"] = np.char.add(
        "L", np.char.zfill(world.counters.take("ledger_entry", k).astype(str), 9)
    )
    p = entries["person"]
    entries["member_id"] = pop.member_id[p]
    entries["card_number"] = card_as_typed(pop.card[p], rng.random(k) < 0.3)
    return entries


def _purchase_entries(source: Frame, earns, amount, channel, reference) -> list[Frame]:
    idx = np.flatnonzero(earns)
    if not len(idx):
        return []
    persons = source["person"][idx]
    t = source["time_us"][idx] if "time_us" in source else source["created_us"][idx]
    earn = Frame(
        person=persons,
        time_us=t + 2 * US,
        points=np.floor(np.maximum(amount[idx], 0)).astype(np.int64),
        reason=np.full(len(idx), "earn", dtype="<U6"),
        channel=channel[idx].astype("<U6"),
        reference=reference[idx].astype("<U24"),
    )
    red = np.flatnonzero(source["redeemed"][idx])
    redeem = Frame(
        person=persons[red],
        time_us=t[red] + 1 * US,
        points=np.full(len(red), -LOYALTY_REDEEM_POINTS),
        reason=np.full(len(red), "redeem", dtype="<U6"),
        channel=channel[idx][red].astype("<U6"),
        reference=reference[idx][red].astype("<U24"),
    )
    return [earn, redeem]


def _expiries(world: World, ctx: DayContext) -> Frame:
    """On the first of the month, balances of members inactive for a year expire."""
    stale = np.flatnonzero(
        (world.points > 0) & (world.last_points_activity < ctx.d - EXPIRY_AFTER_DAYS)
    )
    expired = Frame(
        person=stale,
        time_us=np.full(len(stale), ctx.midnight_us + 2 * HOUR),
        points=-world.points[stale],
        reason=np.full(len(stale), "expire", dtype="<U6"),
        channel=np.full(len(stale), "system", dtype="<U6"),
        reference=np.full(len(stale), ctx.day.strftime("EXPIRY-%Y%m"), dtype="<U24"),
    )
    world.points[stale] = 0
    return expired
