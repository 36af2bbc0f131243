"""Daily partitions: one per landing-folder date."""

from __future__ import annotations

import os

import dagster as dg

PARTITIONS_START = os.environ.get("OMNIKPI_PARTITIONS_START", "2024-01-01")

daily_partitions = dg.DailyPartitionsDefinition(
    start_date=PARTITIONS_START, timezone="Europe/Amsterdam", end_offset=1
)
