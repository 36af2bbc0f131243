"""Late files: landing files the load log has not seen, for dates that were already loaded.

The sensor must not open the build database: a DuckDB reader blocks the single writer, so
a sensor tick at the wrong moment would make a load or dbt step fail with a lock error.
Instead the dbt step (which holds the `duckdb_build` pool) writes a Parquet snapshot of
`audit.load_log` next to the build database after every build; the sensor reads that.
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from orchestration.config import Settings
from orchestration.serving.db import has_table, quote_path

SNAPSHOT_NAME = "load_log.parquet"

# The loaders own audit.load_log; accept the usual spellings of its columns.
_FILE_COLUMNS = ("file", "file_path", "source_file", "_source_file", "path", "relative_path")
_FILE_COLUMNS += ("filename", "file_name")
_DATE_COLUMNS = ("partition_date", "_partition_date", "delivery_date", "partition_key", "day")
_CHECKSUM_COLUMNS = ("checksum", "sha256", "file_sha256", "file_checksum", "md5", "sha1")
_LOADED_AT_COLUMNS = ("loaded_at", "_loaded_at", "finished_at", "completed_at", "started_at")


@dataclass(frozen=True)
class LoadedFile:
    path: str  # <source>/<YYYY-MM-DD>/<file>
    partition_date: date
    checksum: str | None
    loaded_at: datetime | None


@dataclass(frozen=True)
class LateFile:
    path: str
    partition_date: date
    reason: str  # "new" or "changed"
    size: int
    mtime_ns: int

    @property
    def fingerprint(self) -> str:
        return f"{self.path}:{self.size}:{self.mtime_ns}"


def snapshot_path(cfg: Settings) -> Path:
    return cfg.build_db.parent / SNAPSHOT_NAME


def write_load_log_snapshot(con: duckdb.DuckDBPyConnection, cfg: Settings) -> Path | None:
    """Copy audit.load_log (of the attached build DB in use) to Parquet, atomically."""
    if not has_table(con, "audit.load_log"):
        return None
    target = snapshot_path(cfg)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    con.execute(f"copy (select * from audit.load_log) to {quote_path(tmp)} (format parquet)")
    os.replace(tmp, target)
    return target


def _normalise(path: str) -> str:
    # absolute or relative, with either separator: keep <source>/<date>/<file>
    parts = Path(str(path).replace("\\", "/")).parts
    return "/".join(parts[-3:])


def _pick(columns: list[str], candidates: tuple[str, ...]) -> str | None:
    lowered = {c.lower(): c for c in columns}
    return next((lowered[c] for c in candidates if c in lowered), None)


def read_load_log_snapshot(cfg: Settings) -> list[LoadedFile] | None:
    """The files the loaders have seen, or None when there is no snapshot yet."""
    path = snapshot_path(cfg)
    if not path.exists():
        return None
    with duckdb.connect(":memory:") as con:
        rel = con.execute(f"select * from read_parquet({quote_path(path)})")
        columns = [d[0] for d in rel.description]
        file_col = _pick(columns, _FILE_COLUMNS)
        date_col = _pick(columns, _DATE_COLUMNS)
        if file_col is None:
            raise ValueError(f"audit.load_log has no file column (columns: {columns})")
        checksum_col = _pick(columns, _CHECKSUM_COLUMNS)
        loaded_col = _pick(columns, _LOADED_AT_COLUMNS)
        select = ", ".join(
            f'"{c}"' if c else "null" for c in (file_col, date_col, checksum_col, loaded_col)
        )
        rows = con.execute(f"select {select} from read_parquet({quote_path(path)})").fetchall()
    loaded = []
    for file, day, checksum, loaded_at in rows:
        if file is None:
            continue
        rel_path = _normalise(file)
        if day is None:
            day = rel_path.split("/")[1]
        day = date.fromisoformat(str(day)[:10]) if not isinstance(day, date) else day
        loaded.append(LoadedFile(rel_path, day, str(checksum) if checksum else None, loaded_at))
    return loaded


def _digest(path: Path, checksum: str) -> str:
    value = checksum.split(":")[-1].strip().lower()
    algorithm = {32: "md5", 40: "sha1", 64: "sha256"}.get(len(value), "sha256")
    digest = hashlib.new(algorithm)
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def find_late_files(
    landing_dir: Path, loaded: list[LoadedFile], today: date
) -> dict[str, list[LateFile]]:
    """Late files per partition key, for dates inside the loaded history and before today.

    Dates after the last loaded one are the schedule's business (yesterday's run); dates
    before the first are history nobody asked for yet (`omnikpi refresh --from --to`).
    """
    if not loaded or not landing_dir.exists():
        return {}
    first = min(f.partition_date for f in loaded)
    last = max(f.partition_date for f in loaded)
    seen: dict[str, list[LoadedFile]] = defaultdict(list)
    for item in loaded:
        seen[item.path].append(item)

    late: dict[str, list[LateFile]] = defaultdict(list)
    for file in sorted(landing_dir.glob("*/*/*")):
        if not file.is_file() or file.name.startswith("."):
            continue
        try:
            day = date.fromisoformat(file.parent.name)
        except ValueError:
            continue
        if not (first <= day <= last) or day >= today:
            continue
        rel = f"{file.parent.parent.name}/{file.parent.name}/{file.name}"
        stat = file.stat()
        entries = seen.get(rel)
        reason = None
        if not entries:
            reason = "new"
        else:
            loaded_times = [_epoch(e.loaded_at) for e in entries if e.loaded_at is not None]
            # hash only files touched after their last load: a year of files stays cheap
            newer = not loaded_times or stat.st_mtime > max(loaded_times)
            checksums = {e.checksum.split(":")[-1].lower() for e in entries if e.checksum}
            if newer and checksums:
                sample = next(iter(checksums))
                if _digest(file, sample) not in checksums:
                    reason = "changed"
            elif newer and not checksums:
                reason = "changed"
        if reason:
            late[day.isoformat()].append(LateFile(rel, day, reason, stat.st_size, stat.st_mtime_ns))
    return dict(late)


def _epoch(value: datetime) -> float:
    # load-log timestamps are UTC without a zone (DuckDB `timestamp`)
    if value.tzinfo is None:
        return (value - datetime(1970, 1, 1)).total_seconds()
    return value.timestamp()
