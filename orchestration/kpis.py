"""`omnikpi kpis`: print KPIs from the serving database (read-only).

Per journey phase (and lifecycle, cross-channel) the totals mart `<phase>_daily` (else
`<phase>_monthly`) for the chosen or latest date, as KPI | value | formula: names and formulas
come from `meta.kpis`, which publishing writes from the dbt YAML. Marts are found by their dbt
folder (`meta.published_tables.folder`), so a new mart shows up without code changes.
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


def _latest(con: duckdb.DuckDBPyConnection, relation: str, date_col: str, until: date) -> Any:
    """The table's latest date inside the published window: a session that crossed the last
    midnight leaves a sparse next day in the daily marts, which is not the day to show."""
    return con.execute(
        f'select max("{date_col}") from {relation} where "{date_col}" <= ?', [until]
    ).fetchone()[0]


def _table(
    con: duckdb.DuckDBPyConnection, schema: str, name: str, day: date | None, until: date
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
        shown = day or _latest(con, relation, date_col, until)
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


SECTIONS = (*JOURNEY_PHASES, "lifecycle", "cross_channel")


def _summary_table(tables: list[str], section: str) -> str | None:
    """The section's day totals (`<section>_daily`), else its monthly totals, else None."""
    for candidate in (f"{section}_daily", f"{section}_monthly"):
        if candidate in tables:
            return candidate
    return None


def _kpi_summary(
    con: duckdb.DuckDBPyConnection, schema: str, name: str, day: date | None, until: date
) -> Table | None:
    """One row of a totals table, transposed: KPI | value | formula (from meta.kpis)."""
    columns = [
        (r[0], r[1])
        for r in con.execute(
            "select column_name, data_type from duckdb_columns() "
            "where schema_name = ? and table_name = ? order by column_index",
            [schema, name],
        ).fetchall()
    ]
    date_col = _date_column(columns)
    relation = f'"{schema}"."{name}"'
    if date_col is None:
        return None
    shown = day or _latest(con, relation, date_col, until)
    row = con.execute(
        f'select * from {relation} where "{date_col}" <= ? order by "{date_col}" desc limit 1',
        [shown],
    ).fetchone()
    if row is None:
        return None
    values = dict(zip([c for c, _ in columns], row, strict=True))
    definitions = {
        column: (kpi, formula)
        for column, kpi, formula in con.execute(
            'select "column", kpi, formula from meta.kpis where model = ?', [name]
        ).fetchall()
    }
    table = Table(
        title=f"{schema}.{name}, {date_col} = {values[date_col]}",
        title_justify="left",
        show_lines=False,
    )
    table.add_column("KPI")
    table.add_column("value", justify="right")
    table.add_column("formula", style="dim")
    for column, _ in columns:
        if column in definitions:
            kpi, formula = definitions[column]
            table.add_row(kpi, _format(values[column]), formula)
    return table if table.row_count else None


def print_kpis(
    console: Console, cfg: Settings | None = None, phase: str | None = None, day: date | None = None
) -> None:
    """Per journey phase (and lifecycle, cross-channel): the day's KPI totals as a table."""
    cfg = cfg or settings()
    if not cfg.serving_db.exists():
        raise KpiError(f"no serving database at {cfg.serving_db}: run `omnikpi refresh` first")
    with duckdb.connect(str(cfg.serving_db), read_only=True) as con:
        published = con.execute(
            "select published_at, min_date, max_date, git_commit from meta.published"
        ).fetchone()
        marts = con.execute(
            "select schema_name, table_name, folder, row_count from meta.published_tables "
            "order by folder, table_name"
        ).fetchall()
        folders = sorted({m[2] for m in marts if m[2]})
        if phase and phase not in SECTIONS and phase not in folders:
            known = ", ".join(dict.fromkeys([*SECTIONS, *folders]))
            raise KpiError(f"unknown phase {phase!r}; one of: {known}")
        at, first, last, commit = published
        console.print(
            f"[bold]omnikpi KPIs[/] from {cfg.serving_db} (published {at:%Y-%m-%d %H:%M} UTC, "
            f"window {first}..{last}, commit {(commit or '?')[:8]})"
        )
        for section in [phase] if phase else SECTIONS:
            tables = {t: (s, n) for s, t, folder, n in marts if folder == section}
            console.rule(f"[bold]{section.replace('_', ' ')}")
            if not tables:
                console.print(f"no KPI marts for {section!r} yet (models/marts/{section}/)")
                continue
            summary = _summary_table(list(tables), section)
            shown = _kpi_summary(con, tables[summary][0], summary, day, last) if summary else None
            if shown is not None:
                console.print(shown)
            elif phase:  # asked for one section without totals: show its tables as they are
                for table_name, (schema, _) in tables.items():
                    console.print(_table(con, schema, table_name, day, last)[0])
                continue
            else:  # no totals mart: its smallest table, as it is (e.g. stage transitions)
                summary = min(tables, key=lambda t: (tables[t][1], t))
                console.print(_table(con, tables[summary][0], summary, day, last)[0])
            others = [f"{t} ({n:,} rows)" for t, (_, n) in tables.items() if t != summary]
            if others:
                console.print("[dim]more: " + ", ".join(others) + "[/]")


def kpis_command(args: argparse.Namespace) -> int:
    console = Console()
    try:
        print_kpis(console, phase=args.phase, day=args.date)
    except (KpiError, duckdb.Error) as exc:
        Console(stderr=True).print(f"omnikpi kpis: {exc}", soft_wrap=True, markup=False)
        return 1
    return 0
