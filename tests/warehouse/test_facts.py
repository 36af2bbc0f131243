"""The core facts reconcile with the raw exports and with the simulator's truth.

Two kinds of check on the warehouse the real daily job built (5,000 customers x 28 days):

- against **raw**: counts recomputed here with our own SQL from the raw tables, after the
  documented exclusions (staff test orders; returns-portal parcels are returns, not orders;
  receipts with only return lines are returns; exact duplicate lines; quarantined lines never
  reach raw);
- against the **truth** (`truth/kpis.parquet` and the fact files): per channel and day,
  exact where identity plays no part (orders, revenue, units, click & collect, returns,
  cross-channel returns, contacts, ledger points, sessions, engaged sessions, new visitors,
  ads); where the customer matters (repeat contacts, customer keys) against what the
  exports let anyone link.
"""

from __future__ import annotations

from collections import Counter

import duckdb
import pytest

from tests.warehouse.conftest import Warehouse

pytestmark = pytest.mark.slow

LOCAL_DAY = "cast(timezone('Europe/Amsterdam', timezone('UTC', {})) as date)"


def _truth(con: duckdb.DuckDBPyConnection, wh: Warehouse) -> None:
    con.execute(
        f"create or replace temp view truth_kpis as "
        f"select * from read_parquet('{wh.truth_file('kpis.parquet')}')"
    )
    for kind in ("orders", "receipts", "returns", "tickets", "ledger", "sessions"):
        con.execute(
            f"create or replace temp view truth_{kind} as select * from "
            f"read_parquet('{wh.truth_file(kind)}/*.parquet', union_by_name = true)"
        )


def _compare(
    con: duckdb.DuckDBPyConnection, kpi: str, warehouse_sql: str, tolerance: float = 1e-6
) -> list[tuple]:
    """Rows (date, dimension, truth, warehouse) where the two differ; the warehouse query
    returns (date, dimension, value)."""
    return con.execute(
        f"""
        with truth as (
            select date, dimension, value from truth_kpis where kpi = '{kpi}'
        ),
        warehouse as (select * from ({warehouse_sql}) as w(date, dimension, value))
        select coalesce(t.date, w.date), coalesce(t.dimension, w.dimension),
               t.value, w.value
        from truth as t
        full outer join warehouse as w on t.date = w.date and t.dimension = w.dimension
        where abs(coalesce(t.value, 0) - coalesce(w.value, 0)) > {tolerance}
        order by 1, 2
        """
    ).fetchall()


def _total(con: duckdb.DuckDBPyConnection, kpi: str) -> float:
    return con.execute(
        "select coalesce(sum(value), 0) from truth_kpis where kpi = ?", [kpi]
    ).fetchone()[0]


@pytest.fixture(scope="module")
def con(warehouse: Warehouse):
    connection = warehouse.build()
    _truth(connection, warehouse)
    yield connection
    connection.close()


# -- against raw ---------------------------------------------------------------------------


def test_orders_reconcile_with_raw(con: duckdb.DuckDBPyConnection) -> None:
    raw = dict(
        con.execute(
            """
            select channel, count(*) from (
                select distinct trim(name) as id, first(source) as channel
                from raw.shop__orders
                where trim(name) not like '#R%'
                  and coalesce(source, '') <> 'returns_portal'
                  and not coalesce(tags like '%test%', false)
                  and not coalesce(lower(email) like '%@test.omnishop.nl%', false)
                group by 1
                union all
                select distinct trim(receipt_number), 'store'
                from raw.pos__receipt_lines where transaction_type = 'V'
            ) group by channel
            """
        ).fetchall()
    )
    facts = dict(
        con.execute("select channel, count(*) from marts.fct_orders group by 1").fetchall()
    )
    assert facts == raw
    # the exclusions are real and listed
    tests = con.execute("select count(*) from staging.stg_shop__test_orders").fetchone()[0]
    assert tests > 0
    leaked = con.execute(
        "select count(*) from marts.fct_orders where order_id in "
        "(select order_name from staging.stg_shop__test_orders)"
    ).fetchone()[0]
    assert leaked == 0


def test_order_lines_reconcile_with_raw_and_orders(con: duckdb.DuckDBPyConnection) -> None:
    raw_lines = con.execute(
        """
        select count(*) from (
            select distinct trim(name), trim(lineitem_sku) from raw.shop__orders
            where trim(name) not like '#R%'
              and not coalesce(tags like '%test%', false)
              and not coalesce(lower(email) like '%@test.omnishop.nl%', false)
            union all
            select distinct trim(receipt_number), line_number
            from raw.pos__receipt_lines where transaction_type = 'V'
        )
        """
    ).fetchone()[0]
    lines = con.execute("select count(*) from marts.fct_order_lines").fetchone()[0]
    assert lines == raw_lines
    mismatched = con.execute(
        """
        select count(*) from marts.fct_orders o
        join (select order_id, sum(quantity) as units, count(*) as n
              from marts.fct_order_lines group by 1) l using (order_id)
        where o.units <> l.units or o.line_count <> l.n
        """
    ).fetchone()[0]
    assert mismatched == 0


def test_returns_reconcile_with_raw(con: duckdb.DuckDBPyConnection) -> None:
    raw = dict(
        con.execute(
            """
            select 'web', count(distinct trim(name)) from raw.shop__orders
            where trim(name) like '#R%'
            union all
            select 'store', count(distinct trim(receipt_number)) from raw.pos__receipt_lines
            where transaction_type = 'R'
            """
        ).fetchall()
    )
    facts = dict(
        con.execute("select return_channel, count(*) from marts.fct_returns group by 1").fetchall()
    )
    assert facts == raw
    # every return's value is on its order (net revenue), whatever channel it came back in
    booked = con.execute("select sum(returned_value) from marts.fct_orders").fetchone()[0]
    returned = con.execute(
        "select sum(returned_value) from marts.fct_returns where purchase_channel is not null"
    ).fetchone()[0]
    assert booked == returned


def test_contacts_ledger_and_email_reconcile_with_raw(con: duckdb.DuckDBPyConnection) -> None:
    pairs = {
        "contacts": (
            "select count(distinct ticket_id) from raw.service__tickets",
            "select count(*) from marts.fct_service_contacts",
        ),
        "ledger": (
            "select count(distinct trim(entry_id)) from raw.loyalty__ledger_entries",
            "select count(*) from marts.fct_loyalty_ledger",
        ),
        "email": (
            "select count(distinct trim(event_id)) from raw.email__events",
            "select count(*) from marts.fct_email_events",
        ),
        "ads": (
            "select count(distinct (date, trim(platform), trim(campaign_id))) "
            "from raw.ads__campaign_stats",
            "select count(*) from marts.fct_ad_performance",
        ),
    }
    for name, (raw_sql, fact_sql) in pairs.items():
        raw, fact = con.execute(raw_sql).fetchone()[0], con.execute(fact_sql).fetchone()[0]
        assert raw > 0, name
        assert fact == raw, name


def test_touchpoints_reconcile_with_the_facts(con: duckdb.DuckDBPyConnection) -> None:
    """Each source's touchpoints are its records: orders, receipts, returns, contacts,
    ledger entries, sessions, human e-mail opens and clicks (machine opens left out)."""
    touches = dict(
        con.execute(
            "select source || '/' || touchpoint_type, count(*) from marts.fct_touchpoints "
            "group by 1"
        ).fetchall()
    )

    def count(sql: str) -> int:
        return con.execute(sql).fetchone()[0]

    assert touches["shop/order"] == count(
        "select count(*) from marts.fct_orders where order_source = 'shop'"
    )
    assert touches["pos/store_purchase"] == count(
        "select count(*) from marts.fct_orders where order_source = 'pos'"
    )
    assert touches["shop/return"] + touches["pos/return"] == count(
        "select count(distinct return_document) from marts.fct_returns"
    )
    assert touches.get("service/advice_contact", 0) + touches.get(
        "service/service_contact", 0
    ) == count("select count(*) from marts.fct_service_contacts")
    assert sum(v for k, v in touches.items() if k.startswith("loyalty/")) == count(
        "select count(*) from marts.fct_loyalty_ledger"
    )
    sessions = sum(touches.get(f"web/{t}", 0) for t in ("ad_click", "first_visit", "visit"))
    assert sessions == count("select count(*) from marts.fct_web_sessions")
    assert touches["email/email_click"] + touches["email/email_open"] == count(
        "select count(distinct trim(event_id)) from raw.email__events "
        "where event_type = 'click' or (event_type = 'open' "
        "and coalesce(user_agent, '') <> 'apple-mpp-proxy')"
    )
    assert touches["shop/click_collect_pickup"] == count(
        "select count(*) from marts.fct_orders where is_click_collect "
        "and fulfillment_status = 'collected'"
    )
    # offline touches take part in attribution
    offline = count(
        "select count(*) from marts.fct_attribution where touchpoint_channel in ('store', 'phone')"
    )
    assert offline > 0


# -- against the truth ---------------------------------------------------------------------


def test_orders_revenue_and_units_per_channel_and_day_match_the_truth(
    con: duckdb.DuckDBPyConnection,
) -> None:
    for kpi, expression in (
        ("orders", "count(*)"),
        ("gross_revenue", "sum(gross_revenue)"),
        ("units", "sum(units)"),
        ("click_collect_orders", "count(*) filter (where is_click_collect)"),
    ):
        sql = f"select order_date, channel, {expression} from marts.fct_orders group by all"
        if kpi == "click_collect_orders":
            sql += " having count(*) filter (where is_click_collect) > 0"
        assert _compare(con, kpi, sql, tolerance=0.005) == [], kpi
        assert _total(con, kpi) > 0, kpi


def test_returns_per_channel_and_day_match_the_truth(con: duckdb.DuckDBPyConnection) -> None:
    checks = {
        "returns": "count(*)",
        "returned_value": "sum(returned_value)",
    }
    for kpi, expression in checks.items():
        sql = (
            f"select return_date, return_channel, {expression} from marts.fct_returns group by all"
        )
        assert _compare(con, kpi, sql, tolerance=0.005) == [], kpi
    cross = (
        "select return_date, return_channel, count(*) from marts.fct_returns "
        "where is_cross_channel group by all"
    )
    assert _compare(con, "cross_channel_returns", cross) == []
    # both directions occur: bought online returned in store, and the reverse
    directions = con.execute(
        "select distinct return_channel from marts.fct_returns where is_cross_channel"
    ).fetchall()
    assert sorted(d for (d,) in directions) == ["store", "web"]


def test_service_contacts_per_channel_and_day_match_the_truth(
    con: duckdb.DuckDBPyConnection,
) -> None:
    sql = "select contact_date, channel, count(*) from marts.fct_service_contacts group by all"
    assert _compare(con, "service_contacts", sql) == []


def test_repeat_contacts_agree_with_the_truth_where_customers_are_known(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """Repeats need the customer: a contact without requester e-mail, phone or order (most
    walk-in and chat contacts) cannot be linked to anyone, so the warehouse sees fewer
    repeats than the truth. What it flags must be true repeats, and every true repeat whose
    two contacts resolved to one customer must be flagged."""
    con.execute(
        """
        create or replace temp view truth_sequence as
        select ticket_id, person, channel, created_us,
               lag(ticket_id) over w as previous_id,
               lag(created_us) over w as previous_us,
               lag(channel) over w as previous_channel
        from truth_tickets
        window w as (partition by person order by created_us, ticket_id)
        """
    )
    false_repeats = con.execute(
        """
        select count(*) from marts.fct_service_contacts f
        join truth_sequence t using (ticket_id)
        where f.is_repeat_contact
          and not coalesce(t.previous_us >= t.created_us - 7 * 86400000000, false)
        """
    ).fetchone()[0]
    assert false_repeats == 0
    missed = con.execute(
        """
        select count(*) from truth_sequence t
        join marts.fct_service_contacts f using (ticket_id)
        join marts.fct_service_contacts p on p.ticket_id = t.previous_id
        where t.previous_us >= t.created_us - 7 * 86400000000
          and f.customer_key = p.customer_key
          and not (f.is_repeat_contact
                   and f.is_repeat_on_other_channel = (t.channel <> t.previous_channel))
        """
    ).fetchone()[0]
    assert missed == 0
    flagged = con.execute(
        "select count(*) from marts.fct_service_contacts where is_repeat_contact"
    ).fetchone()[0]
    assert flagged > 10


def test_ledger_points_per_channel_and_day_match_the_truth(con: duckdb.DuckDBPyConnection) -> None:
    for kpi, column in (
        ("points_earned", "points_earned"),
        ("points_redeemed", "points_redeemed"),
        ("points_expired", "points_expired"),
    ):
        sql = (
            f"select entry_date, channel, sum({column}) from marts.fct_loyalty_ledger "
            f"group by all having sum({column}) > 0"
        )
        assert _compare(con, kpi, sql) == [], kpi
    rows = con.execute("select count(*) from marts.fct_loyalty_ledger").fetchone()[0]
    truth_rows = con.execute("select count(*) from truth_ledger").fetchone()[0]
    assert rows == truth_rows


def test_sessions_per_platform_and_day_match_the_truth(con: duckdb.DuckDBPyConnection) -> None:
    for kpi, expression in (
        ("sessions", "count(*)"),
        ("engaged_sessions", "count(*) filter (where is_engaged)"),
        ("new_visitors", "count(*) filter (where is_new_visitor)"),
    ):
        sql = (
            f"select session_start_date, platform, {expression} from marts.fct_web_sessions "
            "group by all"
        )
        assert _compare(con, kpi, sql) == [], kpi
    # the same sessions, not only as many: start and end per cookie as the simulator had them
    missing = con.execute(
        """
        select count(*) from truth_sessions t
        anti join intermediate.int_web_sessions_built s
          on s.cookie_id = t.cookie
         and s.session_start_at = make_timestamp(t.start_us)
         and s.session_end_at = make_timestamp(t.end_us)
        """
    ).fetchone()[0]
    assert missing == 0
    across_midnight = con.execute(
        "select count(*) from marts.fct_web_sessions where "
        + LOCAL_DAY.format("session_end_at")
        + " > session_start_date"
    ).fetchone()[0]
    assert across_midnight > 0


def test_ad_performance_per_platform_and_day_matches_the_truth(
    con: duckdb.DuckDBPyConnection,
) -> None:
    for kpi, column in (
        ("ad_impressions", "impressions"),
        ("ad_clicks", "clicks"),
        ("ad_spend", "spend"),
    ):
        sql = (
            f"select stat_date, platform, sum({column}) from marts.fct_ad_performance group by all"
        )
        assert _compare(con, kpi, sql, tolerance=0.005) == [], kpi


def test_customer_keys_are_the_true_persons(con: duckdb.DuckDBPyConnection) -> None:
    """Orders, receipts, tickets and sessions resolve through their own identity node to the
    right customer: at most 1 % of the keyed records belong to another person than most
    records of their key (household members sharing an e-mail address are what identity
    cannot tell apart), and every online order finds its customer."""
    checks = {
        "orders": """
            select f.customer_key, t.person from marts.fct_orders f
            join truth_orders t on t.name = f.order_id where f.customer_key is not null
        """,
        "receipts": """
            select f.customer_key, t.person from marts.fct_orders f
            join truth_receipts t on t.number = f.order_id where f.customer_key is not null
        """,
        "tickets": """
            select f.customer_key, t.person from marts.fct_service_contacts f
            join truth_tickets t on t.ticket_id = f.ticket_id where f.customer_key is not null
        """,
        "sessions": """
            select f.customer_key, t.person from marts.fct_web_sessions f
            join intermediate.int_web_sessions_built s using (session_id)
            join truth_sessions t
              on t.cookie = s.cookie_id and make_timestamp(t.start_us) = s.session_start_at
            where f.customer_key is not null
        """,
    }
    for name, sql in checks.items():
        rows = con.execute(sql).fetchall()
        assert len(rows) > 100, name
        per_key: dict[str, Counter[int]] = {}
        for key, person in rows:
            per_key.setdefault(key, Counter())[person] += 1
        # records of another person than the one most of their key's records belong to
        misattributed = sum(sum(c.values()) - max(c.values()) for c in per_key.values())
        assert misattributed <= 0.01 * len(rows), (name, misattributed, len(rows))
    anonymous_online = con.execute(
        "select count(*) from marts.fct_orders where order_source = 'shop' and customer_key is null"
    ).fetchone()[0]
    assert anonymous_online == 0


def test_attribution_credits_sum_to_one_per_order_and_model(
    con: duckdb.DuckDBPyConnection,
) -> None:
    orders = con.execute("select count(*) from marts.fct_orders").fetchone()[0]
    sums = con.execute(
        """
        select count(*),
               max(abs(f - 1)), max(abs(l - 1)), max(abs(lin - 1)), max(abs(pb - 1)),
               max(abs(td - 1))
        from (
            select order_id, sum(credit_first) f, sum(credit_last) l, sum(credit_linear) lin,
                   sum(credit_position_based) pb, sum(credit_time_decay) td
            from marts.fct_attribution group by order_id
        )
        """
    ).fetchone()
    assert sums[0] == orders
    assert max(sums[1:]) < 1e-9
    # touches come from the 30 days up to the order and from the order's customer
    outside = con.execute(
        """
        select count(*) from marts.fct_attribution a
        join marts.fct_touchpoints t using (touchpoint_id)
        where not a.is_own_touchpoint
          and (t.occurred_at > a.ordered_at
               or t.occurred_at < a.ordered_at - interval 30 day
               or t.customer_key is distinct from a.customer_key)
        """
    ).fetchone()[0]
    assert outside == 0
    multi = con.execute(
        "select count(distinct order_id) from marts.fct_attribution where touch_count >= 3"
    ).fetchone()[0]
    assert multi > 50
