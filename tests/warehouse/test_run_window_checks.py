"""`unique_in_run_window` (tests/dbt/generic/) fails on the duplicates it is meant to see.

A daily run rebuilds a few days; the check looks up those days' keys in the whole table. A
row dated long before the window that carries a rebuilt key is a duplicate the daily check
must find, and a backfill-length window must find any duplicate at all.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.project_cli import run_cli

from .conftest import Warehouse

pytestmark = pytest.mark.slow

TABLE = "marts.fct_touchpoints"


def _check(
    build_db: Path, work: Path, first: date, last: date, model: str = "fct_touchpoints"
) -> tuple[int, str, str]:
    """Run the check on `model` for the window first..last: exit code, output, SQL."""
    env = {**os.environ, "OMNIKPI_BUILD_DB": str(build_db)}
    args = [
        "dbt",
        "test",
        "--select",
        f"{model},test_name:unique_in_run_window",
        "--vars",
        json.dumps({"min_date": str(first), "max_date": str(last)}),
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
    ]
    done = run_cli(args, env, check=False)
    (compiled,) = (work / "target" / "compiled").rglob("unique_in_run_window*.sql")  # one test
    return done.returncode, done.stdout, compiled.read_text()


def _copy_with_an_old_duplicate(
    warehouse: Warehouse, tmp_path: Path, table: str, date_column: str, key: str
) -> Path:
    """The build database, with a row of `table`'s last day copied onto the first day."""
    copy = tmp_path / "build.duckdb"
    shutil.copy(warehouse.cfg.build_db, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute(
            f"insert into {table} select * replace (cast(? as date) as {date_column}) "
            f"from {table} where {date_column} = ? order by {key} limit 1",
            [warehouse.first, warehouse.last],
        )
    return copy


@pytest.fixture
def copy_with_an_old_duplicate(warehouse: Warehouse, tmp_path: Path) -> Path:
    return _copy_with_an_old_duplicate(
        warehouse, tmp_path, TABLE, "touchpoint_date", "touchpoint_id"
    )


def test_the_warehouse_passes_the_check(warehouse: Warehouse, tmp_path: Path) -> None:
    code, out, _ = _check(warehouse.cfg.build_db, tmp_path, warehouse.last, warehouse.last)
    assert code == 0, out[-2000:]


def test_a_daily_window_finds_an_old_row_holding_a_rebuilt_key(
    copy_with_an_old_duplicate: Path, warehouse: Warehouse, tmp_path: Path
) -> None:
    code, out, sql = _check(copy_with_an_old_duplicate, tmp_path, warehouse.last, warehouse.last)
    assert "as rebuilt" in sql  # the lookup of the rebuilt days' keys
    assert code == 1
    assert "Got 1 result" in out, out[-2000:]


def test_a_backfill_window_checks_every_key(
    copy_with_an_old_duplicate: Path, warehouse: Warehouse, tmp_path: Path
) -> None:
    # a window longer than the check's full_check_after_days (31)
    first = warehouse.first - timedelta(days=40)
    code, out, sql = _check(copy_with_an_old_duplicate, tmp_path, first, warehouse.last)
    assert "as rebuilt" not in sql  # every key, dbt's own way
    assert code == 1
    assert "Got 1 result" in out, out[-2000:]


def test_a_daily_window_narrowed_by_the_event_time_still_finds_the_old_row(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    # stg_web__events looks up the rebuilt keys only among rows with a rebuilt event time
    # (constant_per_key: occurred_at, which the fingerprint hashes); an event copied onto the
    # first day keeps its time, so the narrowed check must still see it
    copy = _copy_with_an_old_duplicate(
        warehouse, tmp_path, "staging.stg_web__events", "event_date", "event_id"
    )
    code, out, sql = _check(copy, tmp_path, warehouse.last, warehouse.last, "stg_web__events")
    assert "occurred_at in (" in sql
    assert code == 1
    assert "Got 1 result" in out, out[-2000:]
    code, out, _ = _check(
        warehouse.cfg.build_db,
        tmp_path / "clean",
        warehouse.last,
        warehouse.last,
        "stg_web__events",
    )
    assert code == 0, out[-2000:]
