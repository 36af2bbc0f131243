"""Load one source's landing files for one date: raw rows, quarantine, load_log.

`load_partition` replaces the partition in one transaction: delete the date's raw and
quarantine rows, load every file (or quarantine it whole, or skip it as a duplicate
delivery), write a load_log row per file, commit. A failure rolls back to the previous state.
`load_partitions` does that for a range of dates, two at a time where that cannot change
the outcome.
"""

from __future__ import annotations

import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from orchestration.config import Settings
from orchestration.loaders.audit import FileReport, ensure_tables, loaded_elsewhere, write_load_log
from orchestration.loaders.readers import (
    FileProblem,
    PreparedFile,
    lines_sql,
    new_workdir,
    prepare_file,
    sql_str,
)
from orchestration.loaders.spec import SourceSpec
from orchestration.loaders.validate import staged_sql


@dataclass
class LoadReport:
    """The outcome of loading one (source, date) partition."""

    source: str
    entity: str
    partition_date: date
    load_id: str
    files: list[FileReport] = field(default_factory=list)
    problem: str | None = None  # set when no file was found

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def failures(self) -> list[str]:
        """One line per problem the asset must fail on: what, where, and what to fix."""
        out = [self.problem] if self.problem else []
        out += [
            f"{f.file}: {f.message}; fix: {f.fix}" for f in self.files if f.status == "rejected"
        ]
        return out


CHECKPOINT_THRESHOLD = "4GB"


def connect(cfg: Settings, attempts: int = 20) -> duckdb.DuckDBPyConnection:
    """Open the build database with the configured threads and memory limit.

    Writers are serialised by the Dagster pool `duckdb_build`; the short retry only covers a
    reader (e.g. `dbt docs`) still holding the file lock.
    """
    cfg.build_db.parent.mkdir(parents=True, exist_ok=True)
    config = {
        **cfg.duckdb_config,
        # Checkpoint when the connection closes, not after every partition's commit: the
        # automatic checkpoint (16 MB of WAL) recompressed the table's last row group on
        # each commit and took a fifth of a web load. The WAL keeps commits durable.
        "checkpoint_threshold": CHECKPOINT_THRESHOLD,
        # A load deletes the few quarantined rows it parked in raw (see `_load`), and DuckDB
        # cannot keep a transaction's pre-written (optimistic) row groups once it deleted from
        # them: it would compress a big file's rows, throw that away and write them again.
        "enable_optimistic_write": False,
    }
    for attempt in range(attempts):
        try:
            return duckdb.connect(str(cfg.build_db), config=config)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or attempt == attempts - 1:
                raise
            time.sleep(0.5)
    raise AssertionError("unreachable")


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def load_partition(
    con: duckdb.DuckDBPyConnection,
    spec: SourceSpec,
    day: date | str,
    landing_dir: Path,
    loaded_at: datetime | None = None,
) -> LoadReport:
    """Replace partition `day` of raw.<source>__<entity> with the files in its landing folder."""
    day = date.fromisoformat(day) if isinstance(day, str) else day
    ensure_tables(con, spec)
    with _prepare_partition(spec, day, landing_dir) as partition:
        return _write_partition(con, spec, partition, loaded_at or utc_now())


def load_partitions(
    con: duckdb.DuckDBPyConnection,
    spec: SourceSpec,
    days: list[date] | list[str],
    landing_dir: Path,
    loaded_at: datetime | None = None,
    workers: int = 2,
) -> list[LoadReport]:
    """`load_partition` for every day, in order, two days at a time; one report per day.

    Each day is still its own transaction, and the outcome is what loading the days one by
    one in date order gives. The only way two days' loads can see each other is the
    duplicate-delivery check (a file whose sha256 is loaded in another partition), so a day
    waits for every earlier day still loading with which it shares a checksum (in the files
    it is loading, or in the files that day's previous load holds); otherwise the two run
    side by side, on two cursors, and both cores work. If a day fails, the days already
    loading finish, no new day starts, and the first error is raised.
    """
    days = [date.fromisoformat(d) if isinstance(d, str) else d for d in days]
    loaded_at = loaded_at or utc_now()
    ensure_tables(con, spec)
    if workers <= 1 or len(days) <= 1 or len(set(days)) < len(days):
        return [load_partition(con, spec, day, landing_dir, loaded_at) for day in days]
    gate = _DuplicateGate(spec)
    reports: list[LoadReport | None] = [None] * len(days)
    errors: list[BaseException] = []
    pending = iter(range(len(days)))
    lock = threading.Lock()

    def work(cursor: duckdb.DuckDBPyConnection) -> None:
        while True:
            with lock:  # days are taken, and registered with the gate, in date order
                index = next(pending, None)
                if index is None or errors:
                    return
                ticket = gate.register(index, _loaded_checksums(cursor, spec, days[index]))
            try:
                with _prepare_partition(spec, days[index], landing_dir) as partition:
                    gate.wait_turn(ticket, partition.checksums)
                    reports[index] = _write_partition(cursor, spec, partition, loaded_at)
            except BaseException as exc:  # re-raised below, after the other worker stops
                errors.append(exc)
            finally:
                gate.done(ticket)

    cursors = [con.cursor() for _ in range(workers)]
    threads = [threading.Thread(target=work, args=(cursor,)) for cursor in cursors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for cursor in cursors:
        cursor.close()
    if errors:
        raise errors[0]
    return [report for report in reports if report is not None]


@dataclass
class _Partition:
    """One date's landing files, read and checked, ready to load."""

    day: date
    folder: Path
    prepared: list[PreparedFile]
    workdir: tempfile.TemporaryDirectory[str] | None

    @property
    def checksums(self) -> set[str]:
        """The files that could be duplicate deliveries (those with records)."""
        return {f.checksum for f in self.prepared if f.has_records}

    def __enter__(self) -> _Partition:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.workdir is not None:
            self.workdir.cleanup()


def _prepare_partition(spec: SourceSpec, day: date, landing_dir: Path) -> _Partition:
    folder = landing_dir / spec.source / day.isoformat()
    paths = sorted(folder.glob(spec.glob)) if folder.is_dir() else []
    if not paths:
        return _Partition(day, folder, [], None)
    workdir = new_workdir()
    try:
        prepared = [prepare_file(p, landing_dir, spec, Path(workdir.name)) for p in paths]
    except BaseException:
        workdir.cleanup()
        raise
    return _Partition(day, folder, prepared, workdir)


def _write_partition(
    con: duckdb.DuckDBPyConnection, spec: SourceSpec, partition: _Partition, loaded_at: datetime
) -> LoadReport:
    """The transaction: replace the partition's rows with its prepared files."""
    day = partition.day
    started_at = utc_now()
    report = LoadReport(spec.source, spec.entity, day, load_id=str(uuid.uuid4()))
    if not partition.prepared:
        # Nothing delivered: leave the partition as it is and say so.
        report.problem = (
            f"no export file for {spec.source} on {day}: expected "
            f"{spec.source}/{day}/{spec.glob} in the landing directory; deliver it and "
            "rematerialise the partition"
        )
        missing = FileReport(
            f"{spec.source}/{day}/", None, 0, 0, 0, 0, "missing", report.problem, 0.0
        )
        write_load_log(con, spec, day, report.load_id, started_at, loaded_at, missing)
        return report

    con.execute("begin transaction")
    try:
        con.execute(f"delete from {spec.table} where _partition_date = ?", [day])
        con.execute(
            "delete from audit.quarantine where source = ? and partition_date = ?",
            [spec.source, day],
        )
        seen: dict[str, str] = {}
        for file in partition.prepared:
            t0 = time.perf_counter()
            # a snapshot may repeat yesterday's bytes: only a re-delivery within the
            # same date is a duplicate for it; a file without records duplicates nothing
            original = None
            if file.has_records:
                original = seen.get(file.checksum) or (
                    None if spec.snapshot else loaded_elsewhere(con, spec, file.checksum, day)
                )
            if original:
                result = FileReport(
                    file.rel,
                    file.checksum,
                    file.size,
                    0,
                    0,
                    0,
                    "duplicate",
                    f"same content (sha256) as {original}, already loaded; skipped "
                    "(a skipped file counts as 0 rows read)",
                    0.0,
                    duplicate_of=original,
                )
            elif file.problem:
                result = _reject(con, spec, day, file, report.load_id, loaded_at)
            else:
                result = _load(con, spec, day, file, report.load_id, loaded_at)
                seen[file.checksum] = file.rel
            result.duration_s = time.perf_counter() - t0
            write_load_log(con, spec, day, report.load_id, started_at, loaded_at, result)
            report.files.append(result)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return report


def _loaded_checksums(con: duckdb.DuckDBPyConnection, spec: SourceSpec, day: date) -> set[str]:
    """Checksums of the files the partition's latest load put in raw."""
    rows = con.execute(
        """
        with latest as (
            select arg_max(load_id, started_at) as load_id from audit.load_log
            where source = ? and partition_date = ? and status <> 'missing'
        )
        select checksum from audit.load_log join latest using (load_id)
        where status = 'loaded'
        """,
        [spec.source, day],
    ).fetchall()
    return {row[0] for row in rows}


@dataclass
class _Ticket:
    index: int  # position in date order
    old: set[str]  # checksums the day's previous load holds
    new: set[str] | None = None  # checksums of the files being loaded (None: not read yet)
    finished: bool = False


class _DuplicateGate:
    """Lets a day load only beside earlier days whose duplicate checks it cannot affect."""

    def __init__(self, spec: SourceSpec) -> None:
        self.snapshot = spec.snapshot  # no duplicates across dates for snapshots
        self.tickets: list[_Ticket] = []
        self.changed = threading.Condition()

    def register(self, index: int, old: set[str]) -> _Ticket:
        with self.changed:
            ticket = _Ticket(index, old)
            self.tickets.append(ticket)
            return ticket

    def wait_turn(self, ticket: _Ticket, new: set[str]) -> None:
        with self.changed:
            ticket.new = new
            self.changed.notify_all()
            self.changed.wait_for(lambda: not any(self._blocks(q, ticket) for q in self.tickets))

    def done(self, ticket: _Ticket) -> None:
        with self.changed:
            ticket.finished = True
            self.changed.notify_all()

    def _blocks(self, earlier: _Ticket, ticket: _Ticket) -> bool:
        if earlier.index >= ticket.index or earlier.finished:
            return False
        if earlier.new is None:
            return True  # not read yet: its checksums are unknown
        if self.snapshot:
            return False
        assert ticket.new is not None
        return bool(ticket.new & (earlier.new | earlier.old) or earlier.new & ticket.old)


def _quarantine_insert(spec: SourceSpec, file: PreparedFile) -> str:
    return (
        f"insert into audit.quarantine select {sql_str(spec.source)}, {sql_str(spec.entity)}, "
        f"{sql_str(file.rel)}, _source_line, _raw, _reason, ?, ?, ?"
    )


def _reject(
    con: duckdb.DuckDBPyConnection,
    spec: SourceSpec,
    day: date,
    file: PreparedFile,
    load_id: str,
    loaded_at: datetime,
) -> FileReport:
    """Quarantine every line of a file that cannot be parsed, with the file-level reason."""
    assert file.problem is not None
    rows = 0
    if file.text_path is not None:
        con.execute(
            f"{_quarantine_insert(spec, file)} from (select *, ? as _reason "
            f"from ({lines_sql(file, spec)}))",
            [day, loaded_at, load_id, f"file rejected: {file.problem.reason}"],
        )
        rows = _count(con, spec, file, day)
    return FileReport(
        file.rel,
        file.checksum,
        file.size,
        rows,
        0,
        rows,
        "rejected",
        file.problem.reason,
        0.0,
        fix=file.problem.fix,
    )


def _count(con: duckdb.DuckDBPyConnection, spec: SourceSpec, file: PreparedFile, day: date) -> int:
    row = con.execute(
        "select count(*) from audit.quarantine "
        "where source = ? and partition_date = ? and file = ?",
        [spec.source, day, file.rel],
    ).fetchone()
    return int(row[0]) if row else 0


def _load(
    con: duckdb.DuckDBPyConnection,
    spec: SourceSpec,
    day: date,
    file: PreparedFile,
    load_id: str,
    loaded_at: datetime,
) -> FileReport:
    """Load one file: good rows to raw, the others to the quarantine with their reason.

    One pass over the file: a single insert writes every record line into raw, a good row
    as itself, a row with a reason as a parked row (negative `_source_line`, the raw line in
    `_extra_json`, the reason in `_source_file`). The parked rows (a handful) are then moved
    to the quarantine and deleted from raw, in the same transaction, so no other connection
    ever sees them. Every record line is written exactly once, so it ends up in exactly one
    of the two; that is checked.
    """
    cols = ", ".join(f'"{name}"' for name, _ in spec.columns)
    parked = "_partition_date = ? and _source_line < 0"
    row = con.execute(
        f"insert into {spec.table} ({cols}, _extra_json, _source_file, _source_line, "
        f"_loaded_at, _partition_date) select {cols}, "
        "case when _reason is null then _extra_json else _raw end, coalesce(_reason, ?), "
        "case when _reason is null then _source_line else -_source_line end, ?, ? "
        f"from ({staged_sql(spec, file, day)})",
        [file.rel, loaded_at, day],
    ).fetchone()
    read = int(row[0]) if row else 0
    row = con.execute(
        "select count(*), count(*) filter (_source_file like 'invalid JSON%') "
        f"from {spec.table} where {parked}",
        [day],
    ).fetchone()
    quarantined, invalid_json = (int(v) for v in row) if row else (0, 0)
    loaded = read - quarantined
    if spec.format == "ndjson" and loaded == 0 and 0 < quarantined == invalid_json:
        # not one line parses: the file is not newline-delimited JSON at all
        con.execute(f"delete from {spec.table} where {parked}", [day])
        file.problem = FileProblem(
            "not newline-delimited JSON: no line is a valid JSON record",
            "export one JSON object per line (NDJSON)",
        )
        return _reject(con, spec, day, file, load_id, loaded_at)
    if quarantined:
        con.execute(
            f"insert into audit.quarantine select {sql_str(spec.source)}, "
            f"{sql_str(spec.entity)}, {sql_str(file.rel)}, -_source_line, _extra_json, "
            f"_source_file, ?, ?, ? from {spec.table} where {parked}",
            [day, loaded_at, load_id, day],
        )
        row = con.execute(f"delete from {spec.table} where {parked}", [day]).fetchone()
        moved = int(row[0]) if row else 0
        if moved != quarantined:
            raise RuntimeError(f"{file.rel}: {quarantined} line(s) to quarantine, {moved} moved")
    read = loaded + quarantined
    notes = file.notes
    if read == 0:
        notes.insert(0, "no records" + (" (header only)" if spec.format == "csv" else ""))
    if quarantined:
        notes.append(f"{quarantined} of {read} rows quarantined")
    return FileReport(
        file.rel,
        file.checksum,
        file.size,
        read,
        loaded,
        quarantined,
        "loaded",
        "; ".join(notes) or "ok",
        0.0,
    )
