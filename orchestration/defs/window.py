"""The dbt window of a run: the dates of the run's partition (or range), inclusive.

The dbt and publish assets are not partitioned (DECISIONLOG: "The dbt and publish assets are
not partitioned by day"): they build a window of days into tables that hold every day, and
the window is the partition or partition range of the run that loads those days. Dagster
tags every run of the daily job with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import dagster as dg
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    PARTITION_NAME_TAG,
)


class NoWindowError(ValueError):
    """A run that names no day: the dbt assets do not know which window to build."""


def window_from_tags(tags: Mapping[str, str]) -> tuple[str, str]:
    """(`min_date`, `max_date`), inclusive, from a run's partition or partition-range tags."""
    first = tags.get(ASSET_PARTITION_RANGE_START_TAG) or tags.get(PARTITION_NAME_TAG)
    last = tags.get(ASSET_PARTITION_RANGE_END_TAG) or tags.get(PARTITION_NAME_TAG)
    if not first or not last:
        raise NoWindowError(
            "this run names no partition: the dbt and publish assets build the days of the "
            "run's partition or partition range; launch the daily_refresh job for a date or "
            "a range (`omnikpi refresh --date D` or `--from D1 --to D2`)"
        )
    try:
        start, end = date.fromisoformat(first), date.fromisoformat(last)
    except ValueError as exc:
        raise NoWindowError(f"partition {first}..{last} is not a date range: {exc}") from exc
    if end < start:
        raise NoWindowError(f"partition range ends {end} before it starts {start}")
    return start.isoformat(), end.isoformat()


def window_dates(context: dg.AssetExecutionContext) -> tuple[str, str]:
    """The run's window; a run without one fails with a clear message, building nothing."""
    try:
        return window_from_tags(context.run.tags)
    except NoWindowError as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from exc
