"""dbt's unit tests (the `unit_tests:` of the models' YAML): the tricky rules on fixed inputs.

Production builds leave them out (`--exclude-resource-type unit_test`, defs/build_chunks.py):
their inputs are fixtures, so the day's data cannot make them fail. They run here instead,
against a copy of the test warehouse, whose tables give dbt the column types of each
model's inputs.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from orchestration.defs.build_chunks import dbt_steps
from tests.project_cli import run_cli
from tests.warehouse.conftest import Warehouse


def test_production_builds_leave_unit_tests_out(warehouse: Warehouse) -> None:
    steps = dbt_steps(warehouse.first, warehouse.last, 7)
    final = steps[-1].args()
    assert final[final.index("--exclude-resource-type") + 1] == "unit_test"
    # chunks select models and seeds only, so no test of any kind
    assert all("unit_test" not in s.args() and s.chunk for s in steps[:-1])


def test_every_dbt_unit_test_passes(warehouse: Warehouse, tmp_path: Path) -> None:
    build_db = tmp_path / "build.duckdb"
    shutil.copyfile(warehouse.cfg.build_db, build_db)  # dbt must not write the shared one
    target = tmp_path / "target"
    dbt_vars = {"min_date": str(warehouse.last), "max_date": str(warehouse.last)}
    command = ["dbt", "test", "--select", "test_type:unit", "--vars", json.dumps(dbt_vars)]
    command += ["--target-path", str(target), "--log-path", str(tmp_path / "logs")]
    # checked last: first the results, which name the unit tests that failed
    result = run_cli(command, {**os.environ, "OMNIKPI_BUILD_DB": str(build_db)}, check=False)
    manifest = json.loads((target / "manifest.json").read_text())
    results = [
        r
        for r in json.loads((target / "run_results.json").read_text())["results"]
        if r["unique_id"].startswith("unit_test.")  # not the project's on-run hooks
    ]
    declared = set(manifest["unit_tests"])
    assert len(declared) >= 18  # the project's unit tests, none lost from the YAML
    assert {r["unique_id"] for r in results} == declared
    failed = [
        f"{r['unique_id']}: {r['status']} {r.get('message')}"
        for r in results
        if r["status"] != "pass"
    ]
    assert not failed, "\n".join(failed)
    assert result.returncode == 0, result.stdout[-4000:]
