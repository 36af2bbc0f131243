"""`omnikpi refresh` and `omnikpi demo`: run the daily job in-process."""

from __future__ import annotations

import argparse
import sys

import dagster as dg
import duckdb

from orchestration.config import settings


def refresh_command(args: argparse.Namespace) -> int:
    print("omnikpi refresh: not implemented yet (issue 8)", file=sys.stderr)
    return 2


def demo_command(_args: argparse.Namespace) -> int:
    # Walking skeleton until the simulator and the full refresh exist: one small export
    # file through the real Dagster load asset, dbt build and a mart table.
    from orchestration.definitions import defs

    cfg = settings()
    cfg.ensure_dirs()
    day = "2025-03-04"
    folder = cfg.landing_dir / "shop" / day
    folder.mkdir(parents=True, exist_ok=True)
    from orchestration.loaders.samples import SKELETON_FILE, SKELETON_SHOP_CSV

    (folder / SKELETON_FILE).write_text(SKELETON_SHOP_CSV)
    result = dg.materialize(
        [
            defs.get_assets_def(["raw", "shop__orders"]),
            defs.get_assets_def(["marts", "fct_orders"]),
        ],
        partition_key=day,
        resources=defs.resources,
    )
    if not result.success:
        print("demo failed", file=sys.stderr)
        return 1
    with duckdb.connect(str(cfg.build_db), read_only=True) as con:
        for row in con.execute("select * from marts.fct_orders order by order_id").fetchall():
            print(row)
    return 0
