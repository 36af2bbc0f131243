"""The cross-channel behaviours the KPI marts must find are in the truth.

Each behaviour is found with a query written here over the truth's facts, and its count is
compared with the truth KPI of the same name where one exists (same facts, SQL written
twice). The run: 10,000 customers x 28 days from 2025-09-01, large enough that even the
rarest behaviour (points earned online and redeemed in a store) happens several times.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import duckdb
import pytest

from tests.simulator.conftest import Sim, run_sim

WEEK = 7 * 86_400_000_000  # microseconds


@pytest.fixture(scope="module")
def truth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    sim: Sim = run_sim(tmp_path_factory.mktemp("sim-behaviours"), 10_000, 28, date(2025, 9, 1), 1)
    con = sim.duck()
    yield con
    con.close()


def count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return con.execute(sql).fetchone()[0]


def kpi_total(con: duckdb.DuckDBPyConnection, kpi: str) -> int:
    return int(count(con, f"select coalesce(sum(value), 0) from kpis where kpi = '{kpi}'"))


def test_research_online_buy_in_store(truth: duckdb.DuckDBPyConnection) -> None:
    # a store receipt of a person who viewed a product (or the store locator) in the 7 days
    # before; the KPI counts only receipts a loyalty card or e-receipt identifies
    sql = f"""
        select count(*) from receipts r
        where {{only}} exists (
            select 1 from sessions s
            where s.person = r.person and (s.view_item > 0 or s.locator > 0)
              and s.start_us < r.time_us and s.start_us >= r.time_us - {WEEK})"""
    assert count(truth, sql.format(only="")) > 50
    identified = count(truth, sql.format(only="(r.card or r.ereceipt) and"))
    assert identified > 0
    assert identified == kpi_total(truth, "ropo_purchases")


def test_see_in_store_buy_online(truth: duckdb.DuckDBPyConnection) -> None:
    # an online order after a store visit (a receipt, or advice asked in the store) that week
    found = count(
        truth,
        f"""
        select count(*) from orders o
        where not o.test and exists (
            select 1 from (
                select person, time_us as at_us from receipts
                union all select person, created_us from tickets where channel = 'store'
            ) visit
            where visit.person = o.person
              and visit.at_us < o.created_us and visit.at_us >= o.created_us - {WEEK})""",
    )
    assert found > 10
    assert found == kpi_total(truth, "showrooming_orders")


def test_click_and_collect(truth: duckdb.DuckDBPyConnection) -> None:
    found = count(
        truth,
        "select count(*) from orders where click_collect and not test and pickup_store <> ''",
    )
    collected = count(
        truth, "select count(*) from orders where click_collect and delivered_us > created_us"
    )
    assert found > 10 and collected > 0
    assert found == kpi_total(truth, "click_collect_orders")


def test_returns_across_channels_both_ways(truth: duckdb.DuckDBPyConnection) -> None:
    online_to_store = count(
        truth,
        "select count(*) from returns where channel = 'store' and original_channel <> 'store'",
    )
    store_to_online = count(
        truth,
        "select count(*) from returns where channel <> 'store' and original_channel = 'store'",
    )
    assert online_to_store > 0 and store_to_online > 0
    assert online_to_store + store_to_online == kpi_total(truth, "cross_channel_returns")
    # a return refers to a purchase made before it
    assert count(truth, "select count(*) from returns where original_us >= time_us") == 0


def test_question_asked_again_on_another_channel(truth: duckdb.DuckDBPyConnection) -> None:
    # a ticket whose person's previous ticket, within 7 days, came in on another channel
    found = count(
        truth,
        f"""
        select count(*) from tickets t, lateral (
            select p.channel, p.created_us from tickets p
            where p.person = t.person
              and (p.created_us, p.ticket_id) < (t.created_us, t.ticket_id)
            order by p.created_us desc, p.ticket_id desc limit 1) previous
        where previous.channel <> t.channel
          and previous.created_us >= t.created_us - {WEEK}""",
    )
    assert found > 10
    assert found == kpi_total(truth, "had_to_repeat_contacts")


def test_points_earned_in_one_channel_redeemed_in_another(
    truth: duckdb.DuckDBPyConnection,
) -> None:
    found = count(
        truth,
        """
        select count(*) from ledger earn join ledger spend
          on earn.person = spend.person and earn.channel <> spend.channel
         and earn.time_us < spend.time_us
        where earn.reason = 'earn' and spend.reason = 'redeem'""",
    )
    assert found > 0
    assert count(truth, "select count(distinct channel) from ledger where reason = 'earn'") >= 2
    assert count(truth, "select count(distinct channel) from ledger where reason = 'redeem'") >= 2


def test_buyers_in_several_channels(truth: duckdb.DuckDBPyConnection) -> None:
    found = count(
        truth,
        """
        select count(*) from (
            select person from (
                select person, channel from orders where not test
                union all select person, 'store' from receipts)
            group by person having count(distinct channel) >= 2)""",
    )
    assert found > 10
    assert found == kpi_total(truth, "omnichannel_customers")
