"""A warehouse built the real way, once per test session: simulated exports, then the daily
job (Dagster load assets -> dbt build with tests -> publish) over the whole range."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration.config import Settings, settings

CUSTOMERS = 5000
DAYS = 28
START = date(2025, 10, 20)  # crosses the end of summer time (26 October)
SEED = 8


@dataclass(frozen=True)
class Warehouse:
    cfg: Settings
    first: date
    last: date

    @property
    def truth(self) -> Path:
        return self.cfg.truth_dir

    def build(self) -> duckdb.DuckDBPyConnection:
        """A read-only connection to the build database, with the truth files attachable."""
        return duckdb.connect(str(self.cfg.build_db), read_only=True)

    def truth_file(self, name: str) -> str:
        return (self.cfg.truth_dir / name).as_posix()


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    from orchestration.refresh import run_refresh
    from orchestration.simulator.run import simulate

    data_dir = tmp_path_factory.mktemp("warehouse") / "data"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OMNIKPI_DATA_DIR", str(data_dir))
        for var in ("OMNIKPI_BUILD_DB", "OMNIKPI_SERVING_DB"):
            patch.delenv(var, raising=False)
        cfg = settings()
        cfg.ensure_dirs()
        last = START + timedelta(days=DAYS - 1)
        simulate(cfg.data_dir, customers=CUSTOMERS, days=DAYS, start=START, seed=SEED)
        outcome = run_refresh(START, last)
        assert outcome.ok, f"the daily job failed: {outcome.reason}"
        yield Warehouse(cfg, START, last)
