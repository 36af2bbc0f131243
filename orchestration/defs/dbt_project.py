"""The dbt project at the repository root, with a manifest kept fresh."""

from __future__ import annotations

import json
import os
import sys
from functools import cache
from pathlib import Path
from typing import Any

from dagster_dbt import DbtProject

from orchestration.config import PROJECT_DIR

_DBT_INPUTS = ("models", "macros", "seeds", "snapshots", "tests/dbt", "dbt_project.yml")


@cache
def make_dbt_project(project_dir: Path = PROJECT_DIR) -> DbtProject:
    """One DbtProject per directory (tests build definitions on a temp copy of the project)."""
    return DbtProject(project_dir=project_dir)


dbt_project = make_dbt_project(PROJECT_DIR)


def _newest_input_mtime(root: Path) -> float:
    newest = 0.0
    for name in _DBT_INPUTS:
        path = root / name
        files = [path] if path.is_file() else path.rglob("*") if path.exists() else []
        for file in files:
            newest = max(newest, file.stat().st_mtime)
    return newest


def ensure_dbt_on_path() -> None:
    """Put this interpreter's bin (where `dbt` is installed) on PATH for dagster-dbt.

    dagster-dbt's manifest preparer looks `dbt` up on PATH; `python -m`, IDEs and the
    Dagster daemon do not always have the venv activated.
    """
    bin_dir = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if (Path(bin_dir) / "dbt").exists() and bin_dir not in path.split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([bin_dir, path]) if path else bin_dir


def ensure_manifest(project: DbtProject = dbt_project) -> Path:
    """Parse the project when the manifest is missing or older than any model file."""
    ensure_dbt_on_path()
    manifest = project.manifest_path
    stale = not manifest.exists() or manifest.stat().st_mtime < _newest_input_mtime(
        Path(project.project_dir)
    )
    if stale:
        project.preparer.prepare(project)
    return manifest


def load_manifest(project: DbtProject = dbt_project) -> dict[str, Any]:
    return json.loads(ensure_manifest(project).read_text())
