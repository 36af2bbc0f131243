"""The nightly refresh: 06:00 Europe/Amsterdam, for yesterday's partition."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import dagster as dg
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def yesterday_partition(scheduled: "dg.ScheduleEvaluationContext") -> str:
    when = scheduled.scheduled_execution_time
    return (when.astimezone(AMSTERDAM).date() - timedelta(days=1)).isoformat()


def build_daily_schedule(job: UnresolvedAssetJobDefinition) -> dg.ScheduleDefinition:
    # Explicit rather than build_schedule_from_partitioned_job: the partitions include
    # today (end_offset=1), and the nightly run must target yesterday.
    @dg.schedule(
        name="daily_refresh_schedule",
        cron_schedule="0 6 * * *",
        execution_timezone="Europe/Amsterdam",
        job=job,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Yesterday's exports: load, build, check, publish.",
    )
    def daily_refresh_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        day = yesterday_partition(context)
        return dg.RunRequest(
            run_key=f"daily-{day}", partition_key=day, tags={"omnikpi/trigger": "schedule"}
        )

    return daily_refresh_schedule
