"""Benchmark the export simulator: records, records/s and bytes per source, peak memory.

    uv run python -m orchestration.bench.simulate [--customers 100000 --days 30]
        [--start 2025-11-01] [--seed 42] [--parallel auto|on|off] [--json out.json] [--keep DIR]

Runs `orchestration.simulator.run.simulate` once, in a fresh temporary directory (not
`$OMNIKPI_DATA_DIR`), and prints a table. Records/s per source is the source's records over
the whole run's wall time (the sources are simulated together, day by day, so there is no
per-source time). Web events/s is given twice: over the wall time, and over the time the web
worker process spent rendering and writing (`SimSummary.web_worker_seconds`, when the web
export has its own process). The issue's floor is 200,000 web events/s at --customers
100000 --days 30 on the 2-core reference machine.

Peak memory: `ru_maxrss` of this process (RUSAGE_SELF) and of the web worker (RUSAGE_CHILDREN,
the largest waited-for child), and the process tree's peak sum of RSS sampled from /proc
every 0.1 s (Linux; a child from 50 ms of age, see `TreeRss`; the two peaks need not coincide,
so the sampled sum is the one to quote).
The load average is printed before and after: the machine is shared, note it with figures.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import shutil
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

FLOOR_WEB_EVENTS_PER_S = 200_000
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


class TreeRss:
    """Samples the summed RSS of this process and its descendants from /proc.

    A child counts once it is `settle` seconds old: between fork and exec a child reports
    its parent's memory as its own, so a process holding gigabytes that starts a short
    command (git) would otherwise count twice if a sample fell in that moment. A child that
    lives less than `settle` is not counted; none of ours holds memory in that time.

    Besides the peak it keeps what made it up (`at_peak`: each process's command and RSS)
    and when it came (`peak_after`, seconds after the start), so a peak can be explained.
    """

    def __init__(self, interval: float = 0.1, settle: float = 0.05) -> None:
        self.interval = interval
        self.settle = settle
        self.peak = 0
        self.at_peak: list[tuple[str, int]] = []
        self.peak_after = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.available = Path(f"/proc/{os.getpid()}/statm").exists()

    def __enter__(self) -> TreeRss:
        if self.available:
            self._started = time.monotonic()
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self.available:
            self._thread.join()

    def _run(self) -> None:
        own = os.getpid()
        while not self._stop.is_set():
            settled = [p for p in _tree(own) if p == own or _age(p) >= self.settle]
            sizes = [(p, _rss(p)) for p in settled]
            total = sum(rss for _, rss in sizes)
            if total > self.peak:
                self.peak = total
                self.peak_after = time.monotonic() - self._started
                self.at_peak = [(_command(p), rss) for p, rss in sizes if rss]
            self._stop.wait(self.interval)


def _age(pid: int) -> float:
    """Seconds since the process started (0 if it ended meanwhile)."""
    try:
        # start time: field 22, in clock ticks after boot; the command name before it
        # (field 2, in parentheses) may hold spaces
        ticks = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, IndexError, ValueError):
        return 0.0
    return uptime - ticks / CLOCK_TICKS


def _rss(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0  # the process ended between listing and reading


def _command(pid: int) -> str:
    """The process's command line, shortened to what tells processes apart."""
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return f"pid {pid} (ended)"
    return f"{pid} " + " ".join(Path(word).name for word in words[:4] if word)[:80]


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        tasks: list[Path] = []
        with contextlib.suppress(OSError):  # the process ended meanwhile
            tasks = list(Path(f"/proc/{p}/task").glob("*/children"))
        for task in tasks:
            with contextlib.suppress(OSError):  # the thread ended meanwhile
                todo += [int(c) for c in task.read_text().split()]
    return out


def _maxrss_bytes(who: int) -> int:
    value = resource.getrusage(who).ru_maxrss
    return value if sys.platform == "darwin" else value * 1024  # Linux reports KiB


def _memory_total() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def run(
    customers: int,
    days: int,
    start: date,
    seed: int,
    parallel: bool | None,
    keep: Path | None = None,
) -> dict:
    """Simulate once and return the figures (a JSON-ready dict)."""
    from orchestration.simulator.mess import SOURCES
    from orchestration.simulator.run import simulate

    root = keep or Path(tempfile.mkdtemp(prefix="omnikpi-bench-sim-"))
    load_before = os.getloadavg()
    rss_before = _maxrss_bytes(resource.RUSAGE_SELF)  # the imports' share
    try:
        with TreeRss() as tree:
            began = time.perf_counter()
            summary = simulate(root, customers, days, start, seed, parallel=parallel)
            wall = time.perf_counter() - began
        # read now: a later subprocess (even `uname -p` behind platform.platform()) would
        # become the largest child, with this process's RSS inherited at fork
        rss_main = _maxrss_bytes(resource.RUSAGE_SELF)
        rss_worker = _maxrss_bytes(resource.RUSAGE_CHILDREN)
        landing = root / "landing"
        bytes_per_source = {s: _size(landing / s) for s in SOURCES}
        truth_bytes = _size(root / "truth")
    finally:
        if keep is None:
            shutil.rmtree(root, ignore_errors=True)
    web = summary.records["web"]
    worker = summary.web_worker_seconds
    return {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": {
            "cpus": os.cpu_count(),
            "memory_bytes": _memory_total(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "arguments": {
            "customers": customers,
            "days": days,
            "start": start.isoformat(),
            "seed": seed,
            "parallel": parallel,
        },
        "wall_seconds": round(wall, 2),
        "web_worker_seconds": None if worker is None else round(worker, 2),
        "records": summary.records,
        "records_per_second": {s: round(n / wall) for s, n in summary.records.items()},
        "bytes": bytes_per_source,
        "truth_bytes": truth_bytes,
        "web_events_per_second": round(web / wall),
        "web_events_per_second_worker": None if not worker else round(web / worker),
        "floor_web_events_per_second": FLOOR_WEB_EVENTS_PER_S,
        "ratio_to_floor": round(web / wall / FLOOR_WEB_EVENTS_PER_S, 2),
        "ratio_to_floor_worker": None
        if not worker
        else round(web / worker / FLOOR_WEB_EVENTS_PER_S, 2),
        "peak_rss_bytes": {
            "after_imports": rss_before,
            "main": rss_main,
            "web_worker": rss_worker if worker is not None else 0,
            "tree_sampled": tree.peak if tree.available else None,
        },
    }


def _mib(n: int | None) -> str:
    return "-" if n is None else f"{n / 2**20:,.0f} MiB"


def print_report(r: dict) -> None:
    a = r["arguments"]
    print(
        f"omnikpi simulate: {a['customers']:,} customers x {a['days']} days from {a['start']}, "
        f"seed {a['seed']} ({r['date']}, {r['machine']['cpus']} CPUs, "
        f"{_mib(r['machine']['memory_bytes'])})"
    )
    print(f"load average before: {r['load_average_before']}")
    header = f"{'source':8} {'records':>12} {'records/s':>12} {'bytes':>12}"
    print(header)
    print("-" * len(header))
    for source, count in r["records"].items():
        print(
            f"{source:8} {count:>12,} {r['records_per_second'][source]:>12,} "
            f"{_mib(r['bytes'][source]):>12}"
        )
    print("-" * len(header))
    total = sum(r["records"].values())
    print(
        f"{'total':8} {total:>12,} {round(total / r['wall_seconds']):>12,} "
        f"{_mib(sum(r['bytes'].values())):>12}   (truth {_mib(r['truth_bytes'])})"
    )
    print(f"wall time: {r['wall_seconds']:.2f} s")
    print(
        f"web events/s over the run: {r['web_events_per_second']:,} "
        f"= {r['ratio_to_floor']:.2f} x the {FLOOR_WEB_EVENTS_PER_S:,}/s floor"
    )
    if r["web_events_per_second_worker"]:
        print(
            f"web events/s of the web worker ({r['web_worker_seconds']:.2f} s busy): "
            f"{r['web_events_per_second_worker']:,} = {r['ratio_to_floor_worker']:.2f} x floor"
        )
    else:
        print("web events/s of the web worker: - (no worker process for this size)")
    rss = r["peak_rss_bytes"]
    print(
        f"peak RSS: main {_mib(rss['main'])}, web worker {_mib(rss['web_worker'])}, "
        f"process tree (sampled) {_mib(rss['tree_sampled'])}; "
        f"after imports {_mib(rss['after_imports'])}"
    )
    print(f"load average after: {r['load_average_after']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--start", type=date.fromisoformat, default=date(2025, 11, 1))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--parallel",
        choices=("auto", "on", "off"),
        default="auto",
        help="web export in its own process: auto (by size, as `omnikpi simulate`), on, off",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--keep", type=Path, help="write the exports here and keep them")
    args = parser.parse_args(argv)
    parallel = {"auto": None, "on": True, "off": False}[args.parallel]
    report = run(args.customers, args.days, args.start, args.seed, parallel, args.keep)
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
