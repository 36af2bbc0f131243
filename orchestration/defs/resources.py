"""Resources: the dbt CLI on the project at the repository root (or a given copy of it)."""

import shutil
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject


def dbt_executable() -> str:
    # the venv's dbt, also when the venv is not on PATH (python -m, IDEs, the daemon)
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def dbt_resource(project: DbtProject) -> DbtCliResource:
    return DbtCliResource(project_dir=project, dbt_executable=dbt_executable())
