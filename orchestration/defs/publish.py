"""The publish asset: the serving database BI reads (write-audit-publish's last step)."""

import json
from datetime import timedelta
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtProject

from orchestration.defs.dbt_assets import BUILD_POOL, SERVING_KEY, OmnikpiTranslator
from orchestration.defs.dbt_project import ensure_manifest
from orchestration.defs.window import publish_window
from orchestration.serving.manifest import public_models
from orchestration.serving.publish import PublishError, publish

# The daily schedule starts at 06:00; BI expects that day's data by 09:00 Amsterdam time.
SERVING_FRESHNESS = dg.FreshnessPolicy.cron(
    deadline_cron="0 9 * * *", lower_bound_delta=timedelta(hours=3), timezone="Europe/Amsterdam"
)


def public_model_keys(project: DbtProject) -> list[dg.AssetKey]:
    manifest = json.loads(Path(ensure_manifest(project)).read_text())
    translator = OmnikpiTranslator()
    nodes = manifest["nodes"]
    return [translator.get_asset_key(nodes[m.unique_id]) for m in public_models(manifest)]


def build_publish_asset(project: DbtProject) -> dg.AssetsDefinition:
    manifest_path = Path(ensure_manifest(project))

    @dg.asset(
        key=SERVING_KEY,
        deps=public_model_keys(project),
        # it reads the build database, and a reader blocks DuckDB's single writer
        pool=BUILD_POOL,
        group_name="serving",
        kinds={"duckdb"},
        freshness_policy=SERVING_FRESHNESS,
        description=(
            "The serving database BI reads: every dbt model with `access: public`, copied "
            "atomically (new file + os.replace) in DuckDB 1.x storage format, plus "
            "meta.published. Refuses while a blocking dbt test fails or a column looks like PII."
        ),
    )
    def serving_database(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        min_date, max_date = publish_window(context)
        # read the manifest at run time: the marts published are those of this project version
        manifest = json.loads(manifest_path.read_text())
        try:
            result = publish(
                manifest, min_date=min_date, max_date=max_date, dagster_run_id=context.run.run_id
            )
        except PublishError as exc:
            raise dg.Failure(description=f"publish refused: {exc}", allow_retries=False) from exc
        for item in result.warnings:
            context.log.warning(f"published with dbt warning: {item.one_line()}")
        return dg.MaterializeResult(
            metadata={
                "serving_db": dg.MetadataValue.path(str(result.serving_db)),
                "published_at": result.published_at.isoformat(),
                "tables": dg.MetadataValue.json(dict(result.tables)),
                "table_count": len(result.tables),
                "dbt_warnings": [w.one_line() for w in result.warnings],
                "publish_seconds": round(result.seconds, 2),
                # facts brought up to date in a copy of the served file, not copied whole
                "updated_in_place": sorted(result.updated),
                # marts rebuilt whole: only the rows that differ were replaced
                "updated_by_difference": sorted(result.compared),
                "recopied": dict(result.recopied),
                "started_from_staged_copy": result.from_staged,
            }
        )

    return serving_database
