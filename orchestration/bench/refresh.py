"""`omnikpi bench --size S|M`: what the daily refresh costs and how it grows (issue 9).

Simulates once per size (cached under `$OMNIKPI_DATA_DIR/bench/<size>/`), then measures in
one run, each stage with its wall time and the peak RSS of the whole process tree (this
process, dbt's subprocesses, DuckDB's threads):

- floor: DuckDB reading every landing file once (`count(*)` over `read_csv`/`read_json`
  with the loaders' options);
- loads alone: every source and day through the loaders into a fresh build database;
- dbt build alone: `dbt build` over the loaded history (in chunks when it is longer than
  `OMNIKPI_BUILD_CHUNK_DAYS`, as the Dagster asset runs it: defs/build_chunks.py);
- full backfill: the daily job (loads -> dbt build with tests -> publish) over the whole
  history but its last day, on fresh databases;
- daily refresh: the job for the last day, on top of the backfill (incremental).

Ratios: backfill / floor, daily / backfill, and each part's share of the backfill, from the
Dagster steps of the backfill itself (loads, dbt build with its tests, publish, the other
checks; the rest is Dagster's own run overhead). `--no-alone` skips the two "alone" stages,
which repeat the backfill's work (at size M they take as long as the backfill). The figures
go to the terminal and, with --json, to a file; docs/benchmarks.md records them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb

from orchestration.bench.loads import bare_read_sql
from orchestration.bench.simulate import TreeRss
from orchestration.config import PROJECT_DIR, Settings, environment_set, settings
from orchestration.defs.build_chunks import dbt_steps
from orchestration.loaders import SOURCES, load_partition
from orchestration.loaders.engine import connect

SIZES = {"S": (10_000, 90), "M": (100_000, 365), "XS": (1_000, 14)}
START = date(2025, 1, 6)  # a Monday: the history spans the sales and the December peak
SEED = 42
FLOORS = {"backfill_over_floor": 6.0, "daily_over_backfill": 0.10, "peak_rss_gib": 6.0}


@dataclass
class Stage:
    name: str
    seconds: float
    peak_rss_bytes: int
    detail: str = ""
    parts: dict[str, float] = field(default_factory=dict)  # seconds per kind of Dagster step
    # what made up the peak: (process, RSS bytes) at the sample, and when it came
    at_peak: list[tuple[str, int]] = field(default_factory=list)
    peak_after_seconds: float = 0.0


def bench_dir(size: str) -> Path:
    return settings().data_dir / "bench" / size


def ensure_exports(size: str, progress: bool = True) -> tuple[Path, date, date]:
    """Simulate the size once; reuse the exports while the configuration is the same."""
    from orchestration.simulator.run import MANIFEST, simulate

    customers, days = SIZES[size]
    folder = bench_dir(size)
    manifest = folder / "truth" / MANIFEST
    wanted = {"customers": customers, "days": days, "start": START.isoformat(), "seed": SEED}
    if manifest.exists():
        config = json.loads(manifest.read_text())["config"]
        if all(config.get(k) == v for k, v in wanted.items()):
            return folder, START, START + timedelta(days=days - 1)
    print(f"simulating size {size}: {customers:,} customers x {days} days (cached for reruns)")
    simulate(folder, customers, days, START, SEED, progress=progress)
    return folder, START, START + timedelta(days=days - 1)


@contextmanager
def measured(stages: list[Stage], name: str) -> Iterator[Stage]:
    stage = Stage(name, 0.0, 0)
    with TreeRss() as rss:
        began = time.perf_counter()
        yield stage
        stage.seconds = time.perf_counter() - began
    stage.peak_rss_bytes = rss.peak
    stage.at_peak, stage.peak_after_seconds = rss.at_peak, round(rss.peak_after, 1)
    stages.append(stage)
    print(f"  {name:<16} {stage.seconds:9.1f} s   peak {rss.peak / 2**30:5.2f} GiB  {stage.detail}")
    print(f"  {'':<16} peak {stage.peak_after_seconds:.0f} s in: {_processes(stage.at_peak)}")


def _processes(at_peak: list[tuple[str, int]]) -> str:
    return ", ".join(f"{command} {rss / 2**30:.2f} GiB" for command, rss in at_peak) or "-"


def floor(landing: Path) -> int:
    """Every landing file read once by DuckDB, one statement per source and date, with the
    loaders' DuckDB settings."""
    con = duckdb.connect(config=settings().duckdb_config)
    rows = 0
    for spec in SOURCES.values():
        for folder in sorted((landing / spec.source).glob("*")):
            files = sorted(folder.glob(spec.glob))
            if files:
                rows += con.execute(bare_read_sql(spec, files)).fetchone()[0]
    con.close()
    return rows


def load_everything(cfg: Settings, first: date, last: date) -> int:
    rows = 0
    con = connect(cfg)
    try:
        for spec in SOURCES.values():
            day = first
            while day <= last:
                report = load_partition(con, spec, day, cfg.landing_dir)
                rows += sum(f.rows_loaded for f in report.files)
                day += timedelta(days=1)
    finally:
        con.close()
    return rows


def dbt_build(first: date, last: date) -> None:
    """The dbt invocations the Dagster asset runs for first..last (chunks when long)."""
    dbt = Path(sys.executable).parent / "dbt"
    for step in dbt_steps(first, last, settings().build_chunk_days):
        subprocess.run(
            [str(dbt), *step.args(), "-q"],
            cwd=PROJECT_DIR,
            env={**os.environ, **step.env()},
            check=True,
            stdout=subprocess.DEVNULL,
        )


def refresh(stage: Stage, first: date, last: date) -> None:
    from rich.console import Console

    from orchestration.refresh import run_refresh

    outcome = run_refresh(first, last, console=Console(quiet=True))
    if not outcome.ok:
        raise RuntimeError(f"refresh {first}..{last} failed: {outcome.reason}")
    stage.detail = f"{len(outcome.warnings)} warning(s)"
    stage.parts = step_kinds(outcome.step_seconds)


def step_kinds(step_seconds: Mapping[str, float]) -> dict[str, float]:
    """Sum the Dagster steps' seconds by kind (step keys follow the asset names)."""
    kinds: dict[str, float] = dict.fromkeys(("loads", "dbt build", "publish", "other checks"), 0)
    for step, seconds in step_seconds.items():
        if step.startswith("raw__"):
            kinds["loads"] += seconds
        elif "dbt" in step:
            kinds["dbt build"] += seconds
        elif step.startswith("serving"):
            kinds["publish"] += seconds
        else:
            kinds["other checks"] += seconds
    return {k: round(v, 2) for k, v in kinds.items()}


@contextmanager
def fresh_databases(folder: Path, label: str, keep: bool = True) -> Iterator[Settings]:
    """Point the build and serving databases at an empty scratch folder (removed after
    unless `keep`: at size M each build database takes several GB of the disk)."""
    run_dir = folder / "runs" / label
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    paths = {
        "OMNIKPI_DATA_DIR": str(folder),
        "OMNIKPI_BUILD_DB": str(run_dir / "build.duckdb"),
        "OMNIKPI_SERVING_DB": str(run_dir / "serving.duckdb"),
    }
    try:
        with environment_set(paths):
            cfg = settings()
            cfg.ensure_dirs()
            yield cfg
    finally:
        if not keep:
            shutil.rmtree(run_dir, ignore_errors=True)


def run(size: str, alone: bool = True) -> dict[str, object]:
    folder, first, last = ensure_exports(size)
    landing = folder / "landing"
    stages: list[Stage] = []
    print(f"benchmark size {size}: {first}..{last}, DuckDB memory_limit "
          f"{settings().duckdb_memory_limit}, threads {settings().duckdb_threads}")  # fmt: skip

    with measured(stages, "floor") as stage:
        stage.detail = f"{floor(landing):,} rows read"
    if alone:
        with fresh_databases(folder, "stages", keep=False) as cfg:
            with measured(stages, "loads alone") as stage:
                stage.detail = f"{load_everything(cfg, first, last):,} rows loaded"
            with measured(stages, "dbt build alone") as stage:
                dbt_build(first, last)
    with fresh_databases(folder, "backfill"):
        with measured(stages, "full backfill") as stage:
            refresh(stage, first, last - timedelta(days=1))
        with measured(stages, "daily refresh") as stage:
            refresh(stage, last, last)

    by = {s.name: s for s in stages}
    backfill = by["full backfill"]
    ratios = {
        "backfill_over_floor": backfill.seconds / by["floor"].seconds,
        "daily_over_backfill": by["daily refresh"].seconds / backfill.seconds,
        **{f"{kind} share": sec / backfill.seconds for kind, sec in backfill.parts.items()},
        # the rest: time outside every step (the run's set-up, Dagster's bookkeeping)
        "outside steps share": 1 - sum(backfill.parts.values()) / backfill.seconds,
        "peak_rss_gib": max(s.peak_rss_bytes for s in stages) / 2**30,
    }
    return {
        "size": size,
        "customers": SIZES[size][0],
        "days": SIZES[size][1],
        "measured_on": date.today().isoformat(),
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, {_memory_gib():.0f} GiB",
        "load_average": _load_average(),
        "stages": [asdict(s) for s in stages],
        "ratios": {k: round(v, 3) for k, v in ratios.items()},
        "floors": FLOORS,
        "floors_met": {
            "backfill_over_floor": ratios["backfill_over_floor"] <= FLOORS["backfill_over_floor"],
            "daily_over_backfill": ratios["daily_over_backfill"] <= FLOORS["daily_over_backfill"],
            "peak_rss_gib": ratios["peak_rss_gib"] <= FLOORS["peak_rss_gib"],
        },
    }


def _memory_gib() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        return 0.0


def _load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def print_figures(figures: dict[str, object], echo: Callable[[str], None] = print) -> None:
    echo("")
    echo(f"size {figures['size']}: {figures['customers']:,} customers x {figures['days']} days, "
         f"{figures['machine']}, load average {figures['load_average']}")  # fmt: skip
    echo(f"{'stage':<16} {'seconds':>9} {'peak GiB':>9}")
    for stage in figures["stages"]:
        echo(f"{stage['name']:<16} {stage['seconds']:9.1f} {stage['peak_rss_bytes'] / 2**30:9.2f}")
        for kind, seconds in stage.get("parts", {}).items():
            echo(f"  {kind:<14} {seconds:9.1f}")
        if stage.get("at_peak"):
            echo(f"  peak {stage['peak_after_seconds']:.0f} s in: {_processes(stage['at_peak'])}")
    echo("")
    for key, value in figures["ratios"].items():
        floor_value = FLOORS.get(key)
        verdict = ""
        if floor_value is not None:
            verdict = (
                f"  (floor {floor_value}: {'met' if figures['floors_met'][key] else 'MISSED'})"
            )
        echo(f"{key:<22} {value:8.3f}{verdict}")


def bench_command(args: argparse.Namespace) -> int:
    figures = run(args.size, alone=not args.no_alone)
    print_figures(figures)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    return 0
