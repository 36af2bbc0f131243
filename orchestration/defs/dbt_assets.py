"""dbt models as Dagster assets; dbt sources map to the load assets by key.

One `dbt build` per run, with `min_date`/`max_date` the run's partition or partition range
(defs/window.py), passed in the environment (macro run_var): the daily job loads a day or a
range, then dbt builds those days (a range longer than `OMNIKPI_BUILD_CHUNK_DAYS` first runs
its event-volume models chunk by chunk: defs/build_chunks.py). The dbt assets themselves are
not partitioned: each holds every day, and a run materialises it once, not once per day of
its window.
dbt tests become asset checks (dagster-dbt's default); error-severity tests are *blocking*.
"""

import json
import os
import shutil
import time
from collections.abc import Mapping
from contextlib import nullcontext
from datetime import date
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from orchestration.config import settings
from orchestration.defs.build_chunks import DbtStep, dbt_steps, window_environment
from orchestration.defs.dbt_project import ensure_manifest
from orchestration.defs.late_files import write_load_log_snapshot
from orchestration.defs.window import dbt_window
from orchestration.loaders.audit import ensure_tables
from orchestration.loaders.sources import SOURCES
from orchestration.serving import gate, staging
from orchestration.serving.db import connect_build

BUILD_POOL = "duckdb_build"
SERVING_KEY = dg.AssetKey(["serving", "omnikpi"])  # the publish asset (defs/publish.py)


class OmnikpiTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            # source('shop', 'orders') with identifier shop__orders is the load asset
            # raw/shop__orders: dbt lineage and the load assets form one graph
            return dg.AssetKey(["raw", dbt_resource_props["identifier"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        # the dbt folder layer (staging, intermediate, marts) groups the graph in the UI
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props["resource_type"] == "model" and len(fqn) > 2:
            return fqn[1]
        return "reference" if dbt_resource_props["resource_type"] == "seed" else "dbt"


def build_dbt_assets(project: DbtProject) -> dg.AssetsDefinition:
    manifest_path = ensure_manifest(project)
    manifest = json.loads(Path(manifest_path).read_text())

    @dbt_assets(
        # the parsed dict, not the path: dagster-dbt caches manifests by path per process
        manifest=manifest,
        project=project,
        dagster_dbt_translator=OmnikpiTranslator(),
        pool=BUILD_POOL,
    )
    def omnikpi_dbt_assets(context: dg.AssetExecutionContext, dbt: DbtCliResource):
        min_date, max_date = dbt_window(context)
        _ensure_raw_tables()
        *chunks, final = dbt_steps(
            date.fromisoformat(min_date), date.fromisoformat(max_date), settings().build_chunk_days
        )
        for chunk in chunks:
            _run_chunk(context, dbt, chunk)
        # the publish that follows starts from a copy of the served file: make it meanwhile
        stage = _run_publishes(context)
        with staging.staged_copy(settings().serving_db) if stage else nullcontext():
            with window_environment(final):
                invocation = dbt.cli(final.args(), context=context, raise_on_error=False)
            yield from invocation.stream()

        # Record every node's result for the publish gate (even when dbt failed).
        results = _run_results(invocation.target_path)
        _keep_partial_parse(Path(invocation.target_path), Path(dbt.project_dir))
        _prune_target_dirs(Path(invocation.target_path))
        cfg = settings()
        con = connect_build(cfg.build_db, read_only=False, cfg=cfg)
        try:
            recorded = gate.record_dbt_results(
                con,
                results,
                manifest,
                dagster_run_id=context.run.run_id,
                min_date=min_date,
                max_date=max_date,
            )
            write_load_log_snapshot(con, cfg)
        finally:
            con.close()
        warned = [r for r in recorded if r.status in gate.WARNING_STATUSES]
        for item in warned:
            context.log.warning(f"dbt warning: {item.one_line()}")
        failing = [r for r in recorded if r.status in gate.BLOCKING_STATUSES]
        if failing or not invocation.is_successful():
            staging.discard(cfg.serving_db)  # no publish follows: free the disk now
            reason = (
                f"{gate.summarise(failing)} failing"
                if failing
                else f"exit {invocation.process.returncode}"
            )
            raise dg.Failure(
                description=f"dbt build {min_date}..{max_date} failed: {reason}",
                metadata={"failing": [r.unique_id for r in failing]},
                allow_retries=False,
            )

    return omnikpi_dbt_assets


def _run_publishes(context: dg.AssetExecutionContext) -> bool:
    """Does this run publish after dbt? (None: the whole job, and the daily job publishes.)"""
    selection = context.run.asset_selection
    return selection is None or SERVING_KEY in selection


def _run_chunk(context: dg.AssetExecutionContext, dbt: DbtCliResource, chunk: DbtStep) -> None:
    """One chunk of a long window: no Dagster events (the final build materialises)."""
    started = time.monotonic()
    # named like dagster-dbt's own target folders, so _prune_target_dirs keeps a few
    name = f"{context.op_execution_context.op.name}-{context.run.run_id[:7]}-{chunk.first:%Y%m%d}"
    target = Path(dbt.project_dir) / "target" / name
    with window_environment(chunk):
        invocation = dbt.cli(chunk.args(), raise_on_error=False, target_path=target)
    invocation.wait()
    _keep_partial_parse(Path(invocation.target_path), Path(dbt.project_dir))
    _prune_target_dirs(Path(invocation.target_path))
    if not invocation.is_successful():
        failed = [
            f"{r['unique_id']}: {(r.get('message') or r['status']).splitlines()[0]}"
            for r in _run_results(invocation.target_path).get("results", [])
            if r["status"] in ("error", "fail")
        ]
        raise dg.Failure(
            description=f"{chunk.describe()} failed: {'; '.join(failed) or 'see the dbt log'}",
            metadata={"dbt_log": str(Path(invocation.target_path) / "dbt.log")},
            allow_retries=False,
        )
    context.log.info(f"{chunk.describe()} in {time.monotonic() - started:.1f}s")


def _ensure_raw_tables() -> None:
    """Every source dbt reads exists, even before its first delivery (then it is empty)."""
    cfg = settings()
    con = connect_build(cfg.build_db, read_only=False, cfg=cfg)
    try:
        for spec in SOURCES.values():
            ensure_tables(con, spec)
    finally:
        con.close()


def _run_results(target_path: Path) -> dict[str, Any]:
    path = Path(target_path) / "run_results.json"
    return json.loads(path.read_text()) if path.exists() else {}


def _keep_partial_parse(target_path: Path, project_dir: Path) -> None:
    """Make this invocation's parse the one the next invocation starts from.

    dagster-dbt seeds each invocation's target folder with target/partial_parse.msgpack;
    when that was written for another profile (a `dbt build` by hand on another database),
    every run parsed the whole project again. Replaced atomically: a reader never sees half.
    """
    parsed = target_path / "partial_parse.msgpack"
    if not parsed.exists():
        return
    kept = project_dir / "target" / "partial_parse.msgpack"
    tmp = kept.with_name(f".{kept.name}.{os.getpid()}.tmp")
    kept.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(parsed, tmp)
    os.replace(tmp, kept)


KEEP_TARGET_DIRS = 10


def _prune_target_dirs(current: Path) -> None:
    """dagster-dbt writes one target/<asset>-<run> folder per invocation: keep the newest few."""
    siblings = sorted(
        (p for p in current.parent.glob(f"{current.name.rsplit('-', 2)[0]}-*") if p.is_dir()),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in siblings[KEEP_TARGET_DIRS:]:
        if old != current:
            shutil.rmtree(old, ignore_errors=True)
