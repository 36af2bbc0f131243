"""dbt models as Dagster assets; dbt sources map to the load assets by key."""

import json
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from orchestration.defs.dbt_project import dbt_project, ensure_manifest
from orchestration.defs.partitions import daily_partitions


class OmnikpiTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            # source('shop', 'orders') is the load asset raw/shop__orders
            return dg.AssetKey(["raw", dbt_resource_props["identifier"]])
        return super().get_asset_key(dbt_resource_props)


@dbt_assets(
    manifest=ensure_manifest(),
    dagster_dbt_translator=OmnikpiTranslator(),
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool="duckdb_build",
)
def omnikpi_dbt_assets(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    window = context.partition_time_window
    dbt_vars = {
        "min_date": window.start.strftime("%Y-%m-%d"),
        # the window end is exclusive; dbt vars are inclusive dates
        "max_date": (window.end - timedelta(days=1)).strftime("%Y-%m-%d"),
    }
    yield from dbt.cli(["build", "--vars", json.dumps(dbt_vars)], context=context).stream()


dbt_resource = DbtCliResource(project_dir=dbt_project)
