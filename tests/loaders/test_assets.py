"""The Dagster load assets: keys, pool, single-run backfills, failures that name the file."""

from __future__ import annotations

import dagster as dg
import duckdb

from orchestration.config import Settings
from orchestration.defs.load_assets import load_assets
from tests.loaders import exports as ex

DAYS = ["2025-03-04", "2025-03-05", "2025-03-06"]


def _asset(name: str) -> dg.AssetsDefinition:
    return next(a for a in load_assets if a.key == dg.AssetKey(["raw", name]))


def test_one_asset_per_source_sharing_the_duckdb_pool() -> None:
    assert sorted(a.key.path[1] for a in load_assets) == [
        "ads__campaign_stats",
        "crm__contacts",
        "email__events",
        "loyalty__ledger_entries",
        "pos__receipt_lines",
        "service__tickets",
        "shop__orders",
        "web__events",
    ]
    for asset in load_assets:
        assert asset.key.path[0] == "raw"
        assert asset.op.pool == "duckdb_build"
        assert asset.backfill_policy == dg.BackfillPolicy.single_run()
        assert asset.partitions_def is not None


def test_a_backfill_range_is_one_run_loading_every_date(data_dir: Settings, deliver) -> None:
    for i, day in enumerate(DAYS):
        deliver("loyalty", [ex.loyalty_row(10 * i + 1), ex.loyalty_row(10 * i + 2)], day=day)
    result = dg.materialize(
        [_asset("loyalty__ledger_entries")],
        tags={
            "dagster/asset_partition_range_start": DAYS[0],
            "dagster/asset_partition_range_end": DAYS[-1],
        },
    )
    assert result.success
    with duckdb.connect(str(data_dir.build_db), read_only=True) as con:
        per_day = con.execute(
            "select _partition_date::varchar, count(*) from raw.loyalty__ledger_entries "
            "group by all order by 1"
        ).fetchall()
        loads = con.execute("select count(distinct loaded_at) from audit.load_log").fetchone()
    assert per_day == [(day, 2) for day in DAYS]
    assert loads == (1,)  # one run


def test_a_rejected_file_fails_its_asset_only(data_dir: Settings, deliver) -> None:
    day = DAYS[0]
    deliver("pos", [ex.pos_row(1)], encoding="utf-8")  # wrong encoding
    deliver("pos", [ex.pos_row(2)], name="KASSA_20250304_b.csv")  # a good second file
    deliver("shop", [ex.shop_row(1001)])
    deliver("email", [ex.email_row(1)])
    assets = [_asset("pos__receipt_lines"), _asset("shop__orders"), _asset("email__events")]
    result = dg.materialize(assets, partition_key=day, raise_on_error=False)
    assert not result.success
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert [e.step_key for e in failures] == ["raw__pos__receipt_lines"]
    message = failures[0].event_specific_data.error.message
    assert f"pos/{day}/KASSA_20250304.csv" in message
    assert "wrong encoding: the file is UTF-8, expected Latin-1" in message
    assert "export the file in Latin-1" in message
    materialized = {e.asset_key.path[1] for e in result.get_asset_materialization_events()}
    assert materialized == {"shop__orders", "email__events"}
    with duckdb.connect(str(data_dir.build_db), read_only=True) as con:
        # the other file of the failing partition was still loaded
        assert con.execute("select count(*) from raw.pos__receipt_lines").fetchone() == (1,)
        status = con.execute(
            "select file, status from audit.load_log where source = 'pos' order by file"
        ).fetchall()
    assert status == [
        (f"pos/{day}/KASSA_20250304.csv", "rejected"),
        (f"pos/{day}/KASSA_20250304_b.csv", "loaded"),
    ]
