"""Service contacts -> tickets, with repeats ("had to explain again") and satisfaction.

A contact that is not resolved leads to another contact by the same person within days,
often on a different channel. The ticket system exports a ticket on the day it is opened
and again on the day it is solved (`ticket_rows`).
"""

from __future__ import annotations

import numpy as np

from orchestration.simulator.commerce import CONTACT_CHANNELS, typed_email, typed_phone
from orchestration.simulator.frame import Frame
from orchestration.simulator.timeutil import DAY, HOUR, MINUTE, local_day_index
from orchestration.simulator.world import DayContext, World

# channel -> (mean first-reply delay, mean time from reply to solved)
REPLY = {
    "phone": (1 * MINUTE, 6 * MINUTE),
    "store": (0, 8 * MINUTE),
    "chat": (4 * MINUTE, 12 * MINUTE),
    "whatsapp": (50 * MINUTE, 3 * HOUR),
    "social": (3 * HOUR, 10 * HOUR),
    "email": (9 * HOUR, 20 * HOUR),
}
REPEAT_P = (0.3, 0.2, 0.0)  # chance of another contact, by depth in a chain
SWITCH_CHANNEL_P = 0.55


def open_tickets(world: World, ctx: DayContext, contacts: Frame, rng) -> Frame:
    """Turn today's contacts into tickets; schedule follow-ups and export versions."""
    n = len(contacts)
    if not n:
        return Frame()
    contacts = contacts.sort("time_us")
    pop = world.pop
    persons = contacts["person"]
    channel = contacts["channel"]
    ticket_id = world.counters.take("ticket", n)

    reply_mean = np.array([REPLY[c][0] for c in channel.tolist()], dtype=np.float64)
    solve_mean = np.array([REPLY[c][1] for c in channel.tolist()], dtype=np.float64)
    created = contacts["time_us"]
    first_reply = created + (rng.exponential(1.0, n) * reply_mean).astype(np.int64)
    solved = first_reply + (rng.exponential(1.0, n) * solve_mean).astype(np.int64) + MINUTE

    # who the desk sees: an e-mail address for written channels, a phone number for calls
    p_email = np.select(
        [np.isin(channel, ["email", "chat"]), channel == "social"], [0.92, 0.5], 0.35
    )
    p_phone = np.select(
        [np.isin(channel, ["phone", "whatsapp"]), channel == "store"], [0.97, 0.5], 0.15
    )
    email = np.where(
        (rng.random(n) < p_email) & pop.has_email[persons],
        typed_email(world, persons, world.cfg.mess.messy_identifiers, rng),
        "",
    )
    phone = np.where(rng.random(n) < p_phone, typed_phone(world, persons, 1.0, rng), "")
    name = np.where(
        (rng.random(n) < 0.8) & (persons < pop.customers),
        np.char.add(
            np.char.add(pop.of_customers(pop.first_name, persons), " "),
            pop.of_customers(pop.last_name, persons),
        ),
        "",
    )

    depth = contacts["repeat_depth"]
    repeats = rng.random(n) < np.array(REPEAT_P)[np.minimum(depth, 2)]
    offered = ~np.isin(channel, ["phone", "store"])
    answered = offered & (rng.random(n) < 0.4)
    p_good = np.where(repeats | (depth > 0), 0.55, 0.86)
    score = np.where(
        answered,
        np.where(rng.random(n) < p_good, "good", "bad"),
        np.where(offered, "offered", "unoffered"),
    )

    tickets = Frame(
        ticket_id=ticket_id,
        person=persons,
        channel=channel,
        reason=contacts["reason"],
        order_ref=contacts["order_ref"],
        created_us=created,
        first_reply_us=first_reply,
        solved_us=solved,
        email=email,
        phone=phone,
        name=name,
        score=score,
        depth=depth,
    )
    _schedule_versions(world, tickets)
    _schedule_repeats(world, tickets, repeats, rng)
    return tickets


def _schedule_versions(world: World, tickets: Frame) -> None:
    start = world.cfg.start
    created_day = local_day_index(tickets["created_us"], start)
    solved_day = local_day_index(tickets["solved_us"], start)
    reply_day = local_day_index(tickets["first_reply_us"], start)
    same_day = solved_day == created_day
    # the version on the day the ticket was opened
    first = Frame(**tickets.columns)
    first["status"] = np.where(
        same_day, "solved", np.where(reply_day == created_day, "open", "new")
    )
    first["updated_us"] = np.where(
        same_day,
        tickets["solved_us"],
        np.where(reply_day == created_day, tickets["first_reply_us"], tickets["created_us"]),
    )
    first["first_reply_us"] = np.where(reply_day == created_day, tickets["first_reply_us"], 0)
    first["solved_us"] = np.where(same_day, tickets["solved_us"], 0)
    first["score"] = np.where(same_day, tickets["score"], "unoffered")
    world.schedule("ticket_rows", created_day, first)
    later = np.flatnonzero(~same_day)
    if len(later):
        second = tickets.take(later)
        second["status"] = np.full(len(later), "solved")
        second["updated_us"] = second["solved_us"]
        world.schedule("ticket_rows", solved_day[later], second)


def _schedule_repeats(world: World, tickets: Frame, repeats: np.ndarray, rng) -> None:
    idx = np.flatnonzero(repeats)
    if not len(idx):
        return
    k = len(idx)
    within_week = rng.random(k) < 0.8
    delay = np.where(within_week, rng.uniform(0.05, 6.9, k), rng.uniform(7.5, 12, k))
    when = tickets["created_us"][idx] + (delay * DAY).astype(np.int64)
    old = tickets["channel"][idx]
    switch = rng.random(k) < SWITCH_CHANNEL_P
    # another channel than last time: shift the old channel's position by 1..5
    position = {name: i for i, name in enumerate(CONTACT_CHANNELS.tolist())}
    old_pos = np.array([position[c] for c in old.tolist()], dtype=np.int64)
    other = CONTACT_CHANNELS[
        (old_pos + rng.integers(1, len(CONTACT_CHANNELS), k)) % len(CONTACT_CHANNELS)
    ]
    follow = Frame(
        person=tickets["person"][idx],
        time_us=when,
        channel=np.where(switch, other, old),
        reason=tickets["reason"][idx],
        order_ref=tickets["order_ref"][idx],
        repeat_depth=tickets["depth"][idx] + 1,
    )
    world.schedule("contacts", local_day_index(when, world.cfg.start), follow)
