"""Orders, store receipts and returns.

An order's whole life is decided when it is placed (fulfilment, delivery or pickup, a
possible return, questions to the service desk) and each step is scheduled for its day:
the web shop exports an order again on every day it changes (`shop_rows`), returns come
back in a store or through the returns portal (`returns`), contacts go to `contacts`.
"""

from __future__ import annotations

import numpy as np

from orchestration.simulator import calendar
from orchestration.simulator.config import PLACEHOLDER_EMAIL, TEST_EMAIL_DOMAIN
from orchestration.simulator.frame import Frame
from orchestration.simulator.ids import PHONE_STYLES
from orchestration.simulator.population import OMNI, ONLINE_ONLY
from orchestration.simulator.timeutil import DAY, HOUR, US, local_day_index
from orchestration.simulator.world import DayContext, World

LOYALTY_REDEEM_POINTS = 500
LOYALTY_REDEEM_EUR = 5.0
FREE_SHIPPING_FROM = 50.0
SHIPPING_FEE = 4.95
CONTACT_CHANNELS = np.array(["email", "chat", "phone", "whatsapp", "social", "store"])
CONTACT_CHANNEL_P = np.array([0.3, 0.25, 0.25, 0.1, 0.05, 0.05])


def _lines(world: World, n_orders: int, rng: np.random.Generator, sale: bool) -> Frame:
    """Line items for n orders: 1-4 lines, mostly one unit each."""
    cat = world.cat
    n_lines = 1 + rng.binomial(3, 0.3, n_orders)
    order = np.repeat(np.arange(n_orders), n_lines)
    line_no = np.arange(len(order)) - np.repeat(np.r_[0, np.cumsum(n_lines)[:-1]], n_lines) + 1
    weights = 1 / np.sqrt(cat.price)
    sku = rng.choice(len(cat.sku), size=len(order), p=weights / weights.sum())
    # one line per product in an order (a shop merges repeats into the quantity)
    while True:
        by_order = np.lexsort((sku, order))
        repeat = np.zeros(len(order), dtype=bool)
        repeat[by_order[1:]] = (order[by_order[1:]] == order[by_order[:-1]]) & (
            sku[by_order[1:]] == sku[by_order[:-1]]
        )
        if not repeat.any():
            break
        sku[repeat] = (sku[repeat] + rng.integers(1, len(cat.sku), repeat.sum())) % len(cat.sku)
    qty = rng.choice([1, 2, 3], size=len(order), p=[0.85, 0.12, 0.03])
    price = cat.price[sku]
    on_sale = sale & (rng.random(len(order)) < 0.5)
    discount = np.round(np.where(on_sale, 0.2 * price * qty, 0.0), 2)
    return Frame(order=order, line_no=line_no, sku=sku, qty=qty, price=price, discount=discount)


def _forms(pop, forms: np.ndarray, style: np.ndarray, persons: np.ndarray) -> np.ndarray:
    """forms[style, person] for customers; '' for prospects, who have no identifiers."""
    known = persons < pop.customers
    return np.where(known, forms[style, np.where(known, persons, 0)], "")


def typed_email(world: World, persons: np.ndarray, messy_rate: float, rng) -> np.ndarray:
    pop = world.pop
    form = np.where(rng.random(len(persons)) < messy_rate, rng.integers(1, 4, len(persons)), 0)
    return _forms(pop, pop.email_forms, form, persons)


def typed_phone(world: World, persons: np.ndarray, share: float, rng) -> np.ndarray:
    pop = world.pop
    style = rng.integers(0, PHONE_STYLES, len(persons))
    phone = _forms(pop, pop.phone_forms, style, persons)
    return np.where(rng.random(len(persons)) < share, phone, "")


def create_orders(
    world: World,
    ctx: DayContext,
    persons: np.ndarray,
    created_us: np.ndarray,
    channel: np.ndarray,
    logged_in: np.ndarray,
    rng: np.random.Generator,
) -> tuple[Frame, Frame]:
    """Place online orders (web, app, social) and schedule everything that follows."""
    pop = world.pop
    n = len(persons)
    if not n:
        return Frame(), Frame()
    sale = calendar.is_sale(ctx.day)
    lines = _lines(world, n, rng, sale)
    order_no = world.counters.take("order", n)
    names = np.char.add("#", order_no.astype(str))

    subtotal = np.bincount(lines["order"], weights=lines["price"] * lines["qty"], minlength=n)
    line_disc = np.bincount(lines["order"], weights=lines["discount"], minlength=n)
    code = np.where(rng.random(n) < 0.1, "WELKOM10", "")
    code_disc = np.where(code != "", np.round(0.1 * (subtotal - line_disc), 2), 0.0)
    member = pop.member_day[persons] <= ctx.d
    redeem = (
        member
        & logged_in
        & (world.points[persons] >= LOYALTY_REDEEM_POINTS)
        & (rng.random(n) < 0.25)
    )
    code = np.where(redeem & (code == ""), "PUNTEN500", code)
    discount = np.round(line_disc + code_disc + np.where(redeem, LOYALTY_REDEEM_EUR, 0.0), 2)
    habit = pop.habit[persons]
    click_collect = (channel != "social") & (
        rng.random(n) < np.select([habit == OMNI, habit == ONLINE_ONLY], [0.3, 0.08], 0.2)
    )
    merchandise = np.round(subtotal - discount, 2)
    shipping = np.where(~click_collect & (merchandise < FREE_SHIPPING_FROM), SHIPPING_FEE, 0.0)
    total = np.round(merchandise + shipping, 2)

    # fulfilment: shipped within a day; delivered 1-3 days later, or collected in store
    fulfilled = created_us + np.where(
        click_collect, rng.integers(1, 6, n) * HOUR, rng.integers(3, 30, n) * HOUR
    )
    collect_after = (rng.exponential(1.8, n) * DAY).astype(np.int64) + HOUR
    delivered = np.where(
        click_collect, fulfilled + collect_after, fulfilled + rng.integers(18, 72, n) * HOUR
    )
    delivered = _business_hours(world, delivered, rng)
    pickup_store = np.where(click_collect, pop.preferred_store[persons], -1)

    logged_email = pop.email_forms[pop.crm_email_form[persons], persons]
    email = np.where(
        logged_in, logged_email, typed_email(world, persons, world.cfg.mess.messy_identifiers, rng)
    )
    phone = typed_phone(world, persons, 0.7, rng)

    orders = Frame(
        order_no=order_no,
        name=names,
        person=persons,
        channel=channel,
        created_us=created_us,
        fulfilled_us=fulfilled,
        delivered_us=delivered,
        click_collect=click_collect,
        pickup_store=pickup_store,
        email=email,
        phone=phone,
        subtotal=np.round(subtotal, 2),
        discount=discount,
        discount_code=code,
        shipping=shipping,
        total=total,
        merchandise=merchandise,
        redeemed=redeem,
        logged_in=logged_in,
        test=np.zeros(n, dtype=bool),
    )
    lines["order_no"] = order_no[lines["order"]]
    _schedule_shop_versions(world, orders, lines)
    _plan_online_returns(world, ctx, orders, lines, rng)
    _plan_order_contacts(world, ctx, orders, rng)
    return orders, lines


def _business_hours(world: World, ts: np.ndarray, rng) -> np.ndarray:
    """Deliveries and pickups happen between 09:00 and 21:00 local time."""
    local_day = local_day_index(ts, world.cfg.start)
    midnight = np.array([world.context(int(x)).midnight_us for x in np.unique(local_day)])
    lookup = dict(zip(np.unique(local_day).tolist(), midnight.tolist(), strict=True))
    day_start = np.vectorize(lookup.get, otypes=[np.int64])(local_day) if len(ts) else ts
    hour = (ts - day_start) // HOUR
    late = hour >= 21
    early = hour < 9
    jitter = rng.integers(0, 3 * 3600, len(ts)) * US
    out = np.where(early, day_start + 9 * HOUR + jitter, ts)
    return np.where(late, day_start + DAY + 9 * HOUR + jitter, out)


def _schedule_shop_versions(world: World, orders: Frame, lines: Frame) -> None:
    """The export shows an order on each day it was created or changed, in its state then."""
    start = world.cfg.start
    days = np.stack(
        [
            local_day_index(orders["created_us"], start),
            local_day_index(orders["fulfilled_us"], start),
            local_day_index(orders["delivered_us"], start),
        ]
    )
    times = np.stack([orders["created_us"], orders["fulfilled_us"], orders["delivered_us"]])
    for version in range(3):
        # a version exists when its day differs from the next event's day (else it is folded in)
        later_same_day = np.zeros(len(orders), dtype=bool)
        for nxt in range(version + 1, 3):
            later_same_day |= days[nxt] == days[version]
        keep = np.flatnonzero(~later_same_day)
        if not len(keep):
            continue
        state = version
        o = orders.take(keep)
        line_idx = np.flatnonzero(np.isin(lines["order"], keep))
        order_pos = np.searchsorted(keep, lines["order"][line_idx])
        rows = Frame(
            order_pos=order_pos,
            sku=lines["sku"][line_idx],
            qty=lines["qty"][line_idx],
            price=lines["price"][line_idx],
            discount=lines["discount"][line_idx],
        )
        frame = Frame(
            name=o["name"][order_pos],
            email=o["email"][order_pos],
            phone=o["phone"][order_pos],
            financial_status=np.full(len(rows), "paid"),
            fulfillment_status=np.full(
                len(rows), ["unfulfilled", "fulfilled", "delivered"][state], dtype="<U11"
            ),
            created_us=o["created_us"][order_pos],
            updated_us=times[state][keep][order_pos],
            fulfilled_us=np.where(state >= 1, o["fulfilled_us"][order_pos], 0),
            delivered_us=np.where(state >= 2, o["delivered_us"][order_pos], 0),
            subtotal=o["subtotal"][order_pos],
            shipping=o["shipping"][order_pos],
            discount_code=o["discount_code"][order_pos],
            discount_amount=o["discount"][order_pos],
            total=o["total"][order_pos],
            click_collect=o["click_collect"][order_pos],
            pickup_store=o["pickup_store"][order_pos],
            qty=rows["qty"],
            sku=rows["sku"],
            price=rows["price"],
            line_discount=rows["discount"],
            source=o["channel"][order_pos],
            return_reference=np.full(len(rows), ""),
            test=o["test"][order_pos],
        )
        cc = frame["click_collect"]
        frame["fulfillment_status"] = np.where(
            cc & (frame["fulfillment_status"] == "delivered"),
            "collected",
            frame["fulfillment_status"],
        )
        world.schedule("shop_rows", days[state][keep][order_pos], frame)


def _plan_online_returns(world: World, ctx: DayContext, orders: Frame, lines: Frame, rng) -> None:
    """About one online order in six sends a line back: by post, or to a store."""
    n = len(orders)
    returns = rng.random(n) < 0.17
    idx = np.flatnonzero(returns & ~orders["test"])
    if not len(idx):
        return
    first_line = np.searchsorted(lines["order"], idx)  # lines are grouped by order
    in_store = rng.random(len(idx)) < np.where(
        world.pop.habit[orders["person"][idx]] == OMNI, 0.45, 0.2
    )
    when = orders["delivered_us"][idx] + (rng.uniform(1, 24, len(idx)) * DAY).astype(np.int64)
    when = _business_hours(world, when, rng)
    store = np.where(
        orders["click_collect"][idx],
        orders["pickup_store"][idx],
        world.pop.preferred_store[orders["person"][idx]],
    )
    frame = Frame(
        person=orders["person"][idx],
        time_us=when,
        original=orders["name"][idx],
        original_channel=orders["channel"][idx],
        original_us=orders["created_us"][idx],
        channel=np.where(in_store, "store", "web"),
        store=store,
        sku=lines["sku"][first_line],
        qty=lines["qty"][first_line],
        price=lines["price"][first_line],
        discount=lines["discount"][first_line],
    )
    world.schedule("returns", local_day_index(when, world.cfg.start), frame)


def _plan_order_contacts(world: World, ctx: DayContext, orders: Frame, rng) -> None:
    n = len(orders)
    real = ~orders["test"]
    kinds = [
        ("delivery", 0.06, orders["fulfilled_us"], orders["delivered_us"]),
        ("order_change", 0.02, orders["created_us"], orders["created_us"] + 6 * HOUR),
        ("payment", 0.01, orders["created_us"], orders["created_us"] + DAY),
        ("complaint", 0.02, orders["delivered_us"] + DAY, orders["delivered_us"] + 5 * DAY),
    ]
    frames = []
    for reason, p, lo, hi in kinds:
        idx = np.flatnonzero(real & (rng.random(n) < p))
        if not len(idx):
            continue
        when = lo[idx] + ((hi[idx] - lo[idx]) * rng.random(len(idx))).astype(np.int64)
        frames.append(contact_frame(orders["person"][idx], when, reason, orders["name"][idx], rng))
    schedule_contacts(world, Frame.concat(frames))


def contact_frame(persons, when, reason, order_ref, rng) -> Frame:
    n = len(persons)
    return Frame(
        person=persons,
        time_us=when,
        channel=rng.choice(CONTACT_CHANNELS, size=n, p=CONTACT_CHANNEL_P),
        reason=np.broadcast_to(np.asarray(reason), (n,)).astype("<U16"),
        order_ref=np.broadcast_to(np.asarray(order_ref), (n,)).astype("<U24"),
        repeat_depth=np.zeros(n, dtype=np.int64),
    )


def schedule_contacts(world: World, contacts: Frame) -> None:
    if len(contacts):
        world.schedule("contacts", local_day_index(contacts["time_us"], world.cfg.start), contacts)


def test_orders(world: World, ctx: DayContext, real_orders: int, rng) -> tuple[Frame, Frame]:
    """Staff placing test orders on the live shop (tagged `test`, on a test address)."""
    k = rng.binomial(max(real_orders, 20), world.cfg.mess.test_orders)
    if not k:
        return Frame(), Frame()
    sale = calendar.is_sale(ctx.day)
    lines = _lines(world, k, rng, sale)
    order_no = world.counters.take("order", k)
    created = ctx.midnight_us + rng.integers(9 * 3600, 17 * 3600, k) * US
    subtotal = np.round(
        np.bincount(lines["order"], weights=lines["price"] * lines["qty"], minlength=k), 2
    )
    disc = np.round(np.bincount(lines["order"], weights=lines["discount"], minlength=k), 2)
    orders = Frame(
        order_no=order_no,
        name=np.char.add("#", order_no.astype(str)),
        person=np.full(k, -1),
        channel=np.full(k, "web"),
        created_us=created,
        fulfilled_us=created,
        delivered_us=created,
        click_collect=np.zeros(k, dtype=bool),
        pickup_store=np.full(k, -1),
        email=np.char.add(np.char.add("test+", order_no.astype(str)), "@" + TEST_EMAIL_DOMAIN),
        phone=np.full(k, ""),
        subtotal=subtotal,
        discount=disc,
        discount_code=np.full(k, "TEST100"),
        shipping=np.zeros(k),
        total=np.round(subtotal - disc, 2),
        merchandise=np.round(subtotal - disc, 2),
        redeemed=np.zeros(k, dtype=bool),
        logged_in=np.zeros(k, dtype=bool),
        test=np.ones(k, dtype=bool),
    )
    lines["order_no"] = order_no[lines["order"]]
    # a test order is created and cancelled on the spot: one version
    rows = _single_version_rows(orders, lines, "paid", "unfulfilled")
    rows["test"] = np.ones(len(rows), dtype=bool)
    world.schedule("shop_rows", np.full(len(rows), ctx.d), rows)
    return orders, lines


def _single_version_rows(orders: Frame, lines: Frame, financial: str, fulfillment: str) -> Frame:
    pos = lines["order"]
    return Frame(
        name=orders["name"][pos],
        email=orders["email"][pos],
        phone=orders["phone"][pos],
        financial_status=np.full(len(pos), financial),
        fulfillment_status=np.full(len(pos), fulfillment, dtype="<U11"),
        created_us=orders["created_us"][pos],
        updated_us=orders["created_us"][pos],
        fulfilled_us=np.zeros(len(pos), dtype=np.int64),
        delivered_us=np.zeros(len(pos), dtype=np.int64),
        subtotal=orders["subtotal"][pos],
        shipping=orders["shipping"][pos],
        discount_code=orders["discount_code"][pos],
        discount_amount=orders["discount"][pos],
        total=orders["total"][pos],
        click_collect=orders["click_collect"][pos],
        pickup_store=orders["pickup_store"][pos],
        qty=lines["qty"],
        sku=lines["sku"],
        price=lines["price"],
        line_discount=lines["discount"],
        source=orders["channel"][pos],
        return_reference=np.full(len(pos), ""),
        test=orders["test"][pos],
    )


# -- stores --------------------------------------------------------------------------------


def store_receipts(world: World, ctx: DayContext, visits: Frame, rng) -> tuple[Frame, Frame]:
    """Store purchases: receipt lines, the loyalty card if scanned, an e-receipt address."""
    pop = world.pop
    if not len(visits):
        return Frame(), Frame()
    buying = visits.take(np.flatnonzero(visits["purchase"]))
    n = len(buying)
    if not n:
        return Frame(), Frame()
    persons = buying["person"]
    store = np.where(
        rng.random(n) < 0.85,
        pop.preferred_store[persons],
        rng.integers(0, len(world.cat.store_id), n),
    )
    lines = _lines(world, n, rng, calendar.is_sale(ctx.day))
    member = pop.member_day[persons] <= ctx.d
    card_scanned = member & (rng.random(n) < 0.85)
    redeem = card_scanned & (world.points[persons] >= LOYALTY_REDEEM_POINTS) & (rng.random(n) < 0.2)
    first = np.r_[0, np.cumsum(np.bincount(lines["order"], minlength=n))[:-1]]
    lines["discount"][first[redeem]] += LOYALTY_REDEEM_EUR
    amount = np.round(lines["price"] * lines["qty"] - lines["discount"], 2)
    lines["amount"] = amount
    wants = pop.wants_ereceipt[persons] & (rng.random(n) < 0.9)
    ereceipt = np.where(
        wants, typed_email(world, persons, 2 * world.cfg.mess.messy_identifiers, rng), ""
    )
    placeholder = card_scanned & ~wants & (rng.random(n) < world.cfg.mess.placeholder_email)
    ereceipt = np.where(placeholder, PLACEHOLDER_EMAIL, ereceipt)
    receipts = Frame(
        person=persons,
        time_us=buying["time_us"],
        store=store,
        card=np.where(card_scanned, pop.card[persons], ""),
        ereceipt=ereceipt,
        placeholder=placeholder,
        total=np.round(np.bincount(lines["order"], weights=amount, minlength=n), 2),
        redeemed=redeem,
        payment=rng.choice(np.array(["PIN", "CONTANT", "CREDITCARD"]), size=n, p=[0.72, 0.18, 0.1]),
        journey=buying["journey"],
    )
    return receipts, lines


def plan_store_returns(world: World, receipts: Frame, lines: Frame, rng) -> None:
    """About one store purchase in fourteen comes back: mostly in a store, some by post."""
    n = len(receipts)
    idx = np.flatnonzero(rng.random(n) < 0.07)
    if not len(idx):
        return
    first_line = np.searchsorted(lines["order"], idx)
    by_post = rng.random(len(idx)) < 0.2  # sent back through the web shop's returns portal
    when = receipts["time_us"][idx] + (rng.uniform(1, 20, len(idx)) * DAY).astype(np.int64)
    when = _business_hours(world, when, rng)
    frame = Frame(
        person=receipts["person"][idx],
        time_us=when,
        original=receipts["number"][idx],
        original_channel=np.full(len(idx), "store"),
        original_us=receipts["time_us"][idx],
        channel=np.where(by_post, "web", "store"),
        store=receipts["store"][idx],
        sku=lines["sku"][first_line],
        qty=lines["qty"][first_line],
        price=lines["price"][first_line],
        discount=lines["discount"][first_line],
    )
    world.schedule("returns", local_day_index(when, world.cfg.start), frame)


def number_receipts(world: World, ctx: DayContext, receipts: Frame) -> np.ndarray:
    """Receipt numbers `<store>-<YYYYMMDD>-<seq>`, counted per store in time order."""
    n = len(receipts)
    if not n:
        return np.zeros(0, dtype="<U24")
    order = np.lexsort((receipts["time_us"], receipts["store"]))
    store_sorted = receipts["store"][order]
    first = np.r_[True, store_sorted[1:] != store_sorted[:-1]]
    seq_sorted = np.arange(n) - np.maximum.accumulate(np.where(first, np.arange(n), 0)) + 1
    seq = np.empty(n, dtype=np.int64)
    seq[order] = seq_sorted
    stamp = ctx.day.strftime("%Y%m%d")
    prefix = np.char.add(world.cat.store_id[receipts["store"]], f"-{stamp}-")
    return np.char.add(prefix, np.char.zfill(seq.astype(str), 4))


# -- returns -------------------------------------------------------------------------------


def split_returns(world: World, ctx: DayContext, due: Frame, rng) -> tuple[Frame, Frame]:
    """Today's returns: (in-store returns, parcels through the returns portal)."""
    if not len(due):
        return Frame(), Frame()
    due = due.sort("time_us")
    due["value"] = np.round(due["price"] * due["qty"] - due["discount"], 2)
    in_store = due.take(np.flatnonzero(due["channel"] == "store"))
    by_post = due.take(np.flatnonzero(due["channel"] != "store"))
    if len(in_store):
        member = world.pop.member_day[in_store["person"]] <= ctx.d
        scanned = member & (rng.random(len(in_store)) < 0.7)
        in_store["card"] = np.where(scanned, world.pop.card[in_store["person"]], "")
        in_store["payment"] = np.full(len(in_store), "PIN")
    if len(by_post):
        k = len(by_post)
        number = world.counters.take("return_order", k)
        by_post["name"] = np.char.add("#R", number.astype(str))
        by_post["email"] = typed_email(
            world, by_post["person"], world.cfg.mess.messy_identifiers, rng
        )
    return in_store, by_post


def portal_return_rows(world: World, returns: Frame) -> Frame:
    """Returns-portal parcels as web-shop rows: a `#R` order with a negative line."""
    n = len(returns)
    value = returns["value"]
    return Frame(
        name=returns["name"],
        email=returns["email"],
        phone=np.full(n, ""),
        financial_status=np.full(n, "refunded"),
        fulfillment_status=np.full(n, "returned", dtype="<U11"),
        created_us=returns["time_us"],
        updated_us=returns["time_us"],
        fulfilled_us=np.zeros(n, dtype=np.int64),
        delivered_us=np.zeros(n, dtype=np.int64),
        subtotal=-np.round(returns["price"] * returns["qty"], 2),
        shipping=np.zeros(n),
        discount_code=np.full(n, ""),
        discount_amount=-returns["discount"],
        total=-value,
        click_collect=np.zeros(n, dtype=bool),
        pickup_store=np.full(n, -1),
        qty=-returns["qty"],
        sku=returns["sku"],
        price=returns["price"],
        line_discount=-returns["discount"],
        source=np.full(n, "returns_portal"),
        return_reference=returns["original"],
        test=np.zeros(n, dtype=bool),
    )


def return_contacts(world: World, returns: Frame, rng) -> Frame:
    """Some returns lead to a question to the service desk ("where is my refund?")."""
    idx = np.flatnonzero(rng.random(len(returns)) < 0.12)
    if not len(idx):
        return Frame()
    when = returns["time_us"][idx] + (rng.uniform(0.05, 4, len(idx)) * DAY).astype(np.int64)
    return contact_frame(returns["person"][idx], when, "return", returns["original"][idx], rng)
