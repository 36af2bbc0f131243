"""The Dagster graph is one graph, and every build-DB step shares the single-slot pool."""

from __future__ import annotations

import dagster as dg

from orchestration.definitions import defs
from orchestration.defs.dbt_assets import OmnikpiTranslator
from orchestration.defs.dbt_project import load_manifest
from orchestration.defs.load_assets import load_assets
from orchestration.defs.partitions import daily_partitions
from orchestration.defs.publish import SERVING_KEY
from orchestration.serving.manifest import public_models

GRAPH = defs.resolve_asset_graph()
MANIFEST = load_manifest()


def test_every_dbt_source_is_a_load_asset() -> None:
    load_keys = {key for asset in load_assets for key in asset.keys}
    translator = OmnikpiTranslator()
    sources = {translator.get_asset_key(s) for s in MANIFEST["sources"].values()}
    assert sources, "the dbt project declares no sources"
    assert sources <= load_keys, f"dbt sources without a load asset: {sources - load_keys}"
    assert not (GRAPH.external_asset_keys & sources)


def test_publish_depends_on_every_public_model() -> None:
    translator = OmnikpiTranslator()
    public = {
        translator.get_asset_key(MANIFEST["nodes"][m.unique_id]) for m in public_models(MANIFEST)
    }
    assert public and GRAPH.get(SERVING_KEY).parent_keys == public


def test_build_db_steps_share_one_pool_and_ranges_run_once() -> None:
    job = defs.resolve_job_def("daily_refresh")
    load_keys = {key for asset in load_assets for key in asset.keys}
    for key in GRAPH.materializable_asset_keys:
        node = GRAPH.get(key)
        assert node.pools == {"duckdb_build"}, key
        assert job.asset_layer.has(key), key
        if key in load_keys:  # a day's folder each: a range loads in one run
            assert node.partitions_def == daily_partitions, key
            assert node.backfill_policy == dg.BackfillPolicy.single_run(), key
        else:  # dbt and publish build the run's window: materialised once per run
            assert node.partitions_def is None, key
    freshness = next(a for a in defs.asset_checks if a.node_def.name == "source_freshness")
    assert freshness.op.pool == "duckdb_build"


def test_error_severity_dbt_tests_are_blocking_checks() -> None:
    severity = {
        node["name"]: (node.get("config", {}).get("severity") or "error").lower()
        for node in MANIFEST["nodes"].values()
        if node["resource_type"] == "test"
    }
    checks = {key.name: GRAPH.get_check_spec(key).blocking for key in GRAPH.asset_check_keys}
    for name, level in severity.items():
        if name in checks:
            assert checks[name] is (level == "error"), name
    assert any(checks[n] for n in severity if n in checks)
