"""The dbt CLI resource: dagster-dbt's, without its per-step `dbt --version` and adapter."""

from __future__ import annotations

from pathlib import Path

from dagster_dbt import DbtCliResource

from orchestration.defs.dbt_project import dbt_project
from orchestration.defs.resources import OmnikpiDbtCliResource, dbt_executable, dbt_resource


def test_the_version_from_package_metadata_is_the_one_dbt_reports() -> None:
    ours = dbt_resource(dbt_project)
    assert isinstance(ours, OmnikpiDbtCliResource)
    # dagster-dbt's own way: run `dbt --version` and parse it
    asked = DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())
    assert ours._cli_version == asked._cli_version
    assert ours._cli_version.major == 1  # dbt Core, so dagster-dbt takes its dbt-core path


def test_another_dbt_executable_is_asked_for_its_version(tmp_path: Path) -> None:
    other_dbt = tmp_path / "dbt"
    other_dbt.write_text("#!/bin/sh\necho 'Core:'\necho '  - installed: 9.8.7'\n")
    other_dbt.chmod(0o755)
    other = OmnikpiDbtCliResource(project_dir=dbt_project, dbt_executable=str(other_dbt))
    assert str(other._cli_version) == "9.8.7"


def test_no_in_process_adapter_is_built() -> None:
    assert dbt_resource(dbt_project)._initialize_dbt_core_adapter(["build"]) is None
