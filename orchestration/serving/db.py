"""Opening the build database: always attached under one alias, `wh`.

The file name decides DuckDB's catalog name (`build.duckdb` -> `build`); attaching it to an
in-memory connection under a fixed alias keeps queries independent of where it lives.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.config import Settings, settings

BUILD_ALIAS = "wh"


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def connect_build(
    build_db: Path | None = None, *, read_only: bool, cfg: Settings | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory connection with the build database attached as `wh` (and in use)."""
    cfg = cfg or settings()
    path = build_db or cfg.build_db
    con = duckdb.connect(":memory:", config=cfg.duckdb_config)
    options = " (read_only)" if read_only else ""
    con.execute(f"attach {_quote(path)} as {BUILD_ALIAS}{options}")
    con.execute(f"use {BUILD_ALIAS}")
    return con


def quote_path(path: Path) -> str:
    return _quote(path)


def has_table(con: duckdb.DuckDBPyConnection, name: str, database: str | None = None) -> bool:
    """Does table `schema.table` exist in `database` (default: the connection's current one)?"""
    schema, table = name.split(".")
    where = "database_name = ?" if database else "database_name = current_database()"
    row = con.execute(
        f"select count(*) from duckdb_tables() where {where} and schema_name = ? "
        "and table_name = ?",
        [*([database] if database else []), schema, table],
    ).fetchone()
    return bool(row and row[0])


def row_count(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    row = con.execute(f"select count(*) from {relation}").fetchone()
    return int(row[0]) if row else 0
