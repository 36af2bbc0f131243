"""The refresh benchmark splits the backfill by the kind of each Dagster step."""

from __future__ import annotations

from orchestration.bench.refresh import step_kinds
from orchestration.definitions import defs
from orchestration.defs.load_assets import load_assets
from orchestration.defs.publish import SERVING_KEY


def test_every_step_of_the_daily_job_is_counted_as_its_kind() -> None:
    job = defs.resolve_job_def("daily_refresh")
    graph = defs.resolve_asset_graph()
    load_ops = {asset.op.name for asset in load_assets}
    publish_op = graph.assets_def_for_key(SERVING_KEY).op.name
    for node in job.graph.nodes:
        kinds = step_kinds({node.name: 1.0})
        if node.name in load_ops:
            expected = "loads"
        elif node.name == publish_op:
            expected = "publish"
        elif node.name.startswith("omnikpi_dbt"):
            expected = "dbt build"
        else:
            expected = "other checks"
        assert kinds[expected] == 1.0, (node.name, kinds)
        assert sum(kinds.values()) == 1.0, (node.name, kinds)
    assert len(load_ops) >= 8  # one per source entity: all were seen above


def test_step_seconds_are_summed_per_kind() -> None:
    kinds = step_kinds(
        {
            "raw__web__events": 1.25,
            "raw__crm__contacts": 0.5,
            "omnikpi_dbt_assets": 10.0,
            "serving_database": 2.0,
            "source_freshness": 0.25,
        }
    )
    assert kinds == {"loads": 1.75, "dbt build": 10.0, "publish": 2.0, "other checks": 0.25}
