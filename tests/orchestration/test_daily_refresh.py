"""The daily refresh through the real Dagster job and real dbt builds (slow)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from conftest import (
    Published,
    copy_published,
    file_sha256,
    have_simulator,
    table_checksums,
    write_landing,
)

from orchestration.cli import main
from orchestration.config import PROJECT_DIR, Settings
from orchestration.defs.build import build_defs
from orchestration.defs.dbt_project import load_manifest, make_dbt_project
from orchestration.kpis import SECTIONS
from orchestration.refresh import run_refresh
from orchestration.serving.manifest import public_models
from orchestration.serving.publish import PublishBlocked, publish
from tests.project_cli import run_cli

pytestmark = pytest.mark.slow


def _served_tables(db: Path) -> set[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "select schema_name || '.' || table_name from duckdb_tables() "
            "where schema_name <> 'meta'"
        ).fetchall()
    return {r[0] for r in rows}


def _published_meta(db: Path) -> dict:
    code = (
        "import duckdb, json, sys; c = duckdb.connect(sys.argv[1], read_only=True); "
        "r = c.execute('select published_at, min_date, max_date from meta.published').fetchone(); "
        "print(json.dumps([str(v) for v in r]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(db)], capture_output=True, text=True, check=True
    )
    at, first, last = json.loads(out.stdout)
    return {"published_at": at, "min_date": first, "max_date": last}


def test_refresh_publishes_every_public_mart(published: Published) -> None:
    serving = published.data_dir / "serving" / "omnikpi.duckdb"
    expected = {f"{m.schema}.{m.alias}" for m in public_models(load_manifest())}
    assert expected and _served_tables(serving) == expected
    meta = _published_meta(serving)
    assert (meta["min_date"], meta["max_date"]) == (
        str(published.landing.first),
        str(published.landing.last),
    )
    build = published.data_dir / "warehouse" / "build.duckdb"
    with duckdb.connect(str(build), read_only=True) as con:
        statuses = dict(
            con.execute(
                "select status, count(*) from audit.dbt_node_results group by all"
            ).fetchall()
        )
    assert set(statuses) <= {"success", "pass"}, statuses
    # the load-log snapshot the late-files sensor reads
    assert (published.data_dir / "warehouse" / "load_log.parquet").exists()


def test_rerun_gives_identical_marts_and_an_open_reader_keeps_reading(
    published: Published, data_dir: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy_published(published, data_dir)
    # the rerun goes the way of a long backfill: its first day as a chunk of the event
    # models, then the whole build (defs/build_chunks.py); the marts must not notice
    monkeypatch.setenv("OMNIKPI_BUILD_CHUNK_DAYS", "1")
    before = table_checksums(data_dir.serving_db)
    first_meta = _published_meta(data_dir.serving_db)
    reader = duckdb.connect(str(data_dir.serving_db), read_only=True)
    some_table = sorted(before)[0]
    seen = reader.execute(f"select count(*) from {some_table}").fetchone()[0]

    landing = published.landing
    if landing.only_loads is None:  # every source delivered: the CLI itself, exit code 0
        args = ["refresh", "--from", str(landing.first), "--to", str(landing.last)]
        assert main(args) == 0
    else:
        outcome = run_refresh(landing.first, landing.last, only_loads=landing.only_loads)
        assert outcome.ok, outcome.reason

    assert table_checksums(data_dir.serving_db) == before
    assert _published_meta(data_dir.serving_db)["published_at"] != first_meta["published_at"]
    # the copy of the served file the dbt step made was taken by the publish, not left behind
    assert not [p.name for p in data_dir.serving_db.parent.iterdir() if ".staged" in p.name]
    # the connection opened before the publish still works, on the version it opened
    assert reader.execute(f"select count(*) from {some_table}").fetchone()[0] == seen
    reader.close()


def _project_copy(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    ignore = shutil.ignore_patterns(
        "target", "data", ".venv", ".git", "logs", "__pycache__", ".tmp_dagster_home_*"
    )
    shutil.copytree(PROJECT_DIR, project, ignore=ignore)
    return project


def test_failing_error_test_blocks_publish_and_warnings_are_shown(
    published: Published, data_dir: Settings, tmp_path: Path
) -> None:
    copy_published(published, data_dir)
    landing = published.landing
    served = file_sha256(data_dir.serving_db)
    served_inode = data_dir.serving_db.stat().st_ino
    # two singular tests on a public mart that always return a row, so they always fail:
    # one with severity warn, one with dbt's default severity error
    with duckdb.connect(str(data_dir.serving_db), read_only=True) as con:
        mart = con.execute("select table_name from meta.published_tables limit 1").fetchone()[0]
    project = _project_copy(tmp_path)
    tests_dir = project / "tests" / "dbt"
    tests_dir.mkdir(parents=True, exist_ok=True)
    body = f"select count(*) as n from {{{{ ref('{mart}') }}}} having count(*) >= 0\n"
    (tests_dir / "assert_warn_on_purpose.sql").write_text("{{ config(severity='warn') }}\n" + body)
    (tests_dir / "assert_fail_on_purpose.sql").write_text(body)

    defs = build_defs(project)
    graph = defs.resolve_asset_graph()
    blocking = {
        key.name: graph.get_check_spec(key).blocking
        for key in graph.asset_check_keys
        if key.name.endswith("_on_purpose")
    }
    assert blocking == {"assert_fail_on_purpose": True, "assert_warn_on_purpose": False}

    outcome = run_refresh(landing.first, landing.last, defs=defs, only_loads=landing.only_loads)
    assert not outcome.ok
    assert "assert_fail_on_purpose" in outcome.reason
    assert "assert_warn_on_purpose" not in outcome.reason
    assert "\n" not in outcome.reason
    # the warning is recorded and shown, not a reason to fail
    assert any("assert_warn_on_purpose" in w for w in outcome.warnings), outcome.warnings
    # the served version is untouched: same bytes, same file
    assert file_sha256(data_dir.serving_db) == served
    assert data_dir.serving_db.stat().st_ino == served_inode

    # publishing alone later (e.g. from the UI) is still refused: the gate is in the data
    with pytest.raises(PublishBlocked, match="assert_fail_on_purpose"):
        publish(load_manifest(make_dbt_project(project)))
    assert file_sha256(data_dir.serving_db) == served


def test_refresh_cli_exit_codes(data_dir: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["refresh", "--date", "2024-02-01"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("omnikpi refresh: no landing files for 2024-02-01")
    assert "\n" not in err

    assert main(["refresh", "--to", "2024-02-01"]) == 2
    assert "--to needs --from" in capsys.readouterr().err

    # a delivery the loader rejects: the run fails, exit 1, one line saying why
    folder = data_dir.landing_dir / "shop" / "2024-02-01"
    folder.mkdir(parents=True)
    (folder / "orders_export_20240201.csv").write_text("this is not,the shop export\n1,2\n")
    assert main(["refresh", "--date", "2024-02-01"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("omnikpi refresh failed: ")
    assert "served version is unchanged" in err
    assert "\n" not in err
    assert not data_dir.serving_db.exists()


def _run_without_partition() -> dg.ExecuteInProcessResult:
    """The dbt and publish assets materialised with no partition, as from the asset graph."""
    from orchestration.definitions import defs

    job = defs.resolve_job_def("daily_refresh")
    keys = [k for k in job.asset_layer.selected_asset_keys if k.path[0] != "raw"]  # no loads
    return job.execute_in_process(
        asset_selection=keys, instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
    )


def test_dbt_assets_without_a_partition_and_nothing_loaded_fail_clearly(
    data_dir: Settings,
) -> None:
    result = _run_without_partition()
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    description = failure.step_failure_data.user_failure_data.description
    assert description.startswith("nothing loaded yet")
    assert "omnikpi refresh --date D" in description
    assert not data_dir.build_db.exists()  # it stopped before touching the warehouse


def test_dbt_assets_without_a_partition_build_the_latest_loaded_date(
    published: Published, data_dir: Settings
) -> None:
    """Nothing loaded since the last build: dbt rebuilds the latest date, publish says so."""
    copy_published(published, data_dir)
    result = _run_without_partition()
    assert result.success
    last = str(published.landing.last)
    meta = _published_meta(data_dir.serving_db)
    assert (meta["min_date"], meta["max_date"]) == (last, last)


def test_dagster_definitions_validate() -> None:
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    run_cli(["dagster", "definitions", "validate"], env, timeout=300)


@pytest.mark.skipif(not have_simulator(), reason="orchestration.simulator.run not there yet")
def test_demo_end_to_end(tmp_path: Path) -> None:
    """`omnikpi demo` on a fresh data dir: 1,000 customers x 14 days, every public mart."""
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "OMNIKPI_BUILD_DB")}
    env.pop("OMNIKPI_SERVING_DB", None)
    env["OMNIKPI_DATA_DIR"] = str(tmp_path / "data")
    env["COLUMNS"] = "120"
    started = time.monotonic()
    result = subprocess.run(
        [str(Path(sys.executable).parent / "omnikpi"), "demo"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    took = time.monotonic() - started
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for phase in ("awareness", "consideration", "decision", "service", "loyalty"):
        assert phase in result.stdout
    serving = tmp_path / "data" / "serving" / "omnikpi.duckdb"
    expected = {f"{m.schema}.{m.alias}" for m in public_models(load_manifest())}
    assert _served_tables(serving) == expected
    print(f"omnikpi demo took {took:.0f}s")


def test_landing_helper_is_loadable(data_dir: Settings) -> None:
    # the fixtures' landing data is what the loaders accept (cheap guard for the slow tests)
    landing = write_landing(data_dir)
    assert landing.first <= landing.last


def test_kpis_prints_each_phase_from_the_serving_db(
    published: Published, data_dir: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["kpis"]) == 1  # nothing published in this data dir yet
    assert "omnikpi refresh" in capsys.readouterr().err

    copy_published(published, data_dir)
    assert main(["kpis"]) == 0
    out = capsys.readouterr().out
    with duckdb.connect(str(data_dir.serving_db), read_only=True) as con:
        marts = con.execute("select folder, table_name from meta.published_tables").fetchall()
        last_day, orders = con.execute(
            "select date_day, orders from marts.decision_daily "
            "where date_day <= (select max_date from meta.published) "
            "order by date_day desc limit 1"
        ).fetchone()
    # every section, each with its day totals or its tables named
    for section in SECTIONS:
        assert section.replace("_", " ") in out
    for folder, table in marts:
        if folder in SECTIONS:
            assert table in out
    # the day's totals as the serving database holds them, with their definition
    assert f"marts.decision_daily, date_day = {last_day}" in out
    assert re.search(rf"│ Orders\s+│\s+{orders}\s+│ sum\(orders\)", out), out

    assert main(["kpis", "--phase", "nonsense"]) == 1
    assert "unknown phase 'nonsense'" in capsys.readouterr().err
