"""Running this venv's command-line tools (dbt, mf, dagster) on the project, as a user would."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from orchestration.config import PROJECT_DIR

VENV_BIN = Path(sys.executable).parent


def run_cli(
    command: Sequence[str],
    env: Mapping[str, str],
    *,
    check: bool = True,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `command` (its first word a tool installed in this venv) in the project directory;
    with `check`, fail the test with the end of its output when it exits non-zero."""
    result = subprocess.run(
        [str(VENV_BIN / command[0]), *command[1:]],
        cwd=PROJECT_DIR,
        env=dict(env),
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
    if check:
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result
