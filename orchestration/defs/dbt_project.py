"""The dbt project at the repository root, with a manifest kept fresh."""

from __future__ import annotations

from pathlib import Path

from dagster_dbt import DbtProject

from orchestration.config import PROJECT_DIR

dbt_project = DbtProject(project_dir=PROJECT_DIR)

_DBT_INPUTS = ("models", "macros", "seeds", "snapshots", "tests/dbt", "dbt_project.yml")


def _newest_input_mtime(root: Path) -> float:
    newest = 0.0
    for name in _DBT_INPUTS:
        path = root / name
        files = [path] if path.is_file() else path.rglob("*") if path.exists() else []
        for file in files:
            newest = max(newest, file.stat().st_mtime)
    return newest


def ensure_manifest() -> Path:
    """Parse the project when the manifest is missing or older than any model file."""
    manifest = dbt_project.manifest_path
    stale = not manifest.exists() or manifest.stat().st_mtime < _newest_input_mtime(PROJECT_DIR)
    if stale:
        dbt_project.preparer.prepare(dbt_project)
    return manifest
