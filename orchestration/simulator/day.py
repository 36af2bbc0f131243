"""One simulated day: every process in dependency order, then the day's records."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from orchestration.simulator import ads, commerce, crm, emails, journeys, loyalty, service, web
from orchestration.simulator.frame import Frame
from orchestration.simulator.population import APP
from orchestration.simulator.world import DayContext, World


@dataclass
class DayResult:
    """What happened on one day: the raw material of exports and truth."""

    ctx: DayContext
    sessions: Frame = field(default_factory=Frame)
    events: Frame = field(default_factory=Frame)
    orders: Frame = field(default_factory=Frame)  # placed today (web, app, social, test)
    order_lines: Frame = field(default_factory=Frame)
    shop_rows: Frame = field(default_factory=Frame)  # export rows of orders changed today
    receipts: Frame = field(default_factory=Frame)  # store sales
    receipt_lines: Frame = field(default_factory=Frame)
    store_returns: Frame = field(default_factory=Frame)
    portal_returns: Frame = field(default_factory=Frame)
    tickets: Frame = field(default_factory=Frame)  # opened today
    ticket_rows: Frame = field(default_factory=Frame)  # export rows of tickets changed today
    email_events: Frame = field(default_factory=Frame)
    ad_stats: Frame = field(default_factory=Frame)
    ledger: Frame = field(default_factory=Frame)
    crm: Frame = field(default_factory=Frame)


def simulate_day(world: World, d: int) -> DayResult:
    ctx = world.context(d)
    world.today = d
    out = DayResult(ctx=ctx)
    journeys.plan_day(world, ctx)
    out.email_events = emails.send_today(world, ctx)  # clicks schedule today's sessions too

    # web and app: sessions, events, and the orders placed in them
    sessions, events = web.expand_sessions(world, ctx, world.due("sessions", d))
    out.sessions, out.events = sessions, events
    online_orders, online_lines = _orders_from_sessions(world, ctx, sessions)
    social = world.due("social_orders", d)
    social_orders, social_lines = commerce.create_orders(
        world,
        ctx,
        social["person"] if len(social) else np.zeros(0, dtype=np.int64),
        social["time_us"] if len(social) else np.zeros(0, dtype=np.int64),
        np.full(len(social), "social"),
        np.zeros(len(social), dtype=bool),
        ctx.rng(31),
    )
    test_orders, test_lines = commerce.test_orders(
        world, ctx, len(online_orders) + len(social_orders), ctx.rng(32)
    )
    out.orders = Frame.concat([online_orders, social_orders, test_orders])
    out.order_lines = _lines_with_names(
        [(online_orders, online_lines), (social_orders, social_lines), (test_orders, test_lines)]
    )
    emails.plan_cart_reminders(world, ctx, sessions)

    # stores: today's sales and returns share the receipt numbering
    rng = ctx.rng(33)
    visits = world.due("store_visits", d)
    receipts, receipt_lines = commerce.store_receipts(world, ctx, visits, rng)
    store_returns, portal_returns = commerce.split_returns(world, ctx, world.due("returns", d), rng)
    numbers = commerce.number_receipts(
        world,
        ctx,
        Frame.concat(
            [
                Frame(store=receipts["store"], time_us=receipts["time_us"])
                if len(receipts)
                else Frame(),
                Frame(store=store_returns["store"], time_us=store_returns["time_us"])
                if len(store_returns)
                else Frame(),
            ]
        ),
    )
    if len(receipts):
        receipts["number"] = numbers[: len(receipts)]
        commerce.plan_store_returns(world, receipts, receipt_lines, rng)
    if len(store_returns):
        store_returns["number"] = numbers[len(receipts) :]
    out.receipts, out.receipt_lines = receipts, receipt_lines
    out.store_returns, out.portal_returns = store_returns, portal_returns
    if len(visits):
        advice = visits.take(np.flatnonzero(visits["advice"]))
        asked = commerce.contact_frame(
            advice["person"], advice["time_us"], "product_advice", "", rng
        )
        asked["channel"] = np.full(len(asked), "store", dtype="<U8")
        commerce.schedule_contacts(world, asked)
    returns_today = Frame.concat(
        [
            Frame(person=r["person"], time_us=r["time_us"], original=r["original"])
            for r in (store_returns, portal_returns)
            if len(r)
        ]
    )
    if len(returns_today):
        commerce.schedule_contacts(world, commerce.return_contacts(world, returns_today, rng))

    shop_rows = [world.due("shop_rows", d)]
    if len(portal_returns):
        shop_rows.append(commerce.portal_return_rows(world, portal_returns))
    out.shop_rows = Frame.concat(shop_rows)

    # service: contacts can lead to same-day repeats, so work until none are left for today
    opened = []
    while True:
        contacts = world.due("contacts", d)
        if not len(contacts):
            break
        opened.append(service.open_tickets(world, ctx, contacts, ctx.rng(60 + len(opened))))
    out.tickets = Frame.concat(opened)
    out.ticket_rows = world.due("ticket_rows", d)

    _remember_purchases(world, ctx, out)
    out.ledger = loyalty.ledger_entries(
        world, ctx, Frame.concat([online_orders, social_orders]), receipts, ctx.rng(70)
    )
    out.ad_stats = ads.daily_stats(ctx, sessions)
    out.crm = crm.snapshot(world, ctx)
    return out


def _orders_from_sessions(world: World, ctx: DayContext, sessions: Frame) -> tuple[Frame, Frame]:
    """Web and app purchases become shop orders; sessions learn their order's name."""
    if not len(sessions):
        return Frame(), Frame()
    sessions["order_name"] = np.full(len(sessions), "", dtype="<U24")
    sessions["order_pos"] = np.full(len(sessions), -1, dtype=np.int64)  # in the day's orders
    bought = np.flatnonzero(sessions["purchase"])
    orders, lines = commerce.create_orders(
        world,
        ctx,
        sessions["person"][bought],
        sessions["purchase_us"][bought],
        np.where(sessions["device"][bought] == APP, "app", "web"),
        sessions["logged_in"][bought],
        ctx.rng(30),
    )
    if len(orders):
        sessions["order_name"][bought] = orders["name"]
        sessions["order_pos"][bought] = np.arange(len(orders))  # online orders come first
    return orders, lines


def _lines_with_names(pairs: list[tuple[Frame, Frame]]) -> Frame:
    """Concatenate order lines; `order_pos` points into the day's concatenated orders."""
    frames, offset = [], 0
    for orders, lines in pairs:
        if len(orders):
            lines = Frame(**lines.columns)
            lines["name"] = orders["name"][lines["order"]]
            lines["order_pos"] = lines["order"] + offset
            frames.append(lines)
            offset += len(orders)
    return Frame.concat(frames)


def _remember_purchases(world: World, ctx: DayContext, out: DayResult) -> None:
    people = []
    if len(out.orders):
        people.append(out.orders["person"][~out.orders["test"]])
    if len(out.receipts):
        people.append(out.receipts["person"])
    if people:
        world.last_purchase_day[np.concatenate(people)] = ctx.d
