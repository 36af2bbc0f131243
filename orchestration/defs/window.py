"""The dbt window of a run: the dates of the run's partition (or range), inclusive.

The dbt and publish assets are not partitioned (DECISIONLOG: "The dbt and publish assets are
not partitioned by day"): they build a window of days into tables that hold every day, and
the window is the partition or partition range of the run that loads those days. Dagster
tags every run of the daily job with it; a run without a partition falls back on what the
build database records (the dates loaded since the last dbt build).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

import dagster as dg
import duckdb
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    PARTITION_NAME_TAG,
)

from orchestration.config import settings
from orchestration.serving import gate
from orchestration.serving.db import connect_build, has_table


class NoWindowError(ValueError):
    """A run that names no day: the window comes from the warehouse's own records instead."""


def window_from_tags(tags: Mapping[str, str]) -> tuple[str, str]:
    """(`min_date`, `max_date`), inclusive, from a run's partition or partition-range tags."""
    first = tags.get(ASSET_PARTITION_RANGE_START_TAG) or tags.get(PARTITION_NAME_TAG)
    last = tags.get(ASSET_PARTITION_RANGE_END_TAG) or tags.get(PARTITION_NAME_TAG)
    if not first or not last:
        raise NoWindowError("this run names no partition")
    try:
        start, end = date.fromisoformat(first), date.fromisoformat(last)
    except ValueError as exc:
        raise NoWindowError(f"partition {first}..{last} is not a date range: {exc}") from exc
    if end < start:
        raise NoWindowError(f"partition range ends {end} before it starts {start}")
    return start.isoformat(), end.isoformat()


def window_of_new_loads(con: duckdb.DuckDBPyConnection) -> tuple[str, str] | None:
    """The dates loaded since the last dbt build, and the window of any node still failing;
    else the latest date loaded; None before the first load.

    For a run that names no partition (the dbt assets materialised from the asset graph, or
    the second run of an asset backfill, which Dagster launches without partition tags for
    unpartitioned assets): dbt then builds what the loads changed since it last ran, and
    retries what a failed build left undone."""
    if not has_table(con, "audit.load_log"):
        return None
    windows = []
    since = None
    if has_table(con, gate.TABLE):
        since = con.execute(f"select max(recorded_at) from {gate.TABLE}").fetchone()[0]
        blocking = ", ".join(f"'{status}'" for status in gate.BLOCKING_STATUSES)
        windows.append(
            con.execute(
                f"select min(min_date), max(max_date) from {gate.TABLE} "
                f"where status in ({blocking})"
            ).fetchone()
        )
    windows.append(
        con.execute(
            "select min(partition_date), max(partition_date) from audit.load_log "
            "where status = 'loaded' and loaded_at > coalesce(?, timestamp '1900-01-01')",
            [since],
        ).fetchone()
    )
    found = [w for w in windows if w and w[0] is not None]
    if not found:
        found = [
            con.execute(
                "select max(partition_date), max(partition_date) from audit.load_log "
                "where status = 'loaded'"
            ).fetchone()
        ]
    if not found[0] or found[0][0] is None:
        return None
    return min(w[0] for w in found).isoformat(), max(w[1] for w in found).isoformat()


def window_of_last_build(con: duckdb.DuckDBPyConnection) -> tuple[str, str] | None:
    """The window of the latest recorded dbt build, or None before the first one."""
    if not has_table(con, gate.TABLE):
        return None
    row = con.execute(
        f"select min_date, max_date from {gate.TABLE} order by recorded_at desc limit 1"
    ).fetchone()
    if not row or row[0] is None:
        return None
    return row[0].isoformat(), row[1].isoformat()


def _run_window(
    context: dg.AssetExecutionContext,
    fallback: Callable[[duckdb.DuckDBPyConnection], tuple[str, str] | None],
    what: str,
    missing: str,
) -> tuple[str, str]:
    """The run's partition window; in a run without one, `fallback` on the build database."""
    try:
        return window_from_tags(context.run.tags)
    except NoWindowError:
        pass
    cfg = settings()
    window = None
    if cfg.build_db.exists():
        con = connect_build(cfg.build_db, read_only=True, cfg=cfg)
        try:
            window = fallback(con)
        finally:
            con.close()
    if window is None:
        raise dg.Failure(description=missing, allow_retries=False)
    context.log.info(f"no partition in this run: {what}, {window[0]}..{window[1]}")
    return window


def dbt_window(context: dg.AssetExecutionContext) -> tuple[str, str]:
    """The run's partition window; in a run without one, the dates loaded since dbt last ran."""
    return _run_window(
        context,
        window_of_new_loads,
        "building the dates loaded since the last dbt build",
        "nothing loaded yet: the dbt assets build the days that were loaded; run the "
        "daily_refresh job for a date or a range (`omnikpi refresh --date D`)",
    )


def publish_window(context: dg.AssetExecutionContext) -> tuple[str, str]:
    """The run's partition window; in a run without one, the last dbt build's window."""
    return _run_window(
        context,
        window_of_last_build,
        "publishing the last dbt build's window",
        "nothing built yet: run the daily_refresh job for a date or a range first",
    )
