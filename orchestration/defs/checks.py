"""Freshness: of the sources (from the load log) and of what BI reads (the serving DB).

- Source freshness: one check per dbt source on its load asset. The age of the newest
  load of that source in `audit.load_log` (falling back to the raw table's `_loaded_at`,
  the source's `loaded_at_field`) against the source's own dbt `freshness` thresholds:
  older than `warn_after` -> WARN, older than `error_after` -> ERROR. Never blocking: a late
  channel should not hold back the others; it is shown in Dagster and `omnikpi refresh`.
- Serving freshness: a FreshnessPolicy on the publish asset (see defs/publish.py), judged
  by Dagster's freshness daemon under `dagster dev`.
"""

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DbtProject

from orchestration.config import settings
from orchestration.defs.dbt_assets import BUILD_POOL, OmnikpiTranslator
from orchestration.defs.dbt_project import ensure_manifest
from orchestration.serving.db import connect_build

_PERIOD = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}


def _threshold(freshness: Mapping[str, Any] | None, key: str) -> timedelta | None:
    rule = (freshness or {}).get(key) or {}
    if not rule.get("count") or not rule.get("period"):
        return None
    return rule["count"] * _PERIOD[rule["period"]]


def _sources(manifest: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return sorted(manifest.get("sources", {}).values(), key=lambda s: s["unique_id"])


def _last_loaded(con: Any, source: Mapping[str, Any]) -> datetime | None:
    """Newest load of this source: the load log first, else the raw table itself."""
    tables = {
        (r[0], r[1])
        for r in con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = 'wh'"
        ).fetchall()
    }
    if ("audit", "load_log") in tables:
        cols = {r[0] for r in con.execute("describe audit.load_log").fetchall()}
        time_col = next((c for c in ("loaded_at", "finished_at", "started_at") if c in cols), None)
        if "source" in cols and time_col:
            # only files that were actually loaded (not missing, rejected or failed)
            bad = "('missing', 'rejected', 'failed', 'error')"
            status = f" and lower(status) not in {bad}" if "status" in cols else ""
            row = con.execute(
                f'select max("{time_col}") from audit.load_log where source = ?{status}',
                [source["source_name"]],
            ).fetchone()
            if row and row[0]:
                return row[0]
    field = source.get("loaded_at_field")
    if field and (source["schema"], source["identifier"]) in tables:
        row = con.execute(
            f'select max("{field}") from "{source["schema"]}"."{source["identifier"]}"'
        ).fetchone()
        return row[0] if row else None
    return None


def build_source_freshness_checks(
    project: DbtProject, load_keys: Iterable[dg.AssetKey]
) -> list[dg.AssetChecksDefinition]:
    manifest = json.loads(Path(ensure_manifest(project)).read_text())
    translator = OmnikpiTranslator()
    loadable = set(load_keys)
    by_key = {}
    for source in _sources(manifest):
        key = translator.get_asset_key(source)
        if key in loadable and _threshold(source.get("freshness"), "warn_after"):
            by_key[key] = source
    if not by_key:
        return []
    specs = [
        dg.AssetCheckSpec(
            name="source_freshness",
            asset=key,
            description=f"Newest load of source {s['source_name']} (audit.load_log) vs. its dbt "
            f"freshness thresholds.",
        )
        for key, s in by_key.items()
    ]

    @dg.multi_asset_check(specs=specs, can_subset=True, pool=BUILD_POOL, name="source_freshness")
    def source_freshness(context: dg.AssetCheckExecutionContext) -> Iterable[dg.AssetCheckResult]:
        cfg = settings()
        now = datetime.now(UTC).replace(tzinfo=None)
        con = (
            connect_build(cfg.build_db, read_only=True, cfg=cfg) if cfg.build_db.exists() else None
        )
        try:
            for check_key in context.selected_asset_check_keys:
                source = by_key[check_key.asset_key]
                last = _last_loaded(con, source) if con else None
                yield _freshness_result(check_key.asset_key, source, last, now)
        finally:
            if con:
                con.close()

    return [source_freshness]


def _freshness_result(
    key: dg.AssetKey, source: Mapping[str, Any], last: datetime | None, now: datetime
) -> dg.AssetCheckResult:
    warn = _threshold(source.get("freshness"), "warn_after")
    error = _threshold(source.get("freshness"), "error_after")
    if last is None:
        return dg.AssetCheckResult(
            asset_key=key,
            check_name="source_freshness",
            passed=False,
            severity=dg.AssetCheckSeverity.WARN,
            description="never loaded",
        )
    if last.tzinfo is not None:
        last = last.astimezone(UTC).replace(tzinfo=None)
    age = now - last
    severity, passed = dg.AssetCheckSeverity.WARN, True
    if error and age > error:
        severity, passed = dg.AssetCheckSeverity.ERROR, False
    elif warn and age > warn:
        passed = False
    return dg.AssetCheckResult(
        asset_key=key,
        check_name="source_freshness",
        passed=passed,
        severity=severity,
        metadata={
            "last_loaded_at": last.isoformat(),
            "age_hours": round(age.total_seconds() / 3600, 2),
            "warn_after_hours": warn.total_seconds() / 3600 if warn else None,
            "error_after_hours": error.total_seconds() / 3600 if error else None,
        },
    )
