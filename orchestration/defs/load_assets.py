"""One Dagster asset per source export: landing files -> raw.<source>__<entity>."""

import dagster as dg
import duckdb

from orchestration.config import settings
from orchestration.defs.partitions import daily_partitions
from orchestration.loaders.engine import load_csv_partition


@dg.asset(
    key=["raw", "shop__orders"],
    partitions_def=daily_partitions,
    pool="duckdb_build",
    group_name="raw",
    description="Web-shop order lines from landing/shop/<date>/*.csv.",
)
def shop__orders(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    cfg = settings()
    cfg.ensure_dirs()
    with duckdb.connect(str(cfg.build_db)) as con:
        rows = load_csv_partition(con, cfg.landing_dir, "shop", "orders", context.partition_key)
    return dg.MaterializeResult(metadata={"rows_loaded": rows})


load_assets = [shop__orders]
