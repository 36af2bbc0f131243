"""The 06:00 schedule targets yesterday; the sensor re-runs partitions that got late files."""

from __future__ import annotations

import os
import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from orchestration.config import Settings
from orchestration.definitions import defs
from orchestration.defs.late_files import write_load_log_snapshot
from orchestration.loaders import SOURCES, connect, load_partition
from orchestration.loaders.samples import SKELETON_SHOP_CSV
from orchestration.serving.db import connect_build

AMS = ZoneInfo("Europe/Amsterdam")


@pytest.mark.parametrize(
    ("tick", "partition"),
    [
        (datetime(2025, 3, 5, 6, 0, tzinfo=AMS), "2025-03-04"),
        # the night the clocks go forward: 06:00 CEST is 04:00 UTC
        (datetime(2025, 3, 31, 6, 0, tzinfo=AMS), "2025-03-30"),
        (datetime(2025, 1, 1, 6, 0, tzinfo=AMS), "2024-12-31"),
    ],
)
def test_daily_schedule_targets_yesterday(tick: datetime, partition: str) -> None:
    schedule = defs.get_schedule_def("daily_refresh_schedule")
    assert (schedule.cron_schedule, schedule.execution_timezone) == (
        "0 6 * * *",
        "Europe/Amsterdam",
    )
    assert schedule.job_name == "daily_refresh"
    with dg.DagsterInstance.ephemeral() as instance:
        context = dg.build_schedule_context(
            instance=instance,
            scheduled_execution_time=tick,
            repository_def=defs.get_repository_def(),
        )
        data = schedule.evaluate_tick(context)
    [request] = data.run_requests
    assert request.partition_key == partition
    assert request.tags["omnikpi/trigger"] == "schedule"


def _deliver(cfg: Settings, day: str, name: str, text: str) -> None:
    folder = cfg.landing_dir / "shop" / day
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)


def _load_and_snapshot(cfg: Settings, days: list[str]) -> None:
    """The real shop loader writes audit.load_log; the dbt step would then snapshot it."""
    with connect(cfg) as con:
        for day in days:
            load_partition(con, SOURCES["shop"], date.fromisoformat(day), cfg.landing_dir)
    con = connect_build(cfg.build_db, read_only=True, cfg=cfg)
    try:
        write_load_log_snapshot(con, cfg)
    finally:
        con.close()


def _evaluate(instance: dg.DagsterInstance) -> dg.SensorExecutionData:
    sensor = defs.get_sensor_def("late_files_sensor")
    context = dg.build_sensor_context(instance=instance, definitions=defs)
    return sensor.evaluate_tick(context)


def _backdate(path: os.PathLike, seconds: int) -> None:
    # landing files written before the load ran
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_late_files_sensor_requests_reruns_of_loaded_partitions(data_dir: Settings) -> None:
    first, second = "2025-03-04", "2025-03-05"
    _deliver(data_dir, first, "orders_export_20250304.csv", SKELETON_SHOP_CSV)
    _deliver(data_dir, second, "orders_export_20250305.csv", SKELETON_SHOP_CSV)
    for path in data_dir.landing_dir.rglob("*.csv"):
        _backdate(path, 60)
    with dg.DagsterInstance.ephemeral() as instance:
        assert _evaluate(instance).skip_message.startswith("no load-log snapshot")
        _load_and_snapshot(data_dir, [first, second])
        assert _evaluate(instance).skip_message == "no late files"

        # late: a second file for 03-04, a corrected file for 03-05
        _deliver(data_dir, first, "orders_export_20250304_b.csv", SKELETON_SHOP_CSV)
        _deliver(data_dir, second, "orders_export_20250305.csv", SKELETON_SHOP_CSV + "\n")
        future = time.time() + 5
        os.utime(
            data_dir.landing_dir / "shop" / second / "orders_export_20250305.csv", (future, future)
        )
        # not late: the same bytes written again; a date after the last load (the
        # schedule's); a date before the first load (history nobody asked for yet)
        _deliver(data_dir, first, "orders_export_20250304.csv", SKELETON_SHOP_CSV)
        _deliver(data_dir, "2025-03-06", "orders_export_20250306.csv", SKELETON_SHOP_CSV)
        _deliver(data_dir, "2025-03-01", "orders_export_20250301.csv", SKELETON_SHOP_CSV)

        data = _evaluate(instance)
        requests = {r.partition_key: r for r in data.run_requests}
        assert sorted(requests) == [first, second]
        assert {r.tags["omnikpi/trigger"] for r in requests.values()} == {"late-files"}
        assert all(r.job_name in (None, "daily_refresh") for r in requests.values())
        # the same late files give the same run keys: Dagster launches each once
        again = {r.partition_key: r.run_key for r in _evaluate(instance).run_requests}
        assert again == {k: r.run_key for k, r in requests.items()}

        # once those partitions are re-run, nothing is late any more
        _load_and_snapshot(data_dir, [first, second])
        assert _evaluate(instance).skip_message == "no late files"
