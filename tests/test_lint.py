"""Style is part of the test suite: a lint error fails `make test`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from orchestration.config import PROJECT_DIR

BIN = Path(sys.executable).parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=PROJECT_DIR, capture_output=True, text=True, check=False)


def test_ruff_check() -> None:
    result = _run(str(BIN / "ruff"), "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format() -> None:
    result = _run(str(BIN / "ruff"), "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_sqlfluff_models() -> None:
    paths = [
        p for p in ("models", "analyses", "snapshots", "tests/dbt") if (PROJECT_DIR / p).exists()
    ]
    result = _run(str(BIN / "sqlfluff"), "lint", *paths, "--disable-progress-bar", "--nocolor")
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
