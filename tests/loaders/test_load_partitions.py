"""`load_partitions` (two dates side by side) gives exactly what loading date by date gives."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration.loaders import SOURCES, load_partition, load_partitions
from tests.loaders import exports as ex
from tests.loaders.conftest import assert_reconciles

LOADED_AT = datetime(2025, 3, 10, 6, 0)
DAYS = [date(2025, 3, 4) + timedelta(days=i) for i in range(6)]


def _contents(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    tables = [
        r[0]
        for r in con.execute(
            "select schema_name || '.' || table_name from duckdb_tables() "
            "where schema_name in ('raw', 'audit') order by 1"
        ).fetchall()
    ]
    skip = {
        "audit.load_log": "load_id, started_at, duration_s",
        "audit.quarantine": "load_id",
    }
    return {
        t: con.execute(
            f"select * exclude ({skip.get(t, '_loaded_at')}) from {t} order by all"
        ).fetchall()
        for t in tables
    }


def _write(landing: Path, source: str, day: date, rows: list, name: str | None = None) -> None:
    rel, text, encoding = getattr(ex, f"{source}_file")(day.isoformat(), rows)
    path = landing / rel
    ex.write(path.with_name(name) if name else path, text, encoding)


def _deliver_days(landing: Path) -> None:
    for i, day in enumerate(DAYS):
        n = 10 * i
        _write(landing, "email", day, [ex.email_row(n + 1), ex.email_row(n + 2, email="")])
        _write(landing, "web", day, [ex.web_event(n + 1), ex.web_event(n + 2, event_name=None)])
        _write(landing, "crm", day, [ex.crm_row(1), ex.crm_row(2)])  # same snapshot every day
    # a re-delivery of day 1's e-mail export on day 3, under another name
    _write(
        landing,
        "email",
        DAYS[2],
        [ex.email_row(1), ex.email_row(2, email="")],
        "email_events_again.csv",
    )
    (landing / "web" / DAYS[4].isoformat() / "events_20250308.json").unlink()  # missing


def _load(db: Path, landing: Path, together: bool) -> dict[str, list[tuple]]:
    with duckdb.connect(str(db)) as con:
        for source in ("email", "web", "crm"):
            spec = SOURCES[source]
            if together:
                load_partitions(con, spec, DAYS, landing, loaded_at=LOADED_AT)
            else:
                for day in DAYS:
                    load_partition(con, spec, day, landing, loaded_at=LOADED_AT)
        assert_reconciles(con)
        return _contents(con)


def test_two_at_a_time_equals_one_by_one(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    _deliver_days(landing)
    one_by_one = _load(tmp_path / "a.duckdb", landing, together=False)
    together = _load(tmp_path / "b.duckdb", landing, together=True)
    assert together == one_by_one
    log = {(row[3], row[9]) for row in together["audit.load_log"]}  # (file, status)
    assert (f"email/{DAYS[2]}/email_events_again.csv", "duplicate") in log
    assert (f"web/{DAYS[4]}/", "missing") in log


def test_a_reload_sees_the_new_loads_of_earlier_dates(tmp_path: Path) -> None:
    """Day 1 once held file X; now X arrives on day 2 and day 1 holds something else.

    One by one, day 1 is reloaded first, so X on day 2 is not a duplicate any more. Loading
    the two side by side must not let day 2 see day 1's previous load.
    """
    landing = tmp_path / "landing"
    spec = SOURCES["loyalty"]
    x_rows = [ex.loyalty_row(1), ex.loyalty_row(2)]
    results = []
    for together, db in ((False, "a.duckdb"), (True, "b.duckdb")):
        for folder in landing.glob("loyalty/*/*"):
            folder.unlink()
        _write(landing, "loyalty", DAYS[0], x_rows)
        with duckdb.connect(str(tmp_path / db)) as con:
            load_partition(con, spec, DAYS[0], landing, loaded_at=LOADED_AT)
            _write(landing, "loyalty", DAYS[0], [ex.loyalty_row(3)])
            _write(landing, "loyalty", DAYS[1], x_rows, "ledger_20250304.csv")
            if together:
                reports = load_partitions(con, spec, DAYS[:2], landing, loaded_at=LOADED_AT)
            else:
                reports = [
                    load_partition(con, spec, day, landing, loaded_at=LOADED_AT) for day in DAYS[:2]
                ]
            results.append([[(f.file, f.status) for f in r.files] for r in reports])
            assert_reconciles(con)
    assert results[0] == results[1]
    assert results[1][1] == [(f"loyalty/{DAYS[1]}/ledger_20250304.csv", "loaded")]


def test_a_failing_day_fails_the_range(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from orchestration.loaders import engine

    landing = tmp_path / "landing"
    _deliver_days(landing)
    real = engine._load

    def _flaky(con, spec, day, *args, **kwargs):
        if day == DAYS[3]:
            raise OSError("disk full")
        return real(con, spec, day, *args, **kwargs)

    monkeypatch.setattr(engine, "_load", _flaky)
    with duckdb.connect(str(tmp_path / "c.duckdb")) as con:
        with pytest.raises(OSError, match="disk full"):
            load_partitions(con, SOURCES["email"], DAYS, landing, loaded_at=LOADED_AT)
        days = con.execute("select distinct _partition_date from raw.email__events").fetchall()
        assert (DAYS[3],) not in days  # rolled back; each other day is whole or absent
        assert_reconciles(con)
