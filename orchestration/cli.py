"""The `omnikpi` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from orchestration.config import settings


def _demo(_args: argparse.Namespace) -> int:
    # Walking skeleton until the simulator and the full refresh exist: one small export
    # file through the real Dagster load asset, dbt build and a mart table.
    import dagster as dg
    import duckdb

    from orchestration.definitions import defs

    cfg = settings()
    cfg.ensure_dirs()
    day = "2025-03-04"
    folder = cfg.landing_dir / "shop" / day
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "orders.csv").write_text(
        "order_name,sku,quantity,price\n#1001,SKU-1,2,10.50\n#1001,SKU-2,1,4.00\n#1002,SKU-1,3,10.50\n"
    )
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="omnikpi", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the demo end to end")
    demo.set_defaults(func=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
