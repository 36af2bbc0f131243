"""`omnikpi simulate`: write a retailer's channel exports day by day, plus the ground truth.

The world is simulated day by day in this process. The web export, by far the largest, is
rendered and written by a second process for large runs, so both cores work.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import queue
import shutil
import sys
import time
import traceback
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from orchestration.config import settings
from orchestration.simulator import exports, render, truth
from orchestration.simulator.config import MessRates, SimConfig
from orchestration.simulator.day import simulate_day
from orchestration.simulator.mess import FORMATS, SOURCES, FileFormat, LateBuffer, apply_mess
from orchestration.simulator.world import Catalogue, World

CSV_RENDERERS = {
    "shop": exports.shop_columns,
    "pos": exports.pos_columns,
    "crm": exports.crm_lines,
    "email": exports.email_columns,
    "ads": exports.ads_columns,
    "service": exports.service_lines,
    "loyalty": exports.loyalty_columns,
}
MANIFEST = "manifest.json"
PARALLEL_FROM = 300_000  # customers x days from which the web export gets its own process


@dataclass
class SimSummary:
    config: dict
    records: dict[str, int]
    seconds: float
    web_worker_seconds: float | None = None  # time the web process spent working, if used


@dataclass
class ExportWriter:
    """Renders, messes up and writes exports; remembers what it wrote for the truth."""

    landing: Path
    start: date
    days: int
    seed: int
    mess: MessRates
    late: LateBuffer = field(default_factory=LateBuffer)
    carried: pa.Array | None = None  # web events past midnight, for the next day's file
    files: list[dict] = field(default_factory=list)
    mess_rows: list[tuple[str, str, int, str, str]] = field(default_factory=list)

    def write_web(self, day: exports.WebDay, lines: pa.Array) -> int:
        """GA4 writes a day's table by event date: a session's events after midnight go to
        the next day's file (the last day's file keeps them)."""
        cut = day.events_today if day.d < self.days - 1 else len(lines)
        today = lines.slice(0, cut)
        if self.carried is not None and len(self.carried):
            # yesterday's sessions' early-morning events open the file (GA4 tables are not
            # in time order either)
            today = pa.concat_arrays([self.carried, today])
        self.carried = lines.slice(cut)
        return self.write("web", day.d, today)

    def write(self, source: str, d: int, content: list | pa.Array) -> int:
        fmt = FORMATS[source]
        lines = _render(fmt, content)
        rng = np.random.default_rng([self.seed, 90 + SOURCES.index(source), d])
        pieces, log = apply_mess(fmt, lines, d, self.days - 1, self.mess, rng, self.late)
        day = self.start + timedelta(days=d)
        rel = _write(self.landing, fmt, day, pieces)
        first_line = 1 if fmt.json else 2  # CSV line 1 is the header
        for index, kind, detail in log:
            self.mess_rows.append((source, rel, index + first_line, kind, detail))
        count = sum(len(p) for p in pieces)
        self.files.append(
            {
                "source": source,
                "file": rel,
                "delivery_date": day,
                "records": count,
                "malformed": sum(k not in ("late", "duplicate") for _, k, _ in log),
                "duplicates": sum(k == "duplicate" for _, k, _ in log),
                "late": sum(k == "late" for _, k, _ in log),
            }
        )
        return count


def simulate(
    data_dir: Path,
    customers: int,
    days: int,
    start: date,
    seed: int,
    progress: bool = False,
    mess: MessRates | None = None,
    parallel: bool | None = None,
) -> SimSummary:
    """Write `days` daily deliveries per source under data_dir/landing and the truth."""
    cfg = SimConfig(
        customers=customers, days=days, start=start, seed=seed, mess=mess or MessRates()
    )
    landing, truth_dir = data_dir / "landing", data_dir / "truth"
    _prepare(landing, truth_dir)
    began = time.perf_counter()
    parallel = customers * days >= PARALLEL_FROM if parallel is None else parallel
    web = _WebProcess(landing, cfg) if parallel else None
    world = World.create(cfg)
    writer = ExportWriter(landing, start, days, seed, cfg.mess)
    web_seconds = None
    truth_writer = truth.TruthWriter(truth_dir)
    records = dict.fromkeys(SOURCES, 0)
    try:
        with _progress(progress) as bars:
            tasks = {s: bars.add_task(s, total=days) for s in SOURCES}
            for d in range(days):
                day = simulate_day(world, d)
                web_day = exports.web_day(world, day)
                if web is not None:
                    web.send(web_day)
                    records["web"] += len(web_day.events)  # before mess: shown as progress
                else:
                    records["web"] += writer.write_web(
                        web_day, exports.web_lines(world.cat, web_day)
                    )
                for source, renderer in CSV_RENDERERS.items():
                    records[source] += writer.write(source, d, renderer(world, day))
                for source in SOURCES:
                    bars.update(
                        tasks[source],
                        advance=1,
                        description=f"{source:8} {records[source]:>10,} rows",
                    )
                truth_writer.add(world, day)
            truth_writer.flush()
        # the truth is finished while the web worker still writes its last days; the
        # population is let go first, so DuckDB does not add to the worker's memory
        truth.write_persons(truth_dir, world)
        del world, day, web_day
        truth.finalize(truth_dir)
        if web is not None:
            files, mess_rows, web_seconds = web.finish()
            writer.files += files
            writer.mess_rows += mess_rows
            records["web"] = sum(f["records"] for f in files)
    finally:
        if web is not None:
            web.stop()
    _write_mess(truth_dir, writer.files, writer.mess_rows)
    config = {**asdict(cfg), "start": start.isoformat()}
    # no timings in the manifest: the same arguments give byte-identical output
    (truth_dir / MANIFEST).write_text(
        json.dumps({"config": config, "records": records}, indent=2) + "\n"
    )
    seconds = round(time.perf_counter() - began, 2)
    return SimSummary(
        config=config, records=records, seconds=seconds, web_worker_seconds=web_seconds
    )


class _WebProcess:
    """The web export, rendered and written by a worker process in day order."""

    def __init__(self, landing: Path, cfg: SimConfig) -> None:
        context = multiprocessing.get_context("spawn")
        self.inbox = context.Queue(maxsize=3)  # a few days ahead at most: bounded memory
        self.outbox = context.Queue()
        self.process = context.Process(
            target=_web_worker,
            args=(landing, cfg.start, cfg.days, cfg.seed, cfg.mess, self.inbox, self.outbox),
            daemon=True,
        )
        self.process.start()

    def send(self, item: object) -> None:
        while True:
            try:
                self.inbox.put(item, timeout=1)
                return
            except queue.Full:
                self._check()

    def finish(self) -> tuple[list[dict], list[tuple], float]:
        self.send(None)
        while True:
            try:
                status, *payload = self.outbox.get(timeout=1)
                break
            except queue.Empty:
                self._check()
        self.process.join()
        if status != "ok":
            raise RuntimeError(f"web export worker failed:\n{payload[0]}")
        return payload[0], payload[1], payload[2]

    def _check(self) -> None:
        if not self.process.is_alive():
            message = "web export worker died"
            try:
                _status, *payload = self.outbox.get_nowait()
                message += f":\n{payload[0]}"
            except queue.Empty:
                pass
            raise RuntimeError(message)

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
            self.process.join()


def _web_worker(landing, start, days, seed, mess, inbox, outbox) -> None:
    try:
        cat = Catalogue.load()
        writer = ExportWriter(landing, start, days, seed, mess)
        busy = 0.0
        while (item := inbox.get()) is not None:
            began = time.perf_counter()
            writer.write_web(item, exports.web_lines(cat, item))
            busy += time.perf_counter() - began
        outbox.put(("ok", writer.files, writer.mess_rows, busy))
    except BaseException:
        outbox.put(("error", traceback.format_exc()))


def _prepare(landing: Path, truth_dir: Path) -> None:
    """Replace an earlier simulation; never overwrite exports that did not come from one."""
    existing = [p for p in landing.glob("*/*/*") if p.is_file()] if landing.exists() else []
    if existing and not (truth_dir / MANIFEST).exists():
        raise FileExistsError(
            f"{landing} already holds {len(existing)} export files that the simulator did not "
            "write; point OMNIKPI_DATA_DIR at another directory or remove them first"
        )
    for source in SOURCES:
        shutil.rmtree(landing / source, ignore_errors=True)
    shutil.rmtree(truth_dir, ignore_errors=True)
    truth_dir.mkdir(parents=True)


def _render(fmt: FileFormat, content: list | pa.Array) -> pa.Array:
    """Renderers return Arrow lines (NDJSON), lists of JSON lines, or CSV columns."""
    if isinstance(content, pa.Array):
        return content
    if fmt.json or not content:
        return pa.array(list(content), type=pa.string())
    return render.csv_lines(content, fmt.delimiter)


def _write(landing: Path, fmt: FileFormat, day: date, pieces: list[pa.Array]) -> str:
    folder = landing / fmt.source / day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / fmt.pattern.format(ymd=day.strftime("%Y%m%d"))
    header = None if fmt.json else render.csv_header(exports.CSV_HEADERS[fmt.source], fmt.delimiter)
    render.write_lines(path, pieces, fmt.newline, fmt.encoding, header, fmt.bom)
    return path.relative_to(landing).as_posix()


def _write_mess(truth_dir: Path, files: list[dict], rows: list[tuple]) -> None:
    order = {s: i for i, s in enumerate(SOURCES)}
    files = sorted(files, key=lambda f: (f["delivery_date"], order[f["source"]]))
    pq.write_table(pa.Table.from_pylist(files), truth_dir / "exports.parquet")
    rows = sorted(rows, key=lambda r: (r[1], r[2]))
    columns = list(zip(*rows, strict=True)) if rows else [[], [], [], [], []]
    table = pa.table(
        {
            "source": pa.array(columns[0], pa.string()),
            "file": pa.array(columns[1], pa.string()),
            "line": pa.array(columns[2], pa.int64()),
            "kind": pa.array(columns[3], pa.string()),
            "detail": pa.array(columns[4], pa.string()),
        }
    )
    pq.write_table(table, truth_dir / "mess.parquet")
    malformed = table.filter(pc.invert(pc.is_in(table["kind"], pa.array(["late", "duplicate"]))))
    pq.write_table(
        malformed.select(["source", "file", "line", "kind"]), truth_dir / "malformed.parquet"
    )


class _NoProgress:
    def __enter__(self) -> _NoProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def add_task(self, *args: object, **kwargs: object) -> int:
        return 0

    def update(self, *args: object, **kwargs: object) -> None:
        return None


def _progress(show: bool) -> Progress | _NoProgress:
    if not show:
        return _NoProgress()
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()
    )


def simulate_command(args: argparse.Namespace) -> int:
    cfg = settings()
    try:
        summary = simulate(
            cfg.data_dir,
            customers=args.customers,
            days=args.days,
            start=args.start,
            seed=args.seed,
            progress=not args.no_progress and sys.stderr.isatty(),
        )
    except (FileExistsError, ValueError) as exc:
        print(f"omnikpi simulate: {exc}", file=sys.stderr)
        return 2
    end = args.start + timedelta(days=args.days - 1)
    total = sum(summary.records.values())
    print(
        f"Simulated {args.customers:,} customers from {args.start} to {end}: {total:,} records "
        f"in {summary.seconds:.1f} s -> {cfg.landing_dir} (truth in {cfg.truth_dir})"
    )
    for source, count in summary.records.items():
        print(f"  {source:8} {count:>12,}")
    return 0
