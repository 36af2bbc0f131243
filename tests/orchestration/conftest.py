"""Fixtures for the daily-refresh tests: landing data, a published warehouse to copy."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.config import Settings, settings

# Small on purpose: each dbt invocation costs ~10-15 s on the 2-core machine.
SIM_CUSTOMERS = 40
SIM_DAYS = 2
SIM_START = date(2025, 11, 3)


@dataclass(frozen=True)
class Landing:
    first: date
    last: date
    # None: every load asset; else only these (the skeleton sample has only a shop file)
    only_loads: list[dg.AssetKey] | None


def have_simulator() -> bool:
    # OMNIKPI_TESTS_WITHOUT_SIMULATOR=1 runs these tests on the skeleton sample only
    if os.environ.get("OMNIKPI_TESTS_WITHOUT_SIMULATOR"):
        return False
    try:
        from orchestration.simulator.run import simulate  # noqa: F401
    except ImportError:
        return False
    return True


def write_landing(cfg: Settings) -> Landing:
    """A few days of exports: the simulator's when it exists, else the skeleton shop file."""
    if have_simulator():
        from orchestration.simulator.run import simulate

        simulate(cfg.data_dir, customers=SIM_CUSTOMERS, days=SIM_DAYS, start=SIM_START, seed=7)
        return Landing(SIM_START, SIM_START + timedelta(days=SIM_DAYS - 1), None)
    from orchestration.loaders.samples import SKELETON_DAY, SKELETON_FILE, SKELETON_SHOP_CSV

    folder = cfg.landing_dir / "shop" / SKELETON_DAY
    folder.mkdir(parents=True, exist_ok=True)
    (folder / SKELETON_FILE).write_text(SKELETON_SHOP_CSV)
    day = date.fromisoformat(SKELETON_DAY)
    return Landing(day, day, [dg.AssetKey(["raw", "shop__orders"])])


def use_data_dir(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> Settings:
    monkeypatch.setenv("OMNIKPI_DATA_DIR", str(data_dir))
    for var in ("OMNIKPI_BUILD_DB", "OMNIKPI_SERVING_DB", "DAGSTER_HOME"):
        monkeypatch.delenv(var, raising=False)
    cfg = settings()
    cfg.ensure_dirs()
    return cfg


@pytest.fixture(autouse=True)
def _no_dagster_home(monkeypatch: pytest.MonkeyPatch) -> None:
    # CLI runs use DAGSTER_HOME's instance when set; tests always use a throwaway one.
    monkeypatch.delenv("DAGSTER_HOME", raising=False)


@dataclass(frozen=True)
class Published:
    """A data directory after one successful refresh (copy it before changing it)."""

    data_dir: Path
    landing: Landing


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Published]:
    from orchestration.refresh import run_refresh

    data_dir = tmp_path_factory.mktemp("published") / "data"
    with pytest.MonkeyPatch.context() as mp:
        cfg = use_data_dir(mp, data_dir)
        landing = write_landing(cfg)
        outcome = run_refresh(landing.first, landing.last, only_loads=landing.only_loads)
        assert outcome.ok, outcome.reason
    yield Published(data_dir, landing)


def copy_published(published: Published, cfg: Settings) -> None:
    """Copy the published state (landing, build and serving DBs) into `cfg`'s data dir."""
    for part in ("landing", "warehouse", "serving"):
        shutil.copytree(published.data_dir / part, cfg.data_dir / part, dirs_exist_ok=True)


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def table_checksums(db: Path) -> dict[str, tuple[int, str]]:
    """(rows, order-independent content hash) of every table outside `meta`."""
    out = {}
    with duckdb.connect(str(db), read_only=True) as con:
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where schema_name <> 'meta' "
            "order by 1, 2"
        ).fetchall()
        for schema, table in tables:
            rows, digest = con.execute(
                f'select count(*), coalesce(sum(hash(t)), 0)::varchar from "{schema}"."{table}" t'
            ).fetchone()
            out[f"{schema}.{table}"] = (rows, digest)
    return out
