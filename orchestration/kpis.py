"""`omnikpi kpis`: print KPI tables from the serving database (read-only).

KPI marts are found by their dbt folder: `models/marts/<phase>/` is recorded by the publish
step in `meta.published_tables.phase`, so a new mart shows up here without code changes.
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

import duckdb
from rich.console import Console
from rich.table import Table

from orchestration.config import Settings, settings
from orchestration.serving.manifest import JOURNEY_PHASES

MAX_ROWS = 15
_DATE_NAMES = ("date", "day", "kpi_date", "date_day", "event_date", "order_date", "report_date")


class KpiError(Exception):
    """Nothing to show (no serving database, unknown phase...)."""


def _date_column(columns: list[tuple[str, str]]) -> str | None:
    dates = [name for name, kind in columns if kind.upper() == "DATE"]
    preferred = [n for n in dates if n.lower() in _DATE_NAMES]
    return (preferred or dates or [None])[0]


def _format(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1 else f"{value:,.2f}"
    return str(value)


def _table(
    con: duckdb.DuckDBPyConnection, schema: str, name: str, day: date | None
) -> tuple[Table, int]:
    columns = [
        (r[0], r[1])
        for r in con.execute(
            "select column_name, data_type from duckdb_columns() "
            "where schema_name = ? and table_name = ? order by column_index",
            [schema, name],
        ).fetchall()
    ]
    relation = f'"{schema}"."{name}"'
    date_col = _date_column(columns)
    where, params, caption = "", [], ""
    if date_col:
        shown = day or con.execute(f'select max("{date_col}") from {relation}').fetchone()[0]
        where, params, caption = f'where "{date_col}" = ?', [shown], f"{date_col} = {shown}"
    total = con.execute(f"select count(*) from {relation} {where}", params).fetchone()[0]
    rows = con.execute(
        f"select * from {relation} {where} order by all limit {MAX_ROWS}", params
    ).fetchall()
    more = f" (first {MAX_ROWS} of {total} rows)" if total > MAX_ROWS else f" ({total} rows)"
    table = Table(title=f"{schema}.{name}{more}", caption=caption or None, title_justify="left")
    for column, kind in columns:
        numeric = kind.upper().split("(")[0] in (
            "BIGINT", "INTEGER", "HUGEINT", "DOUBLE", "FLOAT", "DECIMAL", "SMALLINT", "UBIGINT",
        )  # fmt: skip
        table.add_column(column, justify="right" if numeric else "left")
    for row in rows:
        table.add_row(*(_format(v) for v in row))
    return table, total


def print_kpis(
    console: Console, cfg: Settings | None = None, phase: str | None = None, day: date | None = None
) -> None:
    """Per journey phase, every KPI mart as a table; say so when a phase has none yet."""
    cfg = cfg or settings()
    if not cfg.serving_db.exists():
        raise KpiError(f"no serving database at {cfg.serving_db}: run `omnikpi refresh` first")
    with duckdb.connect(str(cfg.serving_db), read_only=True) as con:
        published = con.execute(
            "select published_at, min_date, max_date, git_commit from meta.published"
        ).fetchone()
        marts = con.execute(
            "select schema_name, table_name, folder, phase from meta.published_tables "
            "order by folder, table_name"
        ).fetchall()
        folders = sorted({m[2] for m in marts if m[2]})
        if phase and phase not in JOURNEY_PHASES and phase not in folders:
            known = ", ".join(dict.fromkeys([*JOURNEY_PHASES, *folders]))
            raise KpiError(f"unknown phase {phase!r}; one of: {known}")
        at, first, last, commit = published
        console.print(
            f"[bold]omnikpi KPIs[/] from {cfg.serving_db} (published {at:%Y-%m-%d %H:%M} UTC, "
            f"window {first}..{last}, commit {(commit or '?')[:8]})"
        )
        phases = [phase] if phase else list(JOURNEY_PHASES)
        shown_any = False
        for name in phases:
            tables = [(s, t) for s, t, folder, _ in marts if folder == name]
            console.rule(f"[bold]{name}")
            if not tables:
                console.print(f"no KPI marts for phase {name!r} yet (models/marts/{name}/)")
                continue
            for schema, table_name in tables:
                console.print(_table(con, schema, table_name, day)[0])
                shown_any = True
        if not phase and not shown_any:
            # Until the phase marts exist, show what is published (e.g. marts/core).
            console.rule("[bold]published marts")
            for schema, table_name, _, _ in marts:
                console.print(_table(con, schema, table_name, day)[0])


def kpis_command(args: argparse.Namespace) -> int:
    console = Console()
    try:
        print_kpis(console, phase=args.phase, day=args.date)
    except (KpiError, duckdb.Error) as exc:
        Console(stderr=True).print(f"omnikpi kpis: {exc}", soft_wrap=True, markup=False)
        return 1
    return 0
