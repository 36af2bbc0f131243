"""The audit schema: `audit.load_log` (a row per file per load) and `audit.quarantine`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import duckdb

from orchestration.loaders.spec import SourceSpec

LOAD_LOG_DDL = """
create table if not exists audit.load_log (
    load_id varchar,            -- one id per (source, partition) load
    source varchar,
    entity varchar,
    partition_date date,
    file varchar,               -- relative to the landing directory
    checksum varchar,           -- sha256 of the file's bytes
    bytes bigint,
    rows_read bigint,           -- records read (CSV header and blank lines excluded)
    rows_loaded bigint,         -- rows written to raw
    rows_quarantined bigint,    -- rows written to audit.quarantine
    status varchar,             -- loaded | rejected | duplicate | missing
    message varchar,
    duplicate_of varchar,       -- for status duplicate: the file already loaded
    started_at timestamp,       -- UTC
    duration_s double,
    loaded_at timestamp         -- UTC time of the load run (= raw._loaded_at)
)
"""

QUARANTINE_DDL = """
create table if not exists audit.quarantine (
    source varchar,
    entity varchar,
    file varchar,
    line integer,               -- physical line number, as raw._source_line
    raw_line varchar,           -- the line as exported (CR stripped)
    reason varchar,
    partition_date date,
    loaded_at timestamp,
    load_id varchar
)
"""

LINEAGE = [
    ("_extra_json", "varchar"),
    ("_source_file", "varchar"),
    ("_source_line", "integer"),
    ("_loaded_at", "timestamp"),
    ("_partition_date", "date"),
]


def ensure_tables(con: duckdb.DuckDBPyConnection, spec: SourceSpec) -> None:
    """Create the audit tables and the source's raw table; add columns a spec gained.

    One catalog query answers the usual case (everything there) without any DDL.
    """
    wanted = [*spec.columns, *LINEAGE]
    present = {
        (row[0], row[1])
        for row in con.execute(
            "select table_name, column_name from duckdb_columns() "
            "where (schema_name = 'raw' and table_name = ?) "
            "or (schema_name = 'audit' and table_name in ('load_log', 'quarantine'))",
            [spec.name],
        ).fetchall()
    }
    tables = {table for table, _ in present}
    if {"load_log", "quarantine", spec.name} <= tables and all(
        (spec.name, name) in present for name, _ in wanted
    ):
        return
    con.execute("create schema if not exists audit")
    con.execute("create schema if not exists raw")
    con.execute(LOAD_LOG_DDL)
    con.execute(QUARANTINE_DDL)
    cols = ", ".join(f'"{name}" {sql_type}' for name, sql_type in wanted)
    con.execute(f"create table if not exists {spec.table} ({cols})")
    have = {
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'raw' and table_name = ?",
            [spec.name],
        ).fetchall()
    }
    for name, sql_type in wanted:
        if name not in have:
            con.execute(f'alter table {spec.table} add column "{name}" {sql_type}')


@dataclass
class FileReport:
    """What happened to one file in one load (one audit.load_log row)."""

    file: str
    checksum: str | None
    bytes: int
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    status: str
    message: str
    duration_s: float
    duplicate_of: str | None = None
    fix: str | None = None  # for rejected files: what the sender should do


def write_load_log(
    con: duckdb.DuckDBPyConnection,
    spec: SourceSpec,
    day: date,
    load_id: str,
    started_at: datetime,
    loaded_at: datetime,
    report: FileReport,
) -> None:
    con.execute(
        "insert into audit.load_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            load_id,
            spec.source,
            spec.entity,
            day,
            report.file,
            report.checksum,
            report.bytes,
            report.rows_read,
            report.rows_loaded,
            report.rows_quarantined,
            report.status,
            report.message,
            report.duplicate_of,
            started_at,
            report.duration_s,
            loaded_at,
        ],
    )


def loaded_elsewhere(
    con: duckdb.DuckDBPyConnection, spec: SourceSpec, checksum: str, day: date
) -> str | None:
    """A file with this checksum whose rows are in raw now, from another partition."""
    row = con.execute(
        """
        with latest as (
            select partition_date, arg_max(load_id, started_at) as load_id
            from audit.load_log
            where source = ? and partition_date <> ? and status <> 'missing'
            group by partition_date
        )
        select l.file from audit.load_log as l
        join latest using (partition_date, load_id)
        where l.source = ? and l.checksum = ? and l.status = 'loaded'
        order by l.partition_date, l.file
        limit 1
        """,
        [spec.source, day, spec.source, checksum],
    ).fetchone()
    return row[0] if row else None
