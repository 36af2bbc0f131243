"""Every DuckDB the pipeline opens (loaders, publish, checks, dbt) gets the same settings:
threads, memory limit, and buffer memory kept mapped up to that limit."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

from orchestration.config import Settings, block_allocator_memory
from orchestration.loaders.engine import connect
from orchestration.serving.db import connect_build
from tests.project_cli import run_cli

SETTINGS = (
    "select current_setting('threads') as threads,"
    " current_setting('memory_limit') as memory_limit,"
    " current_setting('block_allocator_memory') as kept"
)


def test_buffers_are_kept_up_to_an_absolute_memory_limit() -> None:
    assert block_allocator_memory("4GB") == "4GB"
    assert block_allocator_memory("1500MiB") == "1500MiB"


def test_a_percentage_memory_limit_keeps_none() -> None:
    # DuckDB 2.0 aborts the whole process on block_allocator_memory = '50%'
    assert block_allocator_memory("50%") == "0B"
    assert block_allocator_memory(" 80 % ") == "0B"


def test_the_loaders_and_the_publish_open_duckdb_with_them(data_dir: Settings) -> None:
    cfg = dataclasses.replace(data_dir, duckdb_threads=1, duckdb_memory_limit="1500MB")
    with connect(cfg) as con:
        assert con.execute(SETTINGS).fetchone() == (1, "1.3 GiB", "1.3 GiB")
    with connect_build(cfg.build_db, read_only=True, cfg=cfg) as con:
        assert con.execute(SETTINGS).fetchone() == (1, "1.3 GiB", "1.3 GiB")
    with connect(dataclasses.replace(cfg, duckdb_memory_limit="10%")) as con:
        threads, limit, kept = con.execute(SETTINGS).fetchone()
        assert (threads, kept) == (1, "0 bytes") and limit.endswith("GiB")


@pytest.mark.slow
@pytest.mark.parametrize(("limit", "kept"), [("1500MB", "1.3 GiB"), ("10%", "0 bytes")])
def test_dbt_opens_duckdb_with_them(
    data_dir: Settings, tmp_path: Path, limit: str, kept: str
) -> None:
    env = {**os.environ, "OMNIKPI_DUCKDB_MEMORY_LIMIT": limit, "OMNIKPI_DUCKDB_THREADS": "1"}
    args = ["dbt", "show", "--inline", SETTINGS, "--output", "json", "--log-format", "json"]
    args += ["--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")]
    events = [json.loads(line) for line in run_cli(args, env).stdout.splitlines() if line]
    (shown,) = [e["data"]["preview"] for e in events if e["info"]["name"] == "ShowNode"]
    ((threads, limit_set, kept_set),) = [tuple(row.values()) for row in json.loads(shown)]
    assert (threads, kept_set) == (1, kept)
    assert limit_set == kept if kept != "0 bytes" else limit_set.endswith("GiB")
