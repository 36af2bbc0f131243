"""Benchmark the loaders: rows per second per source, and load time / bare DuckDB read time.

    uv run python -m orchestration.bench.loads [--customers N --days D] [--synthetic]

Exports come from the simulator (`orchestration.simulator.run.simulate`) when it is
installed, else from `orchestration.bench.synthetic` (contract-shaped files written by DuckDB;
`--synthetic` forces that). Each source's dates are loaded with `load_partition` into a fresh
build database; the bare read is `select count(*) from read_csv/read_json(...)` on the same
files with the same dialect. Not a test: it prints a table.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb

from orchestration.config import Settings
from orchestration.loaders import SOURCES, connect, load_partition
from orchestration.loaders.readers import sql_str
from orchestration.loaders.spec import SourceSpec

START = date(2025, 11, 1)


def bare_read_sql(spec: SourceSpec, files: list[Path]) -> str:
    paths = "[" + ", ".join(sql_str(str(f)) for f in files) + "]"
    if spec.format == "ndjson":
        return f"select count(*) from read_json({paths}, format = 'newline_delimited')"
    encoding = ", encoding = 'latin-1'" if spec.encoding == "latin-1" else ""
    return (
        f"select count(*) from read_csv({paths}, header = true, all_varchar = true, "
        f"delim = {sql_str(spec.delimiter)}{encoding})"
    )


def generate(data_dir: Path, customers: int, days: int, synthetic: bool) -> str:
    simulate = None
    if not synthetic:
        try:
            from orchestration.simulator.run import simulate
        except ImportError:
            simulate = None
    if simulate is not None:
        simulate(data_dir, customers=customers, days=days, start=START, seed=42, progress=True)
        return "simulator"
    from orchestration.bench.synthetic import simulate_synthetic

    simulate_synthetic(data_dir, customers, days, START)
    return "synthetic"


def run(customers: int, days: int, synthetic: bool, threads: int, memory: str) -> None:
    with tempfile.TemporaryDirectory(prefix="omnikpi-bench-") as tmp:
        data_dir = Path(tmp)
        t0 = time.perf_counter()
        origin = generate(data_dir, customers, days, synthetic)
        print(
            f"{origin} exports: {customers} customers x {days} days "
            f"written in {time.perf_counter() - t0:.1f} s"
        )
        cfg = Settings(
            data_dir=data_dir,
            build_db=data_dir / "warehouse" / "build.duckdb",
            serving_db=data_dir / "serving" / "omnikpi.duckdb",
            duckdb_threads=threads,
            duckdb_memory_limit=memory,
        )
        landing = data_dir / "landing"
        dates = [START + timedelta(days=d) for d in range(days)]
        header = (
            f"{'source':<9} {'files':>5} {'MB':>8} {'rows':>10} {'quar.':>6} {'load s':>8} "
            f"{'rows/s':>10} {'read s':>7} {'ratio':>6}"
        )
        print(header)
        print("-" * len(header))
        totals = [0, 0.0, 0, 0, 0.0, 0.0]
        with connect(cfg) as con, duckdb.connect(config={"threads": threads}) as bare:
            for spec in SOURCES.values():
                files = sorted(
                    p
                    for d in dates
                    for p in (landing / spec.source / d.isoformat()).glob(spec.glob)
                )
                size = sum(f.stat().st_size for f in files) / 1e6
                t = time.perf_counter()
                rows = quarantined = 0
                for d in dates:
                    report = load_partition(con, spec, d, landing)
                    rows += report.rows_read
                    quarantined += report.rows_quarantined
                load_s = time.perf_counter() - t
                t = time.perf_counter()
                read_rows = 0
                for d in dates:
                    day_files = [f for f in files if f.parent.name == d.isoformat()]
                    if day_files:
                        read_rows += bare.execute(bare_read_sql(spec, day_files)).fetchone()[0]
                read_s = time.perf_counter() - t
                print(
                    f"{spec.source:<9} {len(files):>5} {size:>8.1f} {rows:>10,} {quarantined:>6} "
                    f"{load_s:>8.2f} {rows / load_s:>10,.0f} {read_s:>7.2f} {load_s / read_s:>6.1f}"
                )
                for i, v in enumerate((len(files), size, rows, quarantined, load_s, read_s)):
                    totals[i] += v
        n, size, rows, quarantined, load_s, read_s = totals
        print("-" * len(header))
        print(
            f"{'all':<9} {n:>5} {size:>8.1f} {rows:>10,} {quarantined:>6} {load_s:>8.2f} "
            f"{rows / load_s:>10,.0f} {read_s:>7.2f} {load_s / read_s:>6.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--synthetic", action="store_true", help="do not use the simulator")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory-limit", default="4GB")
    args = parser.parse_args()
    run(args.customers, args.days, args.synthetic, args.threads, args.memory_limit)


if __name__ == "__main__":
    main()
