"""CI runs exactly the README's test command, and fails when a model is broken."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.config import PROJECT_DIR

README = (PROJECT_DIR / "README.md").read_text()


def _fenced_command(marker: str) -> str:
    match = re.search(rf"<!-- {marker} -->\n```\n(.+)\n```", README)
    assert match, f"README lacks a fenced command after <!-- {marker} -->"
    return match.group(1)


def test_readme_has_exactly_two_setup_commands() -> None:
    assert _fenced_command("demo-command") == "make demo"
    assert _fenced_command("test-command") == "make test"


def test_ci_script_reads_the_readme_test_command(tmp_path: Path) -> None:
    # Run .ci/run against a copy of the repo whose README test command is a probe.
    (tmp_path / ".ci").mkdir()
    shutil.copy(PROJECT_DIR / ".ci" / "run", tmp_path / ".ci" / "run")
    probe = "echo probe-ran && exit 7"
    (tmp_path / "README.md").write_text(README.replace("\nmake test\n", f"\n{probe}\n", 1))
    result = subprocess.run(
        ["bash", str(tmp_path / ".ci" / "run")], capture_output=True, text=True, check=False
    )
    assert "probe-ran" in result.stdout
    assert result.returncode == 7


def test_ci_script_fails_when_pytest_collects_nothing(tmp_path: Path) -> None:
    (tmp_path / ".ci").mkdir()
    shutil.copy(PROJECT_DIR / ".ci" / "run", tmp_path / ".ci" / "run")
    (tmp_path / "README.md").write_text(README.replace("\nmake test\n", "\nexit 5\n", 1))
    result = subprocess.run(
        ["bash", str(tmp_path / ".ci" / "run")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert "no tests" in result.stderr


@pytest.mark.slow
def test_a_broken_model_fails_dbt_parse(tmp_path: Path) -> None:
    # Copy the dbt project, break one model, and check dbt refuses it.
    project = tmp_path / "project"
    ignore = shutil.ignore_patterns("target", "data", ".venv", ".git", "logs", "__pycache__")
    shutil.copytree(PROJECT_DIR, project, ignore=ignore)
    broken = project / "models" / "marts" / "core" / "fct_orders.sql"
    broken.write_text(broken.read_text() + "\nselect * from {{ ref('no_such_model') }}\n")
    dbt = Path(sys.executable).parent / "dbt"
    result = subprocess.run(
        [str(dbt), "parse", "--no-partial-parse"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "no_such_model" in result.stdout + result.stderr
