"""Rerunning a partition leaves identical contents; a failed load leaves the previous state."""

from __future__ import annotations

import pytest

from orchestration.loaders import SOURCES, engine
from tests.loaders import exports as ex
from tests.loaders.conftest import assert_reconciles


def _checksum(con, table: str, exclude: str) -> tuple[int, str]:
    row = con.execute(
        f"select count(*), md5(coalesce(string_agg(t::varchar, chr(10) order by t::varchar), '')) "
        f"from (select * exclude ({exclude}) from {table}) as t"
    ).fetchone()
    return row[0], row[1]


def _state(con) -> dict[str, tuple[int, str]]:
    tables = {
        r[0]
        for r in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'raw'"
        ).fetchall()
    }
    state = {
        spec.name: _checksum(con, spec.table, "_loaded_at")
        for spec in SOURCES.values()
        if spec.name in tables
    }
    state["quarantine"] = _checksum(con, "audit.quarantine", "loaded_at, load_id")
    return state


def _deliver_all(deliver) -> None:
    deliver("web", [ex.web_event(1), ex.web_event(2, event_name=None), ex.web_event(3)])
    deliver("shop", [ex.shop_row(1001), ex.shop_row(1002, Total="x")])
    deliver("pos", [ex.pos_row(1), ex.pos_row(2, TIJD="25:00:00")])
    deliver("crm", [ex.crm_row(1), ex.crm_row(2)])
    deliver("email", [ex.email_row(1), ex.email_row(1)])
    deliver("ads", [ex.ads_row(1)])
    deliver("service", [ex.ticket(1), ex.ticket(2, created_at="yesterday")])
    deliver("loyalty", [ex.loyalty_row(1), ex.loyalty_row(2, reason="gift")])


def test_rerunning_a_partition_leaves_identical_contents(deliver, load, con) -> None:
    _deliver_all(deliver)
    for source in SOURCES:
        load(source)
    first = _state(con)
    assert len(first) == 9
    assert first["quarantine"][0] == 5
    for source in SOURCES:
        load(source)
    assert _state(con) == first
    assert_reconciles(con)


def test_a_failing_load_rolls_back_to_the_previous_state(
    deliver, load, con, monkeypatch: pytest.MonkeyPatch
) -> None:
    deliver("shop", [ex.shop_row(1001)])
    load("shop")
    before = _state(con)
    log_rows = con.execute("select count(*) from audit.load_log").fetchone()
    deliver("shop", [ex.shop_row(1002)], name="orders_export_20250304_b.csv")

    calls = []

    def _flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # the second file of the partition breaks mid-load
            raise OSError("disk full")
        return real(*args, **kwargs)

    real = engine._load
    monkeypatch.setattr(engine, "_load", _flaky)
    with pytest.raises(OSError, match="disk full"):
        load("shop")
    assert _state(con) == before
    assert con.execute("select count(*) from audit.load_log").fetchone() == log_rows
