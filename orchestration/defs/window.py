"""The dbt window of a run: its partition time window as inclusive dates."""

from datetime import timedelta

import dagster as dg


def window_dates(context: dg.AssetExecutionContext) -> tuple[str, str]:
    """(`min_date`, `max_date`), inclusive, for one partition or a partition range."""
    window = context.partition_time_window
    # the window end is exclusive (next midnight); dbt vars are inclusive dates
    return window.start.strftime("%Y-%m-%d"), (window.end - timedelta(days=1)).strftime("%Y-%m-%d")
