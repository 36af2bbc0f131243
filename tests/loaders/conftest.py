"""Fixtures for the loader tests: a landing directory and the real build database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

from orchestration.config import Settings
from orchestration.loaders import SOURCES, LoadReport, connect, load_partition
from tests.loaders import exports

DAY = "2025-03-04"


@pytest.fixture
def landing(data_dir: Settings) -> Path:
    return data_dir.landing_dir


@pytest.fixture
def con(data_dir: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    with connect(data_dir) as connection:
        yield connection


Writer = Callable[..., Path]


@pytest.fixture
def deliver(landing: Path) -> Writer:
    """Write one export file the way its source does: deliver("pos", rows, day=..., name=...)."""

    def _deliver(
        source: str,
        rows: list,
        day: str = DAY,
        name: str | None = None,
        text: str | None = None,
        encoding: str | None = None,
    ) -> Path:
        rel, default_text, default_encoding = getattr(exports, f"{source}_file")(day, rows)
        path = landing / rel
        if name:
            path = path.with_name(name)
        return exports.write(
            path, text if text is not None else default_text, encoding or default_encoding
        )

    return _deliver


@pytest.fixture
def load(con: duckdb.DuckDBPyConnection, landing: Path) -> Callable[..., LoadReport]:
    def _load(source: str, day: str = DAY) -> LoadReport:
        return load_partition(con, SOURCES[source], day, landing)

    return _load


def assert_reconciles(con: duckdb.DuckDBPyConnection) -> None:
    """For every file in every load: read = loaded + quarantined, and the tables agree."""
    bad = con.execute(
        "select file, rows_read, rows_loaded, rows_quarantined from audit.load_log "
        "where rows_read <> rows_loaded + rows_quarantined"
    ).fetchall()
    assert bad == []
    # the latest load of each file matches what raw and quarantine hold now
    for spec in SOURCES.values():
        exists = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'raw' "
            "and table_name = ?",
            [spec.name],
        ).fetchone()
        if not exists or not exists[0]:
            continue
        rows = con.execute(
            f"""
            with latest as (
                select * from audit.load_log where source = ? and status <> 'missing'
                qualify load_id = arg_max(load_id, started_at) over (partition by partition_date)
            )
            select l.file, l.rows_loaded, l.rows_quarantined,
                (select count(*) from {spec.table} r where r._source_file = l.file
                    and r._partition_date = l.partition_date),
                (select count(*) from audit.quarantine q where q.file = l.file
                    and q.partition_date = l.partition_date and q.source = l.source)
            from latest l
            """,
            [spec.source],
        ).fetchall()
        for file, loaded, quarantined, in_raw, in_quarantine in rows:
            assert (loaded, quarantined) == (in_raw, in_quarantine), file


def quarantine(con: duckdb.DuckDBPyConnection, source: str) -> list[tuple[int, str]]:
    return con.execute(
        "select line, reason from audit.quarantine where source = ? order by file, line", [source]
    ).fetchall()


def load_log(con: duckdb.DuckDBPyConnection, source: str) -> list[dict]:
    cur = con.execute(
        "select * from audit.load_log where source = ? order by started_at, file", [source]
    )
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]
