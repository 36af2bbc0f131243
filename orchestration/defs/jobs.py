"""The daily refresh job: load -> dbt build (+ checks) -> publish, for a partition or range."""

from collections.abc import Sequence

import dagster as dg
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from orchestration.defs.partitions import daily_partitions

DAILY_JOB_NAME = "daily_refresh"


def build_daily_job(assets: Sequence[dg.AssetsDefinition]) -> UnresolvedAssetJobDefinition:
    # the assets with every check that targets them (dbt tests, source freshness)
    selection = dg.AssetSelection.assets(*assets)
    return dg.define_asset_job(
        DAILY_JOB_NAME,
        selection=selection,
        partitions_def=daily_partitions,
        # one step at a time inside a run too: every step that touches the build DB is a
        # writer or a reader of one DuckDB file (the pool also guards across runs)
        executor_def=dg.in_process_executor,
        description="Load the day's exports, dbt build with tests as checks, publish.",
    )
