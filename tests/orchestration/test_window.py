"""The dbt window: the run's partition or range tags, else what the build database records."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.defs.window import (
    NoWindowError,
    window_from_tags,
    window_of_last_build,
    window_of_new_loads,
)
from orchestration.loaders.audit import LOAD_LOG_DDL
from orchestration.serving import gate

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"


def test_a_single_partition_is_a_one_day_window() -> None:
    assert window_from_tags({"dagster/partition": "2025-03-04"}) == ("2025-03-04", "2025-03-04")


def test_a_partition_range_is_its_inclusive_dates() -> None:
    tags = {RANGE_START: "2025-01-06", RANGE_END: "2026-01-04", "other": "x"}
    assert window_from_tags(tags) == ("2025-01-06", "2026-01-04")


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ({}, "names no partition"),
        ({"omnikpi/trigger": "ui"}, "names no partition"),
        ({"dagster/partition": "yesterday"}, "not a date range"),
        ({RANGE_START: "2025-02-01", RANGE_END: "2025-01-31"}, "ends 2025-01-31 before"),
    ],
)
def test_tags_without_a_usable_window_are_refused(tags: dict[str, str], message: str) -> None:
    with pytest.raises(NoWindowError, match=message):
        window_from_tags(tags)


@pytest.fixture
def con(tmp_path: Path):
    connection = duckdb.connect(str(tmp_path / "build.duckdb"))
    yield connection
    connection.close()


def _load(con: duckdb.DuckDBPyConnection, day: str, at: str, status: str = "loaded") -> None:
    con.execute("create schema if not exists audit")
    con.execute(LOAD_LOG_DDL)
    con.execute(
        "insert into audit.load_log (source, partition_date, status, loaded_at) "
        "values ('shop', ?, ?, ?)",
        [date.fromisoformat(day), status, datetime.fromisoformat(at)],
    )


def _built(con: duckdb.DuckDBPyConnection, node: str, status: str, window: tuple, at: str) -> None:
    results = {"results": [{"unique_id": f"model.omnikpi.{node}", "status": status}]}
    con.execute("create schema if not exists audit")
    gate.record_dbt_results(
        con, results, {"nodes": {}}, dagster_run_id="r", min_date=window[0], max_date=window[1]
    )
    con.execute(f"update {gate.TABLE} set recorded_at = ? where name = ?", [at, node])


def test_before_any_load_there_is_no_window(con: duckdb.DuckDBPyConnection) -> None:
    assert window_of_new_loads(con) is None
    assert window_of_last_build(con) is None


def test_before_any_build_every_loaded_date_is_built(con: duckdb.DuckDBPyConnection) -> None:
    _load(con, "2025-03-02", "2025-03-03 06:00")
    _load(con, "2025-03-04", "2025-03-05 06:00")
    _load(con, "2025-03-09", "2025-03-10 06:00", status="missing")  # not loaded: not built
    assert window_of_new_loads(con) == ("2025-03-02", "2025-03-04")


def test_after_a_build_only_the_dates_loaded_since(con: duckdb.DuckDBPyConnection) -> None:
    _load(con, "2025-03-02", "2025-03-03 06:00")
    _built(con, "fct_orders", "success", ("2025-03-02", "2025-03-02"), "2025-03-03 06:10")
    _load(con, "2025-02-27", "2025-03-04 06:00")  # a late file for an old date
    _load(con, "2025-03-03", "2025-03-04 06:01")
    assert window_of_new_loads(con) == ("2025-02-27", "2025-03-03")
    assert window_of_last_build(con) == ("2025-03-02", "2025-03-02")


def test_nothing_new_rebuilds_the_latest_date(con: duckdb.DuckDBPyConnection) -> None:
    _load(con, "2025-03-02", "2025-03-03 06:00")
    _load(con, "2025-03-03", "2025-03-04 06:00")
    _built(con, "fct_orders", "success", ("2025-03-03", "2025-03-03"), "2025-03-04 06:10")
    assert window_of_new_loads(con) == ("2025-03-03", "2025-03-03")


def test_a_failed_build_is_retried_with_the_new_dates(con: duckdb.DuckDBPyConnection) -> None:
    _load(con, "2025-03-02", "2025-03-03 06:00")
    _built(con, "fct_orders", "error", ("2025-03-01", "2025-03-02"), "2025-03-03 06:10")
    _built(con, "fct_returns", "success", ("2025-03-01", "2025-03-02"), "2025-03-03 06:10")
    _load(con, "2025-03-03", "2025-03-04 06:00")
    assert window_of_new_loads(con) == ("2025-03-01", "2025-03-03")
