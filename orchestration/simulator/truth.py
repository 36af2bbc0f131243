"""Ground truth: what really happened, for tests and benchmarks (the pipeline never reads it).

Written under `$OMNIKPI_DATA_DIR/truth/` (see docs/simulator.md):

- `<kind>/<YYYY-MM-DD>.parquet` (a week per file, named by its first day): sessions, orders,
  receipts, returns, tickets, ledger, email_events, ad_stats — clean facts with the true
  `person`, and the day's identity observations;
- `identifiers.parquet`: every identifier value an export showed (canonical form) and its true
  person; a value with several persons is shared (household e-mail, family tablet, the
  cashiers' placeholder);
- `identity_links.parquet`: identifier pairs that appeared together in one exported record;
- `persons.parquet`, `exports.parquet`, `malformed.parquet`, `mess.parquet`;
- `kpis.parquet`: true KPI values (kpi, date, dimension, value) computed from the facts.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.simulator import crm
from orchestration.simulator.config import PLACEHOLDER_EMAIL
from orchestration.simulator.day import DayResult
from orchestration.simulator.frame import Frame
from orchestration.simulator.population import HABITS
from orchestration.simulator.web import (
    ADD_TO_CART,
    BEGIN_CHECKOUT,
    LOCATOR,
    PAGE_VIEW,
    PURCHASE_EVENT,
    SCREEN_VIEW,
    VIEW_ITEM,
    device_columns,
    traffic_columns,
)
from orchestration.simulator.world import World

EMPTY_FACTS = {
    "sessions": "person bigint, platform varchar, start_us bigint, engaged boolean, "
    "new_cookie boolean, view_item bigint, locator bigint",
    "orders": "name varchar, person bigint, channel varchar, created_us bigint, "
    "merchandise double, units bigint, click_collect boolean, test boolean",
    "receipts": "number varchar, person bigint, time_us bigint, total double, units bigint, "
    "card boolean, ereceipt boolean",
    "returns": "ref varchar, person bigint, channel varchar, original_channel varchar, "
    "time_us bigint, value double",
    "tickets": "ticket_id bigint, person bigint, channel varchar, created_us bigint",
    "ledger": "person bigint, time_us bigint, points bigint, reason varchar, channel varchar",
    "email_events": "person bigint, event_type varchar, time_us bigint, campaign_id varchar",
    "ad_stats": "date varchar, platform varchar, impressions bigint, clicks bigint, spend double",
}
FACT_KINDS = (
    "sessions",
    "orders",
    "receipts",
    "returns",
    "tickets",
    "ledger",
    "email_events",
    "ad_stats",
)


class TruthWriter:
    """Writes each day's facts and identity observations, a week per file and kind.

    Batching keeps files few and large (cheap to write and read) while memory stays bounded.
    """

    def __init__(self, truth_dir: Path, days_per_file: int = 7) -> None:
        self.truth_dir = truth_dir
        self.days_per_file = days_per_file
        self.pending: dict[str, list[pa.Table]] = {}
        self.first_day: str | None = None
        self.days = 0

    def add(self, world: World, day: DayResult) -> None:
        if self.first_day is None:
            self.first_day = day.ctx.day.isoformat()
        for kind, table in {**facts(world, day), **identity(world, day)}.items():
            self.pending.setdefault(kind, []).append(table)
        self.days += 1
        if self.days == self.days_per_file:
            self.flush()

    def flush(self) -> None:
        for kind, tables in self.pending.items():
            folder = self.truth_dir / kind
            folder.mkdir(parents=True, exist_ok=True)
            table = pa.concat_tables(tables, promote_options="default")
            pq.write_table(table, folder / f"{self.first_day}.parquet")
        self.pending, self.first_day, self.days = {}, None, 0


def _table(frame: Frame, **columns: np.ndarray) -> pa.Table:
    return pa.table({name: np.asarray(values) for name, values in columns.items()})


def facts(world: World, day: DayResult) -> dict[str, pa.Table]:
    cat = world.cat
    out: dict[str, pa.Table] = {}
    s, e = day.sessions, day.events
    if len(s):
        per = e["s"]

        def count(*names: int) -> np.ndarray:
            return np.bincount(per, weights=np.isin(e["name"], names), minlength=len(s)).astype(
                np.int64
            )

        engagement = np.bincount(per, weights=e["engagement_ms"], minlength=len(s)).astype(np.int64)
        page_views = count(PAGE_VIEW, SCREEN_VIEW)
        purchase = count(PURCHASE_EVENT)
        traffic = traffic_columns(s)
        out["sessions"] = _table(
            s,
            session_key=s["session_key"],
            person=s["person"],
            cookie=s["cookie"],
            platform=device_columns(world, s)["platform"],
            device=s["device"],
            start_us=s["start_us"],
            end_us=s["end_us"],
            events=s["events"],
            page_views=page_views,
            engagement_ms=engagement,
            engaged=(engagement >= 10_000) | (purchase > 0) | (page_views >= 2),
            view_item=count(VIEW_ITEM),
            add_to_cart=count(ADD_TO_CART),
            begin_checkout=count(BEGIN_CHECKOUT),
            purchase=purchase,
            locator=count(LOCATOR),
            source=traffic["session_source"],
            medium=traffic["session_medium"],
            campaign=s["campaign"],
            new_cookie=s["new_cookie"],
            logged_in=s["logged_in"],
            order_name=s["order_name"],
        )
    if len(day.orders):
        o, lines = day.orders, day.order_lines
        units = np.bincount(lines["order_pos"], weights=lines["qty"], minlength=len(o)).astype(
            np.int64
        )
        out["orders"] = _table(
            o,
            name=o["name"],
            person=o["person"],
            channel=o["channel"],
            created_us=o["created_us"],
            fulfilled_us=o["fulfilled_us"],
            delivered_us=o["delivered_us"],
            click_collect=o["click_collect"],
            pickup_store=np.where(
                o["pickup_store"] >= 0, cat.store_id[np.maximum(o["pickup_store"], 0)], ""
            ),
            subtotal=o["subtotal"],
            discount=o["discount"],
            shipping=o["shipping"],
            total=o["total"],
            merchandise=o["merchandise"],
            units=units,
            logged_in=o["logged_in"],
            test=o["test"],
        )
    if len(day.receipts):
        r, lines = day.receipts, day.receipt_lines
        out["receipts"] = _table(
            r,
            number=r["number"],
            person=r["person"],
            store_id=cat.store_id[r["store"]],
            time_us=r["time_us"],
            total=r["total"],
            units=np.bincount(lines["order"], weights=lines["qty"], minlength=len(r)).astype(
                np.int64
            ),
            card=r["card"] != "",
            ereceipt=(r["ereceipt"] != "") & ~r["placeholder"],
            placeholder=r["placeholder"],
        )
    returns = []
    for frame, ref in ((day.store_returns, "number"), (day.portal_returns, "name")):
        if len(frame):
            returns.append(
                Frame(
                    ref=frame[ref],
                    original=frame["original"],
                    original_channel=frame["original_channel"],
                    original_us=frame["original_us"],
                    channel=frame["channel"],
                    time_us=frame["time_us"],
                    value=frame["value"],
                    qty=frame["qty"],
                    person=frame["person"],
                    store_id=np.where(
                        frame["channel"] == "store", cat.store_id[frame["store"]], ""
                    ),
                )
            )
    if returns:
        r = Frame.concat(returns)
        out["returns"] = pa.table(dict(r.columns))
    if len(day.tickets):
        t = day.tickets
        out["tickets"] = _table(
            t,
            ticket_id=t["ticket_id"],
            person=t["person"],
            channel=t["channel"],
            reason=t["reason"],
            created_us=t["created_us"],
            first_reply_us=t["first_reply_us"],
            solved_us=t["solved_us"],
            score=t["score"],
            depth=t["depth"],
            order_ref=t["order_ref"],
        )
    if len(day.ledger):
        led = day.ledger
        out["ledger"] = _table(
            led,
            entry_id=led["entry_id"],
            person=led["person"],
            time_us=led["time_us"],
            points=led["points"],
            reason=led["reason"],
            channel=led["channel"],
            reference=led["reference"],
        )
    if len(day.email_events):
        m = day.email_events
        out["email_events"] = _table(
            m,
            event_id=m["event_id"],
            person=m["person"],
            event_type=m["event_type"],
            time_us=m["time_us"],
            campaign=m["campaign"],
            campaign_id=m["campaign_id"],
            user_agent=m["user_agent"],
        )
    if len(day.ad_stats):
        a = day.ad_stats
        out["ad_stats"] = pa.table(
            {"date": np.full(len(a), day.ctx.day.isoformat()), **{k: a[k] for k in a}}
        )
    return out


# -- identity ------------------------------------------------------------------------------


class _Observed:
    """Collects (type, value, person) observations and co-occurrence links."""

    def __init__(self) -> None:
        self.ids: list[tuple[str, np.ndarray, np.ndarray]] = []
        self.links: list[tuple[str, np.ndarray, str, np.ndarray]] = []

    def saw(self, kind: str, values: np.ndarray, persons: np.ndarray) -> None:
        keep = values != ""
        self.ids.append((kind, values[keep], persons[keep]))

    def linked(self, kind_a: str, a: np.ndarray, kind_b: str, b: np.ndarray) -> None:
        keep = (a != "") & (b != "")
        self.links.append((kind_a, a[keep], kind_b, b[keep]))

    def tables(self) -> dict[str, pa.Table]:
        ids = pa.table(
            {
                "identifier_type": _kinds([(k, len(v)) for k, v, _ in self.ids]),
                "identifier_value": _strings([v for _, v, _ in self.ids]),
                "person": pa.array(
                    np.concatenate([p for _, _, p in self.ids] or [np.zeros(0)]), pa.int64()
                ),
            }
        )
        links = pa.table(
            {
                "type_a": _kinds([(ka, len(a)) for ka, a, _, _ in self.links]),
                "value_a": _strings([a for _, a, _, _ in self.links]),
                "type_b": _kinds([(kb, len(b)) for _, _, kb, b in self.links]),
                "value_b": _strings([b for _, _, _, b in self.links]),
            }
        )
        return {"identifiers": ids, "links": links}


def _strings(parts: list[np.ndarray]) -> pa.Array:
    arrays = [pa.array(p, type=pa.string()) for p in parts if len(p)]
    return pa.concat_arrays(arrays) if arrays else pa.array([], type=pa.string())


def _kinds(counts: list[tuple[str, int]]) -> pa.Array:
    """A column repeating each kind `count` times, dictionary-encoded."""
    names = sorted({k for k, _ in counts})
    codes = np.repeat([names.index(k) for k, _ in counts], [n for _, n in counts]).astype(np.int32)
    return pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), pa.array(names, pa.string()))


def identity(world: World, day: DayResult) -> dict[str, pa.Table]:
    """Which identifiers each export showed today (canonical values), and which together."""
    pop, obs = world.pop, _Observed()
    s = day.sessions
    if len(s):
        account = np.where(s["logged_in"], pop.of_customers(pop.web_account, s["person"]), "")
        obs.saw("cookie", s["cookie"], s["person"])
        obs.saw("web_account", account, s["person"])
        obs.linked("cookie", s["cookie"], "web_account", account)
        obs.linked("cookie", s["cookie"], "order_ref", s["order_name"])
        obs.linked("web_account", account, "order_ref", s["order_name"])
    o = day.orders
    if len(o):
        real = np.flatnonzero(~o["test"])
        p = o["person"][real]
        email = np.where(o["email"][real] != "", pop.email[p], "")
        phone = np.where(o["phone"][real] != "", pop.phone[p], "")
        _record_contact(obs, p, email, phone, o["name"][real])
    if len(day.portal_returns):
        r = day.portal_returns
        email = np.where(r["email"] != "", pop.email[r["person"]], "")
        obs.saw("email", email, r["person"])
        obs.linked("email", email, "order_ref", r["name"])
        obs.linked("order_ref", r["name"], "order_ref", r["original"])
    for frame in (day.receipts, day.store_returns):
        if not len(frame):
            continue
        p = frame["person"]
        card = np.where(frame["card"] != "", pop.card[p], "")
        obs.saw("card", card, p)
        obs.linked("card", card, "order_ref", frame["number"])
        if "ereceipt" in frame:
            email = np.where(
                frame["placeholder"],
                PLACEHOLDER_EMAIL,
                np.where(frame["ereceipt"] != "", pop.email[p], ""),
            )
            obs.saw("email", email, p)
            obs.linked("email", email, "order_ref", frame["number"])
            obs.linked("card", card, "email", email)
        else:
            obs.linked("order_ref", frame["number"], "order_ref", frame["original"])
    c = day.crm
    if len(c):
        c = crm.details(world, day.ctx, c.take(np.flatnonzero(crm.changed_today(day.ctx, c))))
        p = c["person"]
        values = {
            "email": np.where(c["email"] != "", pop.email[p], ""),
            "phone": np.where(c["phone"] != "", pop.phone[p], ""),
            "card": np.where(c["card"] != "", pop.card[p], ""),
            "member_id": c["member_id"],
            "web_account": c["web_account"],
        }
        obs.saw("crm_id", c["contact_id"], p)
        for kind, value in values.items():
            obs.saw(kind, value, p)
            obs.linked("crm_id", c["contact_id"], kind, value)
    t = day.tickets
    if len(t):
        p = t["person"]
        email = np.where(t["email"] != "", pop.of_customers(pop.email, p), "")
        phone = np.where(t["phone"] != "", pop.of_customers(pop.phone, p), "")
        _record_contact(obs, p, email, phone, t["order_ref"])
    led = day.ledger
    if len(led):
        p = led["person"]
        purchase = np.isin(led["reason"], ["earn", "redeem"])
        obs.saw("member_id", led["member_id"], p)
        obs.saw("card", pop.card[p], p)
        obs.linked("member_id", led["member_id"], "card", pop.card[p])
        obs.linked(
            "member_id", led["member_id"], "order_ref", np.where(purchase, led["reference"], "")
        )
    m = day.email_events
    if len(m):
        obs.saw("email", pop.email[m["person"]], m["person"])
    return obs.tables()


def _record_contact(obs: _Observed, persons, email, phone, reference) -> None:
    obs.saw("email", email, persons)
    obs.saw("phone", phone, persons)
    obs.linked("email", email, "phone", phone)
    obs.linked("email", email, "order_ref", reference)
    obs.linked("phone", phone, "order_ref", reference)


# -- finishing -----------------------------------------------------------------------------


def write_persons(truth_dir: Path, world: World) -> None:
    pop = world.pop
    pq.write_table(
        pa.table(
            {
                "person": np.arange(pop.n),
                "household": pop.household,
                "habit": np.where(pop.prospect, "prospect", HABITS[pop.habit]),
                "first_active_day": pop.first_active,
                "registered_day": pop.registered_day,
                "member_day": pop.member_day,
                "shared_email": pop.shared_email,
                "family_tablet": pop.family_tablet,
            }
        ),
        truth_dir / "persons.parquet",
    )


def finalize(truth_dir: Path) -> None:
    """Deduplicate identity observations and compute the true KPIs."""
    con = duckdb.connect()
    con.execute("set timezone = 'UTC'")
    t = truth_dir.as_posix()

    def days(kind: str) -> str:
        files = sorted((truth_dir / kind).glob("*.parquet"))
        return (
            f"read_parquet({[f.as_posix() for f in files]!r}, union_by_name = true)"
            if files
            else None
        )

    con.execute(
        f"""copy (select distinct identifier_type, identifier_value, person
            from {days("identifiers")} order by all)
            to '{t}/identifiers.parquet' (format parquet)"""
    )
    con.execute(
        f"""copy (select distinct type_a, value_a, type_b, value_b
            from {days("links")} order by all)
            to '{t}/identity_links.parquet' (format parquet)"""
    )
    for kind in FACT_KINDS:
        source = days(kind)
        if source:
            con.execute(f"create view {kind} as select * from {source}")
        else:  # nothing of this kind happened (a tiny simulation): an empty, typed table
            con.execute(f"create table {kind} ({EMPTY_FACTS[kind]})")
    con.execute(
        "create macro local_date(us) as "
        "cast(timezone('Europe/Amsterdam', to_timestamp(us / 1000000.0)) as date)"
    )
    con.execute(f"copy ({KPI_SQL}) to '{t}/kpis.parquet' (format parquet)")
    con.close()


# Every true KPI: (kpi, date, dimension, value). Dates are Amsterdam local dates.
KPI_SQL = """
with orders_real as (select * from orders where not test),
all_orders as (
    select name as ref, person, channel, created_us as at_us, merchandise as revenue, units,
           click_collect from orders_real
    union all
    select number, person, 'store', time_us, total, units, false from receipts
),
identified_receipts as (select * from receipts where card or ereceipt),
research as (select person, start_us from sessions where view_item > 0 or locator > 0),
store_touch as (
    select person, time_us as at_us from receipts
    union all select person, created_us from tickets where channel = 'store'
),
ranked_tickets as (
    select *, lag(created_us) over w as prev_us, lag(channel) over w as prev_channel,
           lead(created_us) over w as next_us
    from tickets window w as (partition by person order by created_us, ticket_id)
),
kpis as (
    select 'orders' as kpi, local_date(at_us) as date, channel as dimension, count(*) as value
    from all_orders group by all
    union all select 'gross_revenue', local_date(at_us), channel, sum(revenue)
        from all_orders group by all
    union all select 'units', local_date(at_us), channel, sum(units) from all_orders group by all
    union all select 'click_collect_orders', local_date(at_us), channel, count(*)
        from all_orders where click_collect group by all
    union all select 'sessions', local_date(start_us), platform, count(*) from sessions group by all
    union all select 'engaged_sessions', local_date(start_us), platform, count(*)
            filter (where engaged)
        from sessions group by all
    union all select 'new_visitors', local_date(start_us), platform, count(*)
            filter (where new_cookie)
        from sessions group by all
    union all select 'returns', local_date(time_us), channel, count(*) from returns group by all
    union all select 'returned_value', local_date(time_us), channel, sum(value)
        from returns group by all
    union all select 'cross_channel_returns', local_date(time_us), channel, count(*)
        from returns where (channel = 'store') <> (original_channel = 'store') group by all
    union all select 'identified_store_purchases', local_date(time_us), 'store', count(*)
        from identified_receipts group by all
    union all select 'ropo_purchases', local_date(r.time_us), 'store', count(*)
        from identified_receipts r
        where exists (select 1 from research s where s.person = r.person
                      and s.start_us < r.time_us and s.start_us >= r.time_us - 7 * 86400000000)
        group by all
    union all select 'showrooming_orders', local_date(o.created_us), o.channel, count(*)
        from orders_real o
        where exists (select 1 from store_touch t where t.person = o.person
                      and t.at_us < o.created_us and t.at_us >= o.created_us - 7 * 86400000000)
        group by all
    union all select 'service_contacts', local_date(created_us), channel, count(*)
        from tickets group by all
    union all select 'contacts_followed_within_7d', local_date(created_us), channel, count(*)
        from ranked_tickets where next_us <= created_us + 7 * 86400000000 group by all
    union all select 'repeat_contacts', local_date(created_us), channel, count(*)
        from ranked_tickets where prev_us >= created_us - 7 * 86400000000 group by all
    union all select 'had_to_repeat_contacts', local_date(created_us), channel, count(*)
        from ranked_tickets where prev_us >= created_us - 7 * 86400000000
        and channel <> prev_channel group by all
    union all select 'email_sends', local_date(min(time_us)), campaign_id, count(*)
        from email_events where event_type = 'send' group by campaign_id
    union all select 'email_delivered', local_date(min(time_us)), campaign_id, count(*)
        from email_events where event_type = 'delivered' group by campaign_id
    union all select 'email_unique_clicks', local_date(min(time_us)), campaign_id,
            count(distinct person)
        from email_events where event_type = 'click' group by campaign_id
    union all select 'ad_impressions', cast(date as date), platform, sum(impressions)
        from ad_stats group by all
    union all select 'ad_clicks', cast(date as date), platform, sum(clicks)
        from ad_stats group by all
    union all select 'ad_spend', cast(date as date), platform, sum(spend) from ad_stats group by all
    union all select 'points_earned', local_date(time_us), channel, sum(points)
        from ledger where reason in ('earn', 'bonus') group by all
    union all select 'points_redeemed', local_date(time_us), channel, -sum(points)
        from ledger where reason = 'redeem' group by all
    union all select 'points_expired', local_date(time_us), channel, -sum(points)
        from ledger where reason = 'expire' group by all
    union all select 'buying_customers', null, 'all', count(distinct person) from all_orders
    union all select 'omnichannel_customers', null, 'all', count(*) from (
        select person from all_orders group by person having count(distinct channel) >= 2)
)
select kpi, date, dimension, cast(value as double) as value from kpis
order by kpi, date, dimension
"""
