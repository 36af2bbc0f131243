"""Memory does not grow with --days: peak RSS of a 60-day run is close to a 20-day run's.

Each run is the simulator benchmark in a fresh process (`python -m
orchestration.bench.simulate`), which reports ru_maxrss of itself and of the web worker and
the sampled peak of the whole process tree. Both runs start on 2025-08-01: August and
September have no sale, Black Friday or December peak, so a day's volume is about the same
in both and any growth would come from keeping past days. 20,000 customers is large enough
for the web worker process to be used (as in production-size runs).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.config import PROJECT_DIR

CUSTOMERS = 20_000
MAX_RATIO = 1.3


def bench(days: int, out: Path) -> dict:
    args = [
        sys.executable,
        "-m",
        "orchestration.bench.simulate",
        f"--customers={CUSTOMERS}",
        f"--days={days}",
        "--start=2025-08-01",
        f"--json={out}",
    ]
    result = subprocess.run(args, cwd=PROJECT_DIR, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(out.read_text())


@pytest.mark.slow
def test_peak_memory_does_not_grow_with_days(tmp_path: Path) -> None:
    short, long = bench(20, tmp_path / "short.json"), bench(60, tmp_path / "long.json")
    assert short["web_worker_seconds"] is not None and long["web_worker_seconds"] is not None
    # the comparison is fair only if a day is about as busy in both runs
    per_day = (long["records"]["web"] / 60) / (short["records"]["web"] / 20)
    assert 0.8 < per_day < 1.25, per_day
    for part in ("main", "web_worker", "tree_sampled"):
        a, b = short["peak_rss_bytes"][part], long["peak_rss_bytes"][part]
        if a is None:  # no /proc to sample (not Linux)
            continue
        assert b / a < MAX_RATIO, f"{part}: {a / 2**20:.0f} MiB -> {b / 2**20:.0f} MiB"
