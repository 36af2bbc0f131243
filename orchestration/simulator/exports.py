"""A day's facts -> each channel system's export columns, as text (see docs/sources.md).

Each `*_columns` function returns the export's header and its columns as arrays of strings
(CSV) or the finished JSON lines (NDJSON), one entry per record, in export order.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.simulator import crm, render
from orchestration.simulator.config import SHOP_DOMAIN
from orchestration.simulator.day import DayResult
from orchestration.simulator.frame import Frame
from orchestration.simulator.population import APP
from orchestration.simulator.timeutil import (
    DAY,
    US,
    amsterdam_offset_us,
    iso_utc,
    local_text,
    local_with_offset,
)
from orchestration.simulator.web import (
    ADD_TO_CART,
    BEGIN_CHECKOUT,
    EVENT_NAMES,
    FIRST_VISIT,
    LOCATOR,
    LOGIN,
    PAGE_VIEW,
    PURCHASE_EVENT,
    SCREEN_VIEW,
    SCROLL,
    SEARCH,
    SESSION_START,
    SIGN_UP,
    VIEW_ITEM,
    device_columns,
    traffic_columns,
)
from orchestration.simulator.world import Catalogue, CrmCache, World

CSV_HEADERS = {
    "shop": [
        "Name",
        "Email",
        "Phone",
        "Financial Status",
        "Fulfillment Status",
        "Created at",
        "Updated at",
        "Fulfilled at",
        "Delivered at",
        "Currency",
        "Subtotal",
        "Shipping",
        "Discount Code",
        "Discount Amount",
        "Total",
        "Shipping Method",
        "Pickup Location",
        "Lineitem quantity",
        "Lineitem name",
        "Lineitem price",
        "Lineitem sku",
        "Lineitem discount",
        "Source",
        "Return Reference",
        "Tags",
    ],
    "pos": [
        "BONNR",
        "FILIAAL",
        "DATUM",
        "TIJD",
        "REGEL",
        "ARTIKELNR",
        "OMSCHRIJVING",
        "AANTAL",
        "STUKPRIJS",
        "KORTING",
        "BEDRAG",
        "KLANTKAART",
        "EBON_EMAIL",
        "SOORT",
        "ORIG_BONNR",
        "BETAALWIJZE",
    ],
    "crm": [
        "ContactId",
        "Email",
        "Phone",
        "FirstName",
        "LastName",
        "CreatedDate",
        "LastModifiedDate",
        "HasOptedOutOfEmail",
        "SmsOptIn",
        "LoyaltyCardNumber",
        "LoyaltyMemberId",
        "PreferredStore",
        "WebAccountId",
    ],
    "email": [
        "event_id",
        "event_type",
        "occurred_at",
        "email",
        "campaign_id",
        "campaign_name",
        "url",
        "user_agent",
    ],
    "ads": [
        "date",
        "platform",
        "campaign_id",
        "campaign_name",
        "impressions",
        "clicks",
        "spend",
        "currency",
    ],
    "loyalty": [
        "entry_id",
        "member_id",
        "card_number",
        "occurred_at",
        "points",
        "reason",
        "channel",
        "reference",
    ],
}


def money(values: np.ndarray, comma: bool = False) -> np.ndarray:
    text = np.char.mod("%.2f", np.round(np.asarray(values, dtype=np.float64), 2) + 0.0)
    text = np.where(text == "-0.00", "0.00", text)
    return np.char.replace(text, ".", ",") if comma else text


def _opt_time(ts: np.ndarray, fmt) -> np.ndarray:
    return np.where(ts > 0, fmt(np.where(ts > 0, ts, 0)), "")


# -- web --------------------------------------------------------------------------------


class Fragments:
    """One table of JSON text fragments; events pick theirs by integer index.

    Building a line per event from a handful of precomputed fragments (per session, per
    product, per order) keeps the per-event work in Arrow's C++ string kernels.
    """

    def __init__(self) -> None:
        self.chunks: list[pa.Array] = [pa.array([""], type=pa.string())]  # index 0: nothing
        self.size = 1

    def add(self, values: list[str] | pa.Array) -> int:
        base = self.size
        chunk = values if isinstance(values, pa.Array) else pa.array(values, type=pa.string())
        self.chunks.append(chunk)
        self.size += len(chunk)
        return base

    def take(self, index: np.ndarray, variant: np.ndarray | None = None) -> pa.Array:
        """The fragments at `index`; where `variant` is set, their second copy (see freeze)."""
        if variant is not None:
            index = index + variant * self.size
        return pc.take(self.table, pa.array(index, type=pa.int64()))

    def freeze(self, prefix: str | None = None, suffix: str = "") -> None:
        """Make the table; a prefix adds a second copy of every fragment, `prefix + x + suffix`."""
        self.table = pa.concat_arrays(self.chunks)
        if prefix is not None:
            self.table = pa.concat_arrays([self.table, _cat(prefix, self.table, suffix)])
        # fragments are spliced into JSON unescaped: no value may need escaping
        if pc.any(pc.match_substring(self.table, "\\")).as_py():
            raise ValueError("a JSON fragment holds a backslash: it would need escaping")


def _cat(*parts: str | np.ndarray | pa.Array) -> pa.Array:
    """Row-wise concatenation of string columns and literals, in Arrow's C++ kernel."""
    arrays = [pa.array(p) if isinstance(p, np.ndarray) else p for p in parts]
    strings = [pc.cast(a, pa.string()) if isinstance(a, pa.Array) else a for a in arrays]
    return pc.binary_join_element_wise(*strings, "")


def _around(wrap: Callable[[str], str]) -> tuple[str, str]:
    """What `wrap` puts before and after its value (to splice a column into it)."""
    before, after = wrap("\0").split("\0")
    return before, after


def _j(value: str) -> str:
    # our values never need JSON escapes; Fragments.freeze() checks that
    return f'"{value}"'


def _param(key: str, kind: str, value: object) -> str:
    shown = _j(value) if kind == "string_value" else str(value)
    return f',{{"key":"{key}","value":{{"{kind}":{shown}}}}}'


@dataclass
class WebDay:
    """What the web export of one day needs, small enough to send to another process."""

    d: int
    seed: int
    sessions: Frame
    events: Frame
    order_names: np.ndarray
    order_totals: np.ndarray
    order_lines: Frame
    next_midnight_us: int = 0  # events from then on belong to the next day's file

    @property
    def events_today(self) -> int:
        """How many of the day's events (time-ordered) happen before the next midnight."""
        if not len(self.events):
            return 0
        return int(np.count_nonzero(self.events["ts_us"] < self.next_midnight_us))


def web_day(world: World, day: DayResult) -> WebDay:
    """Collect a day's web facts, resolving everything that needs the population."""
    s, e = day.sessions, day.events
    d, seed = day.ctx.d, world.cfg.seed
    if not len(e):
        return WebDay(d, seed, Frame(), Frame(), np.array([]), np.array([]), Frame())
    next_midnight = world.context(d + 1).midnight_us
    pop = world.pop
    sessions = Frame(
        cookie=s["cookie"],
        account=pop.of_customers(pop.web_account, s["person"]),
        store=pop.preferred_store[s["person"]],
        start_us=s["start_us"],
        session_number=s["session_number"],
        first_touch_us=s["first_touch_us"],
        device=s["device"],
        campaign=s["campaign"],
        session_key=s["session_key"],
        order_pos=s["order_pos"],
        **device_columns(world, s),
        **traffic_columns(s),
    )
    events = Frame(
        s=e["s"],
        name=e["name"],
        key=e["key"],
        ts_us=e["ts_us"],
        engagement_ms=e["engagement_ms"],
        logged=e["user_id"] != "",
        page_seed=e["page_seed"],
    )
    o, lines = day.orders, day.order_lines
    if not len(o):
        return WebDay(d, seed, sessions, events, np.array([]), np.array([]), Frame(), next_midnight)
    keep = ("order_pos", "sku", "qty", "price", "line_no")
    order_lines = Frame(**{k: lines[k] for k in keep})
    return WebDay(d, seed, sessions, events, o["name"], o["total"], order_lines, next_midnight)


def web_lines(cat: Catalogue, wd: WebDay) -> pa.Array:
    """GA4 BigQuery-export events as JSON lines (an Arrow string array), in time order.

    Each line is joined from eleven pieces, most picked from a table of precomputed fragments:
    the date, the time, the event name, the session's ids, the engagement time, the event's
    page parameters (one fragment per page, product or store), an extra parameter, the
    session's user and device, the ecommerce block and the items.
    """
    sessions, events = wd.sessions, wd.events
    if not len(events):
        return pa.array([], type=pa.string())
    rng = np.random.default_rng([wd.seed, 80, wd.d])
    n_sessions, n_products = len(sessions), len(cat.sku)

    # per-event decisions, as integers, already in time order
    order = np.lexsort((np.arange(len(events)), events["ts_us"]))
    s = events["s"][order]
    name = events["name"][order]
    ts = events["ts_us"][order]
    logged = events["logged"][order]
    eng = np.where(np.isin(name, [FIRST_VISIT, SESSION_START]), -1, events["engagement_ms"][order])
    order_pos = sessions["order_pos"]
    order_json, order_total, order_first_sku = _order_arrays(cat, wd)
    focus = np.where(
        order_pos >= 0,
        order_first_sku[np.maximum(order_pos, 0)],
        rng.integers(0, n_products, n_sessions),
    )
    is_app = (sessions["device"] == APP)[s]
    landing = np.isin(name, [PAGE_VIEW, SCREEN_VIEW]) & (events["key"][order] == -1.0)
    # the page an event is on; scroll and user_engagement share their page view's seed
    seed = events["page_seed"][order]
    page_kind = seed % 3  # 0 home, 1 category, 2 product
    viewed = np.where((seed // 3) % 10 < 6, focus[s], (seed // 30) % n_products)
    viewed = np.where(name == ADD_TO_CART, focus[s], viewed)
    tagged = sessions["tagged"][s]
    categories = np.unique(cat.category)
    cat_index = np.searchsorted(categories, cat.category)
    store = sessions["store"][s]

    f = Fragments()
    dates = f.add([f'{{"event_date":"{x}","event_timestamp":' for x in _dates(ts)])
    date_index = dates + np.searchsorted(np.unique(_day_numbers(ts)), _day_numbers(ts))
    names = f.add([f',"event_name":"{x}","event_params":[' for x in EVENT_NAMES.tolist()])
    # the session's own params; their variant opens the engagement time param, whose
    # number follows and whose closing "}}" opens the page params' variant
    sp = Fragments()
    sparams = sp.add(
        _cat(
            '{"key":"ga_session_id","value":{"int_value":',
            sessions["start_us"] // US,
            '}},{"key":"ga_session_number","value":{"int_value":',
            sessions["session_number"],
            "}}",
        )
    )
    sp.freeze("", ',{"key":"engagement_time_msec","value":{"int_value":')
    engaged = eng >= 0
    pg = Fragments()

    # page parameters: one fragment per kind of page, per product, per store or per session
    def page(path: str) -> str:
        return _param("page_location", "string_value", f"{SHOP_DOMAIN}/{path}")

    def title(text: str) -> str:
        return _param("page_title", "string_value", text)

    def screen(text: str) -> str:
        return _param("firebase_screen", "string_value", text)

    def term(text: str) -> str:
        return _param("search_term", "string_value", text)

    skus = [x.lower() for x in cat.sku.tolist()]
    terms = [w.split()[-1].lower() for w in cat.name.tolist()]
    cities = _city_terms(cat).tolist()
    stores = [
        term(c) + _param("store_id", "string_value", x)
        for c, x in zip(cities, cat.store_id.tolist(), strict=True)
    ]
    home_pages = [page(""), *[page(f"c/{c}") for c in categories], *[page(f"p/{x}") for x in skus]]
    titles = [
        title("Omnishop"),
        *[title(f"Omnishop | {c.capitalize()}") for c in categories],
        *[title(f"Omnishop | {x}") for x in cat.name.tolist()],
    ]
    plain = pg.add(home_pages)  # where a page is: home, category c, product p
    viewed_page = pg.add([a + b for a, b in zip(home_pages, titles, strict=True)])  # page_view
    before, after = _around(page)
    landing_page = pg.add(
        _cat(
            before + "?utm_source=",
            sessions["session_source"],
            "&utm_medium=",
            sessions["session_medium"],
            "&utm_campaign=",
            sessions["campaign"],
            after + title("Omnishop"),
        )
    )
    search_page = pg.add([page(f"zoeken?q={t}") + term(t) for t in terms])
    locator_page = pg.add([page("winkels") + x for x in stores])
    checkout_page = pg.add([page(p) for p in ("winkelwagen", "checkout", "checkout/bedankt")])
    app_screens = ["Home", "Categorie", "Product", "Winkelwagen", "Afrekenen", "Zoeken"]
    screens = pg.add([screen(x) for x in app_screens])
    app_search = pg.add([screen("Zoeken") + term(t) for t in terms])
    app_locator = pg.add([screen("Winkels") + x for x in stores])
    # index into home, categories..., products...
    where = np.where(
        page_kind == 1,
        1 + cat_index[viewed],
        np.where(page_kind == 2, 1 + len(categories) + viewed, 0),
    )
    web_params = np.select(
        [
            np.isin(name, [FIRST_VISIT, SESSION_START]),
            landing & tagged,
            name == PAGE_VIEW,
            name == VIEW_ITEM,
            name == SEARCH,
            name == LOCATOR,
            name == ADD_TO_CART,
            name == BEGIN_CHECKOUT,
            name == PURCHASE_EVENT,
        ],
        [
            0,
            landing_page + s,
            viewed_page + where,
            plain + 1 + len(categories) + viewed,
            search_page + viewed,
            locator_page + store,
            checkout_page,
            checkout_page + 1,
            checkout_page + 2,
        ],
        plain + where,  # scroll, user_engagement, login, sign_up: the page they are on
    )
    app_params = np.select(
        [
            np.isin(name, [FIRST_VISIT, SESSION_START]),
            name == VIEW_ITEM,
            name == SEARCH,
            name == LOCATOR,
            name == ADD_TO_CART,
            np.isin(name, [BEGIN_CHECKOUT, PURCHASE_EVENT]),
        ],
        [0, screens + 2, app_search + viewed, app_locator + store, screens + 3, screens + 4],
        screens + page_kind,
    )
    params = np.where(is_app, app_params, web_params)
    extras = f.add(
        [_param("method", "string_value", "email"), _param("percent_scrolled", "int_value", 90)]
    )
    extra = np.select([np.isin(name, [LOGIN, SIGN_UP]), name == SCROLL], [extras, extras + 1], 0)

    # the session's user, device and first-touch source: with and without a login
    medium = sessions["first_medium"]
    first_touch_name = np.select(
        [medium == "(none)", medium == "organic", medium == "referral"],
        ["(direct)", "(organic)", "(referral)"],
        "(not set)",
    )
    heads = _cat(
        '],"user_pseudo_id":"',
        sessions["cookie"],
        '","user_first_touch_timestamp":',
        sessions["first_touch_us"],
        ',"platform":"',
        sessions["platform"],
        '","device":{"category":"',
        sessions["category"],
        '","operating_system":"',
        sessions["os"],
        '"},"traffic_source":{"source":"',
        sessions["first_source"],
        '","medium":"',
        medium,
        '","name":"',
        first_touch_name,
        '"}',
    )
    anonymous = f.add(_cat(heads, ',"user_id":null'))
    known = f.add(_cat(heads, ',"user_id":"', sessions["account"], '"'))
    gclid = pc.utf8_lpad(pc.cast(pa.array(sessions["session_key"] % 99991), pa.string()), 8, "0")
    campaign = sessions["campaign"]
    cts = f.add([',"collected_traffic_source":null'])
    f.add(  # at cts + 1 + s: the session's tagged source
        _cat(
            ',"collected_traffic_source":{"manual_source":"',
            sessions["session_source"],
            '","manual_medium":"',
            sessions["session_medium"],
            '","manual_campaign_name":',
            pc.if_else(pa.array(campaign == ""), "null", _cat('"', campaign, '"')),
            ',"gclid":',
            pc.if_else(pa.array(sessions["gclid"]), _cat('"Cj0KCQiA', gclid, '"'), "null"),
            "}",
        )
    )
    first_events = np.isin(name, [FIRST_VISIT, SESSION_START]) | landing
    order_names = wd.order_names.tolist() if len(wd.order_names) else [""]
    ecommerce = f.add(
        [',"ecommerce":null']
        + [
            f',"ecommerce":{{"transaction_id":"{o}","purchase_revenue":{t:.2f},"currency":"EUR"}}'
            for o, t in zip(order_names, np.asarray(order_total).tolist(), strict=True)
        ]
    )
    items = f.add(
        [',"items":null}'] + [f',"items":{x}}}' for x in _catalogue_item_json(cat).tolist()]
    )
    order_items = f.add([f',"items":{x}}}' for x in np.asarray(order_json).tolist()])
    event_order = order_pos[s]
    f.freeze()
    pg.freeze("}}")

    item_index = np.select(
        [
            np.isin(name, [VIEW_ITEM, ADD_TO_CART]),
            np.isin(name, [BEGIN_CHECKOUT, PURCHASE_EVENT]) & (event_order >= 0),
            np.isin(name, [BEGIN_CHECKOUT, PURCHASE_EVENT]),
        ],
        [items + 1 + viewed, order_items + np.maximum(event_order, 0), items + 1 + focus[s]],
        items,
    )
    parts = [
        f.take(date_index),
        pc.cast(pa.array(ts), pa.string()),
        f.take(names + name),
        sp.take(sparams + s, engaged),
        pc.cast(pa.array(eng, mask=~engaged), pa.string()),
        pg.take(params, engaged),
        f.take(extra),
        f.take(np.where(logged, known, anonymous) + s),
        f.take(np.where(first_events & tagged, cts + 1 + s, cts)),
        f.take(
            np.where(name == PURCHASE_EVENT, ecommerce + 1 + np.maximum(event_order, 0), ecommerce)
        ),
        f.take(item_index),
    ]
    return pc.binary_join_element_wise(*parts, "", null_handling="replace")


def _day_numbers(ts: np.ndarray) -> np.ndarray:
    return (ts + amsterdam_offset_us(ts)) // DAY


def _dates(ts: np.ndarray) -> list[str]:
    """The distinct local dates (YYYYMMDD) of the instants, in order."""
    days = np.unique(_day_numbers(ts))
    return np.char.replace(
        np.datetime_as_string(days.astype("datetime64[D]"), unit="D"), "-", ""
    ).tolist()


def _city_terms(cat: Catalogue) -> np.ndarray:
    # what people type into the store locator: the town of their store
    from orchestration.simulator.population import read_seed

    cities = {row["store_id"]: row["city"] for row in read_seed("stores.csv")}
    return np.char.lower(np.array([cities[x].split()[-1] for x in cat.store_id.tolist()]))


def _catalogue_item_json(cat: Catalogue) -> np.ndarray:
    return np.array(
        [
            json.dumps(
                [
                    {
                        "item_id": s,
                        "item_name": nm,
                        "item_category": c,
                        "price": round(float(p), 2),
                        "quantity": 1,
                    }
                ],
                ensure_ascii=False,
                separators=(",", ":"),
            )
            for s, nm, c, p in zip(cat.sku, cat.name, cat.category, cat.price, strict=True)
        ]
    )


def _order_arrays(cat: Catalogue, wd: WebDay) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per order of the day: items as GA4 JSON, total, first line's SKU (or empty arrays)."""
    orders, lines = wd.order_names, wd.order_lines
    if not len(orders):
        return np.array([""]), np.zeros(1), np.zeros(1, dtype=np.int64)
    per_order: list[list[dict]] = [[] for _ in range(len(orders))]
    for pos, sku, qty, price in zip(
        lines["order_pos"].tolist(),
        lines["sku"].tolist(),
        lines["qty"].tolist(),
        lines["price"].tolist(),
        strict=True,
    ):
        per_order[pos].append(
            {
                "item_id": cat.sku[sku],
                "item_name": cat.name[sku],
                "item_category": cat.category[sku],
                "price": round(price, 2),
                "quantity": qty,
            }
        )
    as_json = np.array(
        [json.dumps(x, ensure_ascii=False, separators=(",", ":")) for x in per_order]
    )
    first = lines["line_no"] == 1
    first_sku = np.zeros(len(orders), dtype=np.int64)
    first_sku[lines["order_pos"][first]] = lines["sku"][first]
    return as_json, wd.order_totals, first_sku


# -- CSV exports --------------------------------------------------------------------------


def shop_columns(world: World, day: DayResult) -> list[np.ndarray]:
    """Shopify-style order export: one row per line item of every order changed today."""
    rows = day.shop_rows
    if not len(rows):
        return []
    rows = rows.sort("updated_us")  # stable: an order's lines stay together
    cat = world.cat
    n = len(rows)
    cc = rows["click_collect"]
    tags = np.where(
        rows["test"], "test", np.where(rows["source"] == "returns_portal", "return", "")
    )
    return [
        rows["name"],
        rows["email"],
        rows["phone"],
        rows["financial_status"],
        rows["fulfillment_status"],
        local_with_offset(rows["created_us"]),
        local_with_offset(rows["updated_us"]),
        _opt_time(rows["fulfilled_us"], local_with_offset),
        _opt_time(rows["delivered_us"], local_with_offset),
        np.full(n, "EUR"),
        money(rows["subtotal"]),
        money(rows["shipping"]),
        rows["discount_code"],
        money(rows["discount_amount"]),
        money(rows["total"]),
        np.where(cc, "Click & Collect", "Home delivery"),
        np.where(rows["pickup_store"] >= 0, cat.store_id[np.maximum(rows["pickup_store"], 0)], ""),
        rows["qty"].astype(str),
        cat.name[rows["sku"]],
        money(rows["price"]),
        cat.sku[rows["sku"]],
        money(rows["line_discount"]),
        rows["source"],
        rows["return_reference"],
        tags,
    ]


def pos_columns(world: World, day: DayResult) -> list[np.ndarray]:
    """Till lines: sales and returns, local time, decimal comma (encoded Latin-1 later)."""
    cat = world.cat
    parts = []
    if len(day.receipts):
        r, lines = day.receipts, day.receipt_lines
        o = lines["order"]
        parts.append(
            Frame(
                number=r["number"][o],
                store=r["store"][o],
                time_us=r["time_us"][o],
                line_no=lines["line_no"],
                sku=lines["sku"],
                qty=lines["qty"],
                price=lines["price"],
                discount=lines["discount"],
                amount=lines["amount"],
                card=r["card"][o],
                ereceipt=r["ereceipt"][o],
                kind=np.full(len(o), "V"),
                original=np.full(len(o), ""),
                payment=r["payment"][o],
            )
        )
    if len(day.store_returns):
        r = day.store_returns
        k = len(r)
        parts.append(
            Frame(
                number=r["number"],
                store=r["store"],
                time_us=r["time_us"],
                line_no=np.ones(k, dtype=np.int64),
                sku=r["sku"],
                qty=-r["qty"],
                price=r["price"],
                discount=-r["discount"],
                amount=-r["value"],
                card=r["card"],
                ereceipt=np.full(k, ""),
                kind=np.full(k, "R"),
                original=r["original"],
                payment=r["payment"],
            )
        )
    rows = Frame.concat(parts)
    if not len(rows):
        return []
    rows = rows.sort("time_us")  # stable: a receipt's lines stay in order
    local = local_text(rows["time_us"])  # YYYY-MM-DDTHH:MM:SS
    date_part = np.char.partition(local, "T")
    ymd = date_part[:, 0]
    dmy = np.char.add(
        np.char.add(np.char.add(_slice(ymd, 8, 10), "-"), np.char.add(_slice(ymd, 5, 7), "-")),
        _slice(ymd, 0, 4),
    )
    return [
        rows["number"],
        cat.store_id[rows["store"]],
        dmy,
        date_part[:, 2],
        rows["line_no"].astype(str),
        cat.sku[rows["sku"]],
        cat.name[rows["sku"]],
        rows["qty"].astype(str),
        money(rows["price"], comma=True),
        money(rows["discount"], comma=True),
        money(rows["amount"], comma=True),
        rows["card"],
        rows["ereceipt"],
        rows["kind"],
        rows["original"],
        rows["payment"],
    ]


def _slice(text: np.ndarray, start: int, stop: int) -> np.ndarray:
    # fixed-width slicing of a '<U..' array without a Python loop
    width = text.dtype.itemsize // 4
    chars = text.astype(f"<U{width}").view("<U1").reshape(len(text), width)
    return chars[:, start:stop].copy().view(f"<U{stop - start}").ravel()


def crm_lines(world: World, day: DayResult) -> pa.Array:
    """The full CRM snapshot, sorted by contact id.

    A contact's line is rendered again only when its LastModifiedDate moved; the rest of
    the snapshot repeats yesterday's lines (world.crm_cache keeps them).
    """
    snap = day.crm
    if not len(snap):
        return pa.array([], type=pa.string())
    cache = world.crm_cache
    if cache is None:
        n = world.pop.customers
        order = np.argsort(world.pop.crm_id, kind="stable")
        cache = world.crm_cache = CrmCache(np.empty(n, dtype=object), np.full(n, -1), order)
    stale = np.flatnonzero(cache.rendered_us[snap["person"]] != snap["modified_us"])
    if len(stale):
        rows = crm.details(world, day.ctx, snap.take(stale))
        lines = render.csv_lines(_crm_fields(rows), ",").to_pylist()
        cache.lines[rows["person"]] = lines
        cache.rendered_us[rows["person"]] = rows["modified_us"]
    exists = np.zeros(len(cache.lines), dtype=bool)
    exists[snap["person"]] = True
    ordered = cache.order[exists[cache.order]]
    return pa.array(cache.lines[ordered].tolist(), type=pa.string())


def _crm_fields(c: Frame) -> list[np.ndarray]:
    salesforce = ".000+0000"
    return [
        c["contact_id"],
        c["email"],
        c["phone"],
        c["first_name"],
        c["last_name"],
        iso_utc(c["created_us"], salesforce),
        iso_utc(c["modified_us"], salesforce),
        np.where(c["opted_out"], "true", "false"),
        np.where(c["sms_opt_in"], "true", "false"),
        c["card"],
        c["member_id"],
        c["preferred_store"],
        c["web_account"],
    ]


def email_columns(world: World, day: DayResult) -> list[np.ndarray]:
    e = day.email_events
    if not len(e):
        return []
    e = e.sort("time_us")  # stable: ids were given in time order
    return [
        e["event_id"],
        e["event_type"],
        iso_utc(e["time_us"]),
        e["email"],
        e["campaign_id"],
        e["campaign"],
        e["url"],
        e["user_agent"],
    ]


def ads_columns(world: World, day: DayResult) -> list[np.ndarray]:
    a = day.ad_stats
    if not len(a):
        return []
    n = len(a)
    return [
        np.full(n, day.ctx.day.isoformat()),
        a["platform"],
        a["campaign_id"],
        a["campaign_name"],
        a["impressions"].astype(str),
        a["clicks"].astype(str),
        money(a["spend"]),
        np.full(n, "EUR"),
    ]


def loyalty_columns(world: World, day: DayResult) -> list[np.ndarray]:
    led = day.ledger
    if not len(led):
        return []
    led = led.sort("time_us")  # stable: ids were given in time order
    return [
        led["entry_id"],
        led["member_id"],
        led["card_number"],
        iso_utc(led["time_us"]),
        led["points"].astype(str),
        led["reason"],
        led["channel"],
        led["reference"],
    ]


def service_lines(world: World, day: DayResult) -> list[str]:
    """Zendesk-style tickets, one JSON object per line, in update order."""
    t = day.ticket_rows
    if not len(t):
        return []
    t = t.sort("updated_us", "ticket_id")

    def ts(values: np.ndarray) -> list[str | None]:
        return [None if v == "" else v for v in _opt_time(values, iso_utc).tolist()]

    cols = {
        "id": t["ticket_id"].tolist(),
        "channel": t["channel"].tolist(),
        "email": [v or None for v in t["email"].tolist()],
        "phone": [v or None for v in t["phone"].tolist()],
        "name": [v or None for v in t["name"].tolist()],
        "created_at": iso_utc(t["created_us"]).tolist(),
        "updated_at": iso_utc(t["updated_us"]).tolist(),
        "first_reply_at": ts(t["first_reply_us"]),
        "solved_at": ts(t["solved_us"]),
        "status": t["status"].tolist(),
        "reason": t["reason"].tolist(),
        "order_reference": [v or None for v in t["order_ref"].tolist()],
        "score": t["score"].tolist(),
    }
    lines = []
    for i in range(len(t)):
        ticket = {
            "id": cols["id"][i],
            "channel": cols["channel"][i],
            "requester": {
                "email": cols["email"][i],
                "phone": cols["phone"][i],
                "name": cols["name"][i],
            },
            "created_at": cols["created_at"][i],
            "updated_at": cols["updated_at"][i],
            "first_reply_at": cols["first_reply_at"][i],
            "solved_at": cols["solved_at"][i],
            "status": cols["status"][i],
            "reason": cols["reason"][i],
            "order_reference": cols["order_reference"][i],
            "satisfaction_rating": {"score": cols["score"][i]},
        }
        lines.append(json.dumps(ticket, ensure_ascii=False, separators=(",", ":")))
    return lines
