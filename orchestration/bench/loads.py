"""Benchmark the loaders: rows per second per source, and load time / bare DuckDB read time.

    uv run python -m orchestration.bench.loads [--customers N --days D] [--synthetic]
        [--cache DIR] [--sources web,crm]

Exports come from the real simulator (`orchestration.simulator.run.simulate`, seed 42,
starting 2025-11-01), written once under a cache directory (default
`$TMPDIR/omnikpi-bench/`) and reused by later runs with the same parameters; `--synthetic`
uses the contract-shaped files of `orchestration.bench.synthetic` instead (also cached).
Each source's dates are loaded with `load_partitions` (as the Dagster asset does: a
transaction per date, two dates side by side) into a fresh build database, two dates at a
time alternating with the bare read of the same two dates (both see the same machine). The
bare read is `select count(*) from read_csv/read_json(...)` on the same files, one statement
per date, with the source's dialect given explicitly (no sniffing: the sniffer takes Shopify's
`#1001` order names for comment lines) and, for NDJSON, `ignore_errors` (the simulator writes
truncated lines on purpose). Not a test: it prints a table with the load average. `ratio` is
wall-clock load time / read time (the issue's figure); `cpu ratio` is the same for the CPU
time of this process (all threads), which other processes on the machine disturb less.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb

from orchestration.config import Settings
from orchestration.loaders import SOURCES, connect, load_partitions
from orchestration.loaders.readers import sql_str
from orchestration.loaders.spec import SourceSpec

START = date(2025, 11, 1)
SEED = 42
COMPLETE = ".bench-complete"  # written after the exports, so a cut-off run is redone


def bare_read_sql(spec: SourceSpec, files: list[Path]) -> str:
    paths = "[" + ", ".join(sql_str(str(f)) for f in files) + "]"
    if spec.format == "ndjson":
        return (
            f"select count(*) from read_json({paths}, format = 'newline_delimited', "
            "ignore_errors = true)"
        )
    encoding = ", encoding = 'latin-1'" if spec.encoding == "latin-1" else ""
    return (
        f"select count(*) from read_csv({paths}, header = true, all_varchar = true, "
        f"delim = {sql_str(spec.delimiter)}, quote = '\"', escape = '\"', comment = '', "
        f"null_padding = true, ignore_errors = true{encoding})"
    )


def default_cache() -> Path:
    return Path(tempfile.gettempdir()) / "omnikpi-bench"


def exports_dir(cache: Path, customers: int, days: int, synthetic: bool) -> tuple[Path, str]:
    """The cached landing data for these parameters, generated on first use."""
    origin = "synthetic" if synthetic else "simulator"
    data_dir = cache / f"{origin}-c{customers}-d{days}-s{SEED}-{START:%Y%m%d}"
    if (data_dir / COMPLETE).exists():
        print(f"{origin} exports: cached in {data_dir}")
        return data_dir, origin
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    t0 = time.perf_counter()
    if synthetic:
        from orchestration.bench.synthetic import simulate_synthetic

        simulate_synthetic(data_dir, customers, days, START)
    else:
        from orchestration.simulator.run import simulate

        simulate(data_dir, customers=customers, days=days, start=START, seed=SEED)
    (data_dir / COMPLETE).touch()
    print(
        f"{origin} exports: {customers} customers x {days} days written to {data_dir} "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    return data_dir, origin


def _load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def run(
    customers: int,
    days: int,
    synthetic: bool,
    threads: int,
    memory: str,
    cache: Path,
    sources: list[str],
) -> None:
    data_dir, _origin = exports_dir(cache, customers, days, synthetic)
    landing = data_dir / "landing"
    dates = [START + timedelta(days=d) for d in range(days)]
    print(f"load average before: {_load_average()}; threads {threads}, memory {memory}")
    header = (
        f"{'source':<9} {'files':>5} {'MB':>8} {'rows':>10} {'quar.':>6} {'load s':>8} "
        f"{'rows/s':>10} {'read s':>7} {'ratio':>6} {'cpu ratio':>9}"
    )
    print(header)
    print("-" * len(header))
    totals = [0, 0.0, 0, 0, 0.0, 0.0, 0.0, 0.0]
    with tempfile.TemporaryDirectory(prefix="omnikpi-bench-db-") as tmp:
        cfg = Settings(
            data_dir=data_dir,
            build_db=Path(tmp) / "build.duckdb",
            serving_db=Path(tmp) / "serving.duckdb",
            duckdb_threads=threads,
            duckdb_memory_limit=memory,
        )
        with connect(cfg) as con, duckdb.connect(config=cfg.duckdb_config) as bare:
            for spec in SOURCES.values():
                if sources and spec.source not in sources:
                    continue
                files = sorted(
                    p
                    for d in dates
                    for p in (landing / spec.source / d.isoformat()).glob(spec.glob)
                )
                size = sum(f.stat().st_size for f in files) / 1e6
                rows = quarantined = read_rows = 0
                load_s = load_cpu = read_s = read_cpu = 0.0
                # Load and read alternate, two dates at a time, so that both see the same
                # machine: other processes come and go during a run.
                for chunk in (dates[i : i + 2] for i in range(0, len(dates), 2)):
                    t, cpu = time.perf_counter(), time.process_time()
                    for report in load_partitions(con, spec, chunk, landing):  # as the asset
                        rows += report.rows_read
                        quarantined += report.rows_quarantined
                    if chunk[-1] == dates[-1]:
                        con.execute("checkpoint")  # the loads defer it to here (connect())
                    load_s += time.perf_counter() - t
                    load_cpu += time.process_time() - cpu
                    t, cpu = time.perf_counter(), time.process_time()
                    for d in chunk:
                        day_files = [f for f in files if f.parent.name == d.isoformat()]
                        if day_files:
                            sql = bare_read_sql(spec, day_files)
                            read_rows += bare.execute(sql).fetchone()[0]
                    read_s += time.perf_counter() - t
                    read_cpu += time.process_time() - cpu
                check = "" if read_rows == rows else f"  (bare read counted {read_rows:,})"
                print(
                    f"{spec.source:<9} {len(files):>5} {size:>8.1f} {rows:>10,} {quarantined:>6} "
                    f"{load_s:>8.2f} {rows / load_s:>10,.0f} {read_s:>7.2f} "
                    f"{load_s / read_s:>6.1f} {load_cpu / read_cpu:>9.1f}{check}"
                )
                values = (len(files), size, rows, quarantined, load_s, read_s, load_cpu, read_cpu)
                for i, v in enumerate(values):
                    totals[i] += v
    n, size, rows, quarantined, load_s, read_s, load_cpu, read_cpu = totals
    print("-" * len(header))
    print(
        f"{'all':<9} {n:>5} {size:>8.1f} {rows:>10,} {quarantined:>6} {load_s:>8.2f} "
        f"{rows / load_s:>10,.0f} {read_s:>7.2f} {load_s / read_s:>6.1f} "
        f"{load_cpu / read_cpu:>9.1f}"
    )
    print(f"load average after: {_load_average()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--synthetic", action="store_true", help="do not use the simulator")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory-limit", default="4GB")
    parser.add_argument("--cache", type=Path, default=default_cache(), help="exports cache")
    parser.add_argument("--sources", default="", help="comma-separated subset, e.g. web,crm")
    args = parser.parse_args()
    run(
        args.customers,
        args.days,
        args.synthetic,
        args.threads,
        args.memory_limit,
        args.cache,
        [s for s in args.sources.split(",") if s],
    )


if __name__ == "__main__":
    main()
