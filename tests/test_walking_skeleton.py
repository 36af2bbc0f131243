"""One export file -> Dagster load asset -> raw table -> staging view -> mart, for real."""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from orchestration.config import Settings
from orchestration.definitions import defs

SHOP_CSV = """order_name,sku,quantity,price
#1001,SKU-1,2,10.50
#1001,SKU-2,1,4.00
#1002,SKU-1,3,10.50
"""


@pytest.mark.slow
def test_file_flows_from_landing_to_mart(data_dir: Settings) -> None:
    day = "2025-03-04"
    folder = data_dir.landing_dir / "shop" / day
    folder.mkdir(parents=True)
    (folder / "orders.csv").write_text(SHOP_CSV)

    result = dg.materialize(
        [
            defs.get_assets_def(["raw", "shop__orders"]),
            defs.get_assets_def(["marts", "fct_orders"]),
        ],
        partition_key=day,
        resources=defs.resources,
    )
    assert result.success

    with duckdb.connect(str(data_dir.build_db), read_only=True) as con:
        raw_rows = con.execute("select count(*) from raw.shop__orders").fetchone()[0]
        view_type = con.execute(
            "select table_type from information_schema.tables where table_name = 'stg_shop__orders'"
        ).fetchone()[0]
        orders = con.execute(
            "select order_id, units, gross_revenue from marts.fct_orders order by order_id"
        ).fetchall()
    assert raw_rows == 3
    assert view_type == "VIEW"
    # 2 x 10.50 + 1 x 4.00 = 25.00 ; 3 x 10.50 = 31.50
    assert [(o, int(u), float(r)) for o, u, r in orders] == [("#1001", 3, 25.0), ("#1002", 3, 31.5)]
