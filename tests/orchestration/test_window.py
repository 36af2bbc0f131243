"""The dbt window comes from the run's partition or partition-range tags."""

from __future__ import annotations

import pytest

from orchestration.defs.window import NoWindowError, window_from_tags

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"


def test_a_single_partition_is_a_one_day_window() -> None:
    assert window_from_tags({"dagster/partition": "2025-03-04"}) == ("2025-03-04", "2025-03-04")


def test_a_partition_range_is_its_inclusive_dates() -> None:
    tags = {RANGE_START: "2025-01-06", RANGE_END: "2026-01-04", "other": "x"}
    assert window_from_tags(tags) == ("2025-01-06", "2026-01-04")


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ({}, "names no partition"),
        ({"omnikpi/trigger": "ui"}, "launch the daily_refresh job"),
        ({"dagster/partition": "yesterday"}, "not a date range"),
        ({RANGE_START: "2025-02-01", RANGE_END: "2025-01-31"}, "ends 2025-01-31 before"),
    ],
)
def test_a_run_without_a_usable_window_is_refused(tags: dict[str, str], message: str) -> None:
    with pytest.raises(NoWindowError, match=message):
        window_from_tags(tags)
