"""Where things live. Every path derives from OMNIKPI_DATA_DIR (default ./data)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    build_db: Path
    serving_db: Path
    duckdb_threads: int
    duckdb_memory_limit: str
    # a longer dbt window builds its event-volume models in chunks (defs/build_chunks.py)
    build_chunk_days: int = 92

    @property
    def landing_dir(self) -> Path:
        return self.data_dir / "landing"

    @property
    def truth_dir(self) -> Path:
        return self.data_dir / "truth"

    def ensure_dirs(self) -> None:
        for path in (self.landing_dir, self.build_db.parent, self.serving_db.parent):
            path.mkdir(parents=True, exist_ok=True)


def settings() -> Settings:
    """Read the settings from the environment (the same variables profiles.yml reads)."""
    data_dir = Path(os.environ.get("OMNIKPI_DATA_DIR", PROJECT_DIR / "data")).resolve()
    build_db = Path(os.environ.get("OMNIKPI_BUILD_DB", data_dir / "warehouse" / "build.duckdb"))
    serving_db = Path(os.environ.get("OMNIKPI_SERVING_DB", data_dir / "serving" / "omnikpi.duckdb"))
    return Settings(
        data_dir=data_dir,
        build_db=build_db.resolve(),
        serving_db=serving_db.resolve(),
        duckdb_threads=int(os.environ.get("OMNIKPI_DUCKDB_THREADS", "2")),
        duckdb_memory_limit=os.environ.get("OMNIKPI_DUCKDB_MEMORY_LIMIT", "4GB"),
        build_chunk_days=int(os.environ.get("OMNIKPI_BUILD_CHUNK_DAYS", "92")),
    )


@contextmanager
def environment_set(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the body's duration, then restore the previous values
    (unset again those that were not set)."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
