"""Publishing on real DuckDB files (no dbt needed): atomic swap, gate, PII guard, DuckDB 1.x."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest
from conftest import file_sha256

from orchestration.config import PROJECT_DIR, Settings
from orchestration.serving import gate
from orchestration.serving.pii import name_violation
from orchestration.serving.publish import PublishBlocked, PublishError, publish


def _manifest(*models: tuple[str, str, dict]) -> dict:
    """A minimal dbt manifest: public models (schema, name, column meta) and one test."""
    nodes = {}
    for schema, name, columns in models:
        nodes[f"model.omnikpi.{name}"] = {
            "unique_id": f"model.omnikpi.{name}",
            "resource_type": "model",
            "name": name,
            "schema": schema,
            "alias": name,
            "access": "public",
            "config": {"materialized": "table", "access": "public"},
            "fqn": ["omnikpi", "marts", "decision", name],
            "columns": columns,
        }
    nodes["test.omnikpi.unique_kpi_day"] = {
        "unique_id": "test.omnikpi.unique_kpi_day",
        "resource_type": "test",
        "name": "unique_kpi_day",
        "attached_node": "model.omnikpi.kpi_orders_daily",
        "depends_on": {"nodes": ["model.omnikpi.kpi_orders_daily"]},
    }
    return {"nodes": nodes, "sources": {}}


ORDERS_KPI = {"name": "Orders", "formula": "count(distinct order_id)", "sources": ["shop"]}
MANIFEST = _manifest(
    ("marts", "kpi_orders_daily", {"orders": {"name": "orders", "meta": {"kpi": ORDERS_KPI}}})
)


def _build(cfg: Settings, orders: int, extra_sql: str = "") -> None:
    with duckdb.connect(str(cfg.build_db)) as con:
        con.execute("create schema if not exists marts")
        con.execute(
            "create or replace table marts.kpi_orders_daily as select "
            "date '2025-03-04' + cast(range as integer) as date, cast(? as bigint) as orders, "
            "0.25 as email_click_rate from range(3)",
            [orders],
        )
        con.execute("create schema if not exists staging")
        con.execute("create or replace table staging.secret as select 'a@b.nl' as email")
        if extra_sql:
            con.execute(extra_sql)


# A fact published incrementally: dbt-incremental with a unique key, rows stamped _built_at.
SALES = "model.omnikpi.fct_sales"
SALES_MANIFEST = {
    "nodes": {
        **MANIFEST["nodes"],
        SALES: {
            "unique_id": SALES,
            "resource_type": "model",
            "name": "fct_sales",
            "schema": "marts",
            "alias": "fct_sales",
            "access": "public",
            "config": {"materialized": "incremental", "unique_key": "sale_id"},
            "fqn": ["omnikpi", "marts", "core", "fct_sales"],
            "columns": {},
        },
    },
    "sources": {},
}


def _sales_backfill(cfg: Settings) -> None:
    """Three days of two sales each, built by one run."""
    with duckdb.connect(str(cfg.build_db)) as con:
        con.execute(
            "create table marts.fct_sales as select 's' || range as sale_id, "
            "date '2025-03-04' + cast(range // 2 as integer) as sale_date, "
            "cast(range as decimal(18, 2)) as amount, "
            "timestamp '2025-03-07 06:00:00' as _built_at from range(6)"
        )


def _sales_daily_run(cfg: Settings) -> None:
    """What a dbt run does to it: the window (the last day) deleted and rebuilt with one
    sale fewer (two merged into one), and an older sale rebuilt by its key."""
    stamp = "timestamp '2025-03-08 06:00:00'"
    with duckdb.connect(str(cfg.build_db)) as con:
        con.execute(
            "create schema if not exists audit; create table if not exists "
            "audit.dbt_window_deletes (schema_name varchar, table_name varchar, "
            "date_column varchar, from_date date, to_date date, deleted_at timestamp)"
        )
        con.execute(
            "insert into audit.dbt_window_deletes values ('marts', 'fct_sales', 'sale_date', "
            f"date '2025-03-06', date '2025-03-07', {stamp})"
        )
        con.execute(
            "delete from marts.fct_sales where sale_date between '2025-03-06' and '2025-03-07'"
        )
        con.execute("delete from marts.fct_sales where sale_id = 's1'")
        con.execute(
            f"insert into marts.fct_sales values ('s4m', '2025-03-06', 9, {stamp}), "
            f"('s1', '2025-03-04', 100, {stamp}), ('s6', '2025-03-07', 6, {stamp})"
        )


def _served_sales(cfg: Settings) -> list:
    return _read_in_new_process(cfg.serving_db, "select * from marts.fct_sales order by sale_id")


def test_a_stamped_fact_is_updated_in_a_copy_of_the_served_file(data_dir: Settings) -> None:
    _build(data_dir, orders=5)
    _sales_backfill(data_dir)
    first = publish(SALES_MANIFEST)
    assert (first.updated, first.tables["marts.fct_sales"]) == ([], 6)
    reader = duckdb.connect(str(data_dir.serving_db), read_only=True)

    _build(data_dir, orders=7)
    _sales_daily_run(data_dir)
    second = publish(SALES_MANIFEST)

    assert (second.updated, dict(second.recopied)) == (["marts.fct_sales"], {})
    # the served fact is the built one, without the stamp column
    with duckdb.connect(str(data_dir.build_db), read_only=True) as con:
        built = con.execute(
            "select sale_id, sale_date, amount from marts.fct_sales order by sale_id"
        ).fetchall()
    assert [(r[0], r[1], float(r[2])) for r in built] == [
        ("s0", date(2025, 3, 4), 0.0), ("s1", date(2025, 3, 4), 100.0),
        ("s2", date(2025, 3, 5), 2.0), ("s3", date(2025, 3, 5), 3.0),
        ("s4m", date(2025, 3, 6), 9.0), ("s6", date(2025, 3, 7), 6.0),
    ]  # fmt: skip
    assert _served_sales(data_dir) == [[r[0], str(r[1]), str(r[2])] for r in built]
    # the tables that are not stamped were copied whole, from this build
    assert _read_in_new_process(
        data_dir.serving_db, "select sum(orders) from marts.kpi_orders_daily"
    ) == [[21]]
    # a reader of the old version still reads it
    assert reader.execute("select count(*) from marts.fct_sales").fetchone()[0] == 6
    reader.close()


def test_a_full_publish_and_a_restored_build_copy_the_fact_whole(data_dir: Settings) -> None:
    _build(data_dir, orders=5)
    _sales_backfill(data_dir)
    publish(SALES_MANIFEST)
    _sales_daily_run(data_dir)
    assert publish(SALES_MANIFEST, full=True).updated == []
    # the build restored from before the served watermark: nothing looks new, so whole
    with duckdb.connect(str(data_dir.build_db)) as con:
        con.execute("drop table marts.fct_sales; drop table audit.dbt_window_deletes")
    _sales_backfill(data_dir)
    restored = publish(SALES_MANIFEST)
    assert restored.updated == [] and restored.tables["marts.fct_sales"] == 6


def _read_in_new_process(path: Path, sql: str) -> list:
    code = (
        "import duckdb, json, sys; "
        "c = duckdb.connect(sys.argv[1], read_only=True); "
        "print(json.dumps(c.execute(sys.argv[2]).fetchall(), default=str))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path), sql], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_publish_copies_public_models_and_meta(data_dir: Settings) -> None:
    _build(data_dir, orders=5)
    result = publish(MANIFEST, min_date="2025-03-04", max_date="2025-03-06", dagster_run_id="r1")
    assert result.tables == {"marts.kpi_orders_daily": 3}
    with duckdb.connect(str(data_dir.serving_db), read_only=True) as con:
        tables = con.execute(
            "select schema_name || '.' || table_name from duckdb_tables() order by 1"
        ).fetchall()
        meta = con.execute(
            "select min_date, max_date, dagster_run_id, tables from meta.published"
        ).fetchone()
        phase = con.execute("select phase from meta.published_tables").fetchone()[0]
        kpis = con.execute('select folder, model, "column", kpi, formula from meta.kpis').fetchall()
    # only public models and meta: staging (with its raw e-mail) never reaches serving
    assert [t[0] for t in tables] == [
        "marts.kpi_orders_daily",
        "meta.kpis",
        "meta.published",
        "meta.published_tables",
    ]
    # the KPI definitions travel with the numbers, straight from the column's meta.kpi
    assert kpis == [
        ("decision", "kpi_orders_daily", "orders", "Orders", "count(distinct order_id)")
    ]
    assert (str(meta[0]), str(meta[1]), meta[2], meta[3]) == (
        "2025-03-04",
        "2025-03-06",
        "r1",
        ["marts.kpi_orders_daily"],
    )
    assert phase == "decision"
    assert not list(data_dir.serving_db.parent.glob(".*.tmp"))  # no temp file left


def test_reader_opened_before_publish_keeps_reading_the_old_version(data_dir: Settings) -> None:
    _build(data_dir, orders=5)
    publish(MANIFEST)
    reader = duckdb.connect(str(data_dir.serving_db), read_only=True)
    before = reader.execute("select sum(orders) from marts.kpi_orders_daily").fetchone()[0]

    _build(data_dir, orders=7)
    publish(MANIFEST)

    # the open connection still reads, and reads the version it opened (old inode)
    assert reader.execute("select sum(orders) from marts.kpi_orders_daily").fetchone()[0] == 15
    assert before == 15
    reader.close()
    # a reader that opens now (a new process: DuckDB caches open databases per process)
    # sees the new version, complete
    assert _read_in_new_process(
        data_dir.serving_db, "select sum(orders), count(*) from marts.kpi_orders_daily"
    ) == [[21, 3]]


def test_failing_node_blocks_publish_and_leaves_serving_byte_identical(
    data_dir: Settings,
) -> None:
    _build(data_dir, orders=5)
    publish(MANIFEST)
    served = file_sha256(data_dir.serving_db)
    inode = data_dir.serving_db.stat().st_ino

    _build(data_dir, orders=9)
    with duckdb.connect(str(data_dir.build_db)) as con:
        gate.record_dbt_results(
            con,
            {
                "results": [
                    {"unique_id": "test.omnikpi.unique_kpi_day", "status": "fail", "failures": 2}
                ]
            },
            MANIFEST,
            dagster_run_id="r2",
            min_date="2025-03-04",
            max_date="2025-03-04",
        )
    with pytest.raises(PublishBlocked, match="unique_kpi_day on kpi_orders_daily"):
        publish(MANIFEST)
    assert file_sha256(data_dir.serving_db) == served
    assert data_dir.serving_db.stat().st_ino == inode

    # a failure of a test that no longer exists in the project does not block
    publish(_manifest(("marts", "kpi_orders_daily", {})) | {"nodes": {
        k: v for k, v in MANIFEST["nodes"].items() if k.startswith("model.")
    }})  # fmt: skip
    assert file_sha256(data_dir.serving_db) != served


def test_warning_is_recorded_not_blocking(data_dir: Settings) -> None:
    _build(data_dir, orders=5)
    with duckdb.connect(str(data_dir.build_db)) as con:
        gate.record_dbt_results(
            con,
            {
                "results": [
                    {"unique_id": "test.omnikpi.unique_kpi_day", "status": "warn", "failures": 1}
                ]
            },
            MANIFEST,
            dagster_run_id="r1",
            min_date=None,
            max_date=None,
        )
    result = publish(MANIFEST)
    assert [w.name for w in result.warnings] == ["unique_kpi_day"]


@pytest.mark.parametrize(
    ("column", "data_type", "meta", "refused"),
    [
        ("email", "VARCHAR", None, True),
        ("customer_phone", "BIGINT", None, True),
        ("first_name", "VARCHAR", None, True),
        ("shipping_address", "VARCHAR", None, True),
        ("email_hash", "VARCHAR", None, False),
        ("customer_email_key", "VARCHAR", None, False),
        ("email_click_rate", "DOUBLE", None, False),
        ("campaign_name", "VARCHAR", None, False),
        ("product_name", "VARCHAR", None, False),
        ("email_campaign_name", "VARCHAR", None, True),
        ("email_campaign_name", "VARCHAR", {"pii": False}, False),
    ],
)
def test_pii_name_rule(column: str, data_type: str, meta: dict | None, refused: bool) -> None:
    assert (name_violation(column, data_type, meta) is not None) is refused


def test_pii_guard_refuses_raw_identifiers(data_dir: Settings) -> None:
    _build(
        data_dir,
        orders=5,
        extra_sql="create or replace table marts.dim_people as select 'x@y.com ' as contact, "
        "'Anna' as first_name, md5('x') as email_hash",
    )
    publish(MANIFEST)
    served = file_sha256(data_dir.serving_db)
    manifest = _manifest(("marts", "kpi_orders_daily", {}), ("marts", "dim_people", {}))
    with pytest.raises(PublishError) as refused:
        publish(manifest)
    message = str(refused.value)
    assert "marts.dim_people.first_name" in message
    assert "marts.dim_people.contact (1 values look like e-mails)" in message
    assert "email_hash" not in message
    assert file_sha256(data_dir.serving_db) == served


def _uv() -> str:
    # `uv run` (make test) exports UV; else PATH or the Makefile's private copy
    candidates = [os.environ.get("UV"), shutil.which("uv")]
    candidates.append(str(PROJECT_DIR / ".uv-bootstrap" / "bin" / "uv"))
    found = next((c for c in candidates if c and Path(c).exists()), None)
    assert found, "uv not found (needed to run a DuckDB 1.x client)"
    return found


@pytest.mark.slow
@pytest.mark.parametrize("duckdb_spec", ["duckdb==1.0.0", "duckdb<2"])
def test_duckdb_1x_client_opens_the_serving_file(data_dir: Settings, duckdb_spec: str) -> None:
    _build(data_dir, orders=5)
    _sales_backfill(data_dir)
    publish(SALES_MANIFEST)
    _sales_daily_run(data_dir)
    # the second version is the first one's copy, changed in place: still readable by 1.x
    assert publish(SALES_MANIFEST).updated == ["marts.fct_sales"]
    code = (
        "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True); "
        "print(duckdb.__version__, c.execute('select sum(orders) from marts.kpi_orders_daily')"
        ".fetchone()[0], c.execute('select storage_version from meta.published').fetchone()[0], "
        "c.execute('select sum(amount) from marts.fct_sales').fetchone()[0])"
    )
    out = subprocess.run(
        [_uv(), "run", "--no-project", "--python", sys.executable, "--with", duckdb_spec,
         "python", "-c", code, str(data_dir.serving_db)],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    version, total, storage, sales = out.stdout.split()
    assert version.startswith("1.")
    assert (int(total), storage, float(sales)) == (15, "v1.0.0", 0 + 100 + 2 + 3 + 9 + 6)
