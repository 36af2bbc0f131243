"""Build the one asset graph for a dbt project directory (tests use a temp copy)."""

from collections.abc import Sequence
from pathlib import Path

import dagster as dg

from orchestration.config import PROJECT_DIR
from orchestration.defs.checks import build_source_freshness_checks
from orchestration.defs.dbt_assets import build_dbt_assets
from orchestration.defs.dbt_project import ensure_dbt_on_path, make_dbt_project
from orchestration.defs.jobs import build_daily_job
from orchestration.defs.publish import build_publish_asset
from orchestration.defs.resources import dbt_resource
from orchestration.defs.schedules import build_daily_schedule
from orchestration.defs.sensors import build_late_files_sensor


def build_defs(
    project_dir: Path = PROJECT_DIR, load_assets: Sequence[dg.AssetsDefinition] | None = None
) -> dg.Definitions:
    if load_assets is None:
        from orchestration.defs.load_assets import load_assets
    project = make_dbt_project(project_dir)
    ensure_dbt_on_path()
    project.prepare_if_dev()  # under `dagster dev`: re-parse so model edits show up
    dbt_assets_def = build_dbt_assets(project)
    publish_asset = build_publish_asset(project)
    assets = [*load_assets, dbt_assets_def, publish_asset]
    source_checks = build_source_freshness_checks(project, [k for a in load_assets for k in a.keys])
    daily_job = build_daily_job(assets)
    return dg.Definitions(
        assets=assets,
        asset_checks=source_checks,
        jobs=[daily_job],
        schedules=[build_daily_schedule(daily_job)],
        sensors=[build_late_files_sensor(daily_job)],
        resources={"dbt": dbt_resource(project)},
        executor=dg.in_process_executor,
    )
