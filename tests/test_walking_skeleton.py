"""One export file -> Dagster load asset -> raw table -> staging table -> mart, for real."""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from orchestration.config import Settings
from orchestration.definitions import defs

# A shop export as docs/sources.md describes it (25 columns, one row per line item).
_HEAD = (
    "Name,Email,Phone,Financial Status,Fulfillment Status,Created at,Updated at,Fulfilled at,"
    "Delivered at,Currency,Subtotal,Shipping,Discount Code,Discount Amount,Total,"
    "Shipping Method,Pickup Location,Lineitem quantity,Lineitem name,Lineitem price,"
    "Lineitem sku,Lineitem discount,Source,Return Reference,Tags"
)
_T1 = "2025-03-04 10:15:00 +0100"
_T2 = "2025-03-04 11:00:00 +0100"
SHOP_CSV = (
    f"{_HEAD}\n"
    f"#1001,anna@example.com,,paid,unfulfilled,{_T1},{_T1},,,EUR,25.00,0.00,,0.00,25.00,"
    "Home delivery,,2,Sweater,10.50,SKU-1,0.00,web,,\n"
    f"#1001,anna@example.com,,paid,unfulfilled,{_T1},{_T1},,,EUR,25.00,0.00,,0.00,25.00,"
    "Home delivery,,1,Socks,4.00,SKU-2,0.00,web,,\n"
    f"#1002,bob@example.com,,paid,unfulfilled,{_T2},{_T2},,,EUR,31.50,0.00,,0.00,31.50,"
    "Home delivery,,3,Sweater,10.50,SKU-1,0.00,web,,\n"
)


@pytest.mark.slow
def test_file_flows_from_landing_to_mart(data_dir: Settings) -> None:
    day = "2025-03-04"
    folder = data_dir.landing_dir / "shop" / day
    folder.mkdir(parents=True)
    (folder / "orders_export_20250304.csv").write_text(SHOP_CSV)

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
        staging_type = con.execute(
            "select table_type from information_schema.tables "
            "where table_name = 'stg_shop__order_lines'"
        ).fetchone()[0]
        staged_lines = con.execute("select count(*) from staging.stg_shop__order_lines").fetchone()[
            0
        ]
        orders = con.execute(
            "select order_id, channel, line_count, units, gross_revenue, net_revenue, "
            "is_click_collect, order_date from marts.fct_orders order by order_id"
        ).fetchall()
        touches = con.execute(
            "select touchpoint_type, channel, journey_phase, revenue from marts.fct_touchpoints "
            "order by order_id"
        ).fetchall()
    assert raw_rows == 3
    # a table, not a view: a day's build reads it eleven times (DECISIONLOG)
    assert (staging_type, staged_lines) == ("BASE TABLE", 3)
    # 2 x 10.50 + 1 x 4.00 = 25.00 ; 3 x 10.50 = 31.50 (no discount, no returns, no shipping)
    assert [
        (o, c, n, int(u), float(g), float(r), cc, str(d)) for o, c, n, u, g, r, cc, d in orders
    ] == [
        ("#1001", "web", 2, 3, 25.0, 25.0, False, "2025-03-04"),
        ("#1002", "web", 1, 3, 31.5, 31.5, False, "2025-03-04"),
    ]
    # each order is a decision-phase touchpoint on the web channel
    assert [(t, c, p, float(r)) for t, c, p, r in touches] == [
        ("order", "web", "decision", 25.0),
        ("order", "web", "decision", 31.5),
    ]
