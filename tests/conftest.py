"""Shared fixtures: every test gets its own data directory (landing, build and serving DBs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.config import Settings, settings


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Point OMNIKPI_DATA_DIR (read by the package and profiles.yml) at a fresh directory."""
    monkeypatch.setenv("OMNIKPI_DATA_DIR", str(tmp_path / "data"))
    for var in ("OMNIKPI_BUILD_DB", "OMNIKPI_SERVING_DB"):
        monkeypatch.delenv(var, raising=False)
    cfg = settings()
    cfg.ensure_dirs()
    return cfg
