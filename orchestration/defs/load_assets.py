"""One Dagster asset per source export: landing/<source>/<date>/ -> raw.<source>__<entity>.

Every asset writes the build database, so all of them share the `duckdb_build` pool (size 1)
with the dbt assets; a backfill of a range is one run that loads its dates in order.
"""

from datetime import date

import dagster as dg

from orchestration.config import settings
from orchestration.defs.partitions import daily_partitions
from orchestration.loaders import SOURCES, LoadReport, connect, load_partitions
from orchestration.loaders.engine import utc_now
from orchestration.loaders.spec import SourceSpec


def _summary(reports: list[LoadReport]) -> dict[str, dg.MetadataValue]:
    files = [f for r in reports for f in r.files]
    return {
        "partitions": dg.MetadataValue.int(len(reports)),
        "files": dg.MetadataValue.int(len(files)),
        "rows_read": dg.MetadataValue.int(sum(r.rows_read for r in reports)),
        "rows_loaded": dg.MetadataValue.int(sum(r.rows_loaded for r in reports)),
        "rows_quarantined": dg.MetadataValue.int(sum(r.rows_quarantined for r in reports)),
        "file_status": dg.MetadataValue.md(
            "| file | status | read | loaded | quarantined | message |\n|---|---|---|---|---|---|\n"
            + "\n".join(
                f"| {f.file} | {f.status} | {f.rows_read} | {f.rows_loaded} | "
                f"{f.rows_quarantined} | {f.message} |"
                for f in files
            )
        ),
    }


def build_load_asset(spec: SourceSpec) -> dg.AssetsDefinition:
    """The daily-partitioned load asset `raw/<source>__<entity>` for one source."""

    @dg.asset(
        key=["raw", spec.name],
        partitions_def=daily_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        pool="duckdb_build",
        group_name="raw",
        kinds={"duckdb"},
        description=f"{spec.description} From landing/{spec.source}/<date>/{spec.glob}.",
    )
    def _load(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        cfg = settings()
        cfg.ensure_dirs()
        loaded_at = utc_now()
        reports: list[LoadReport] = []
        days = [date.fromisoformat(key) for key in sorted(context.partition_keys)]
        with connect(cfg) as con:
            # one transaction per date, two dates side by side when that changes nothing
            for report in load_partitions(con, spec, days, cfg.landing_dir, loaded_at=loaded_at):
                context.log.info(
                    f"{spec.source} {report.partition_date}: {report.rows_read} rows read, "
                    f"{report.rows_loaded} loaded, {report.rows_quarantined} quarantined, "
                    f"{len(report.files)} file(s)"
                )
                reports.append(report)
        failures = [line for r in reports for line in r.failures]
        if failures:
            # Raised after every date and every other file was loaded and committed.
            raise dg.Failure(
                description=f"{spec.source}: {len(failures)} file problem(s):\n"
                + "\n".join(failures),
                metadata=_summary(reports),
            )
        return dg.MaterializeResult(metadata=_summary(reports))

    return _load


load_assets = [build_load_asset(spec) for spec in SOURCES.values()]
