"""The run window reaches dbt in the environment, so a daily run parses the project partially.

A new `--vars` makes dbt parse all 251 files again (6.6 s a run at size M); the window's
environment variables (macro run_var) re-parse only the files that read them. These tests
run real `dbt parse`s on the project, as dagster-dbt does: the project's stored parse is
copied into a fresh target folder, then dbt runs with the run's window.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.project_cli import run_cli

WINDOW_ENV = ("OMNIKPI_DBT_MIN_DATE", "OMNIKPI_DBT_MAX_DATE", "OMNIKPI_DBT_CHUNKED_FROM")
WEB_TEST = "test.omnikpi.not_null_stg_web__events_cookie_id"  # its `where` holds the window


def _parse(tmp: Path, target: str, window: dict[str, str], *extra: str) -> tuple[str, dict]:
    env = {k: v for k, v in os.environ.items() if k not in WINDOW_ENV}
    env |= {"OMNIKPI_BUILD_DB": str(tmp / "build.duckdb"), **window}
    command = ["dbt", "parse", "--target-path", str(tmp / target), "--log-path", str(tmp)]
    result = run_cli([*command, *extra], env)
    return result.stdout, json.loads((tmp / target / "manifest.json").read_text())


def _where(manifest: dict, prefix: str = WEB_TEST) -> str:
    (where,) = [n["config"]["where"] for k, n in manifest["nodes"].items() if k.startswith(prefix)]
    return where


def _seed_parse(tmp: Path, source: str, target: str) -> None:
    (tmp / target).mkdir()
    shutil.copyfile(tmp / source / "partial_parse.msgpack", tmp / target / "partial_parse.msgpack")


@pytest.mark.slow
def test_a_new_window_in_the_environment_parses_partially(tmp_path: Path) -> None:
    out, manifest = _parse(tmp_path, "stored", {})
    assert _where(manifest) == "event_date >= cast('1900-01-01' as date) - 3"  # all history

    _seed_parse(tmp_path, "stored", "daily")
    day = {"OMNIKPI_DBT_MIN_DATE": "2025-03-04", "OMNIKPI_DBT_MAX_DATE": "2025-03-04"}
    out, manifest = _parse(tmp_path, "daily", day)
    assert "Unable to do partial parsing" not in out
    perf = json.loads((tmp_path / "daily" / "perf_info.json").read_text())
    # measured: 22 of 251 files (the ones that read the window); a --vars change parses all
    assert 0 < perf["parsed_path_count"] < perf["path_count"] / 4
    # the files that read the window were parsed again: the test's `where` moved with it
    assert _where(manifest) == "event_date >= cast('2025-03-04' as date) - 3"
    stored = json.loads((tmp_path / "stored" / "manifest.json").read_text())
    assert manifest["nodes"].keys() == stored["nodes"].keys()


@pytest.mark.slow
def test_vars_given_by_hand_win_over_the_environment(tmp_path: Path) -> None:
    day = {"OMNIKPI_DBT_MIN_DATE": "2025-03-04", "OMNIKPI_DBT_MAX_DATE": "2025-03-04"}
    _, manifest = _parse(tmp_path, "by_hand", day, "--vars", '{"min_date": "2025-06-01"}')
    assert _where(manifest) == "event_date >= cast('2025-06-01' as date) - 3"
