"""Real-world mess at the line level: late, duplicated and malformed records.

- late: a record leaves today's file and is appended to the file one or two days later;
- duplicate: a record is exported twice, on adjacent lines;
- malformed: a corrupted copy of a record follows it (a botched re-send). The original is
  intact, so no real record is lost when the loaders quarantine the copy, and the true KPIs
  do not depend on which corrupt lines a loader rejects.

Every injected line is recorded (file, line number, kind) in the truth.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

FAR_FUTURE_YEAR = "2099"


@dataclass(frozen=True)
class FileFormat:
    source: str
    pattern: str  # file name, {ymd} = YYYYMMDD
    json: bool = False
    delimiter: str = ","
    encoding: str = "utf-8"
    newline: str = "\n"
    bom: bool = False
    key: int = 0  # column index of the record key
    timestamps: tuple[int, ...] = ()  # column indices holding a date or timestamp
    amounts: tuple[int, ...] = ()  # column indices holding numbers
    late_ok: bool = True  # a full snapshot has no late records


FORMATS = {
    f.source: f
    for f in (
        FileFormat("web", "events_{ymd}.json", json=True),
        FileFormat("shop", "orders_export_{ymd}.csv", timestamps=(5, 6), amounts=(14, 19)),
        FileFormat(
            "pos",
            "KASSA_{ymd}.csv",
            delimiter=";",
            encoding="latin-1",
            newline="\r\n",
            timestamps=(2,),
            amounts=(10, 8),
        ),
        FileFormat("crm", "contacts_{ymd}.csv", bom=True, timestamps=(5,), late_ok=False),
        FileFormat("email", "email_events_{ymd}.csv", timestamps=(2,)),
        FileFormat("ads", "ad_performance_{ymd}.csv", key=2, timestamps=(0,), amounts=(6, 4)),
        FileFormat("service", "tickets_{ymd}.json", json=True),
        FileFormat("loyalty", "ledger_{ymd}.csv", timestamps=(3,), amounts=(4,)),
    )
}
SOURCES = tuple(FORMATS)


@dataclass
class MessLog:
    """Injected mess, one entry per line: (source, file, line, kind, detail)."""

    rows: list[tuple[str, str, int, str, str]] = field(default_factory=list)


@dataclass
class LateBuffer:
    """Lines held back for a later day's file: (source, day) -> [(line, origin day)]."""

    lines: dict[tuple[str, int], list[tuple[str, int]]] = field(default_factory=dict)

    def hold(self, source: str, day: int, line: str, origin: int) -> None:
        self.lines.setdefault((source, day), []).append((line, origin))

    def release(self, source: str, day: int) -> list[tuple[str, int]]:
        return self.lines.pop((source, day), [])


def apply_mess(
    fmt: FileFormat,
    lines: pa.Array,
    d: int,
    last_day: int,
    rates,
    rng: np.random.Generator,
    late: LateBuffer,
) -> tuple[list[pa.Array], list[tuple[int, str, str]]]:
    """Return the file's lines, as pieces in order, and the mess injected into them.

    The mess log holds (index of the line in the file's records, kind, detail). Clean runs
    between mess lines stay zero-copy slices of the input.
    """
    n = len(lines)
    u_late, u_dup, u_bad = rng.random(n), rng.random(n), rng.random(n)
    can_delay = fmt.late_ok and d + 2 <= last_day
    hold_back = (u_late < rates.late_rows) if can_delay else np.zeros(n, bool)
    delay = np.where(rng.random(n) < 0.7, 1, 2)
    dup = u_dup < rates.duplicate_rows
    bad = u_bad < rates.malformed_rows
    pieces: list[pa.Array] = []
    log: list[tuple[int, str, str]] = []
    written = done = 0
    for i in np.flatnonzero(hold_back | dup | bad).tolist():
        pieces.append(lines.slice(done, i - done))
        written += i - done
        done = i + 1
        text = lines[i].as_py()
        if hold_back[i]:
            late.hold(fmt.source, d + int(delay[i]), text, d)
            continue
        extra = _variants(fmt, text, bool(dup[i]), bool(bad[i]), rng)
        for offset, (_, kind, detail) in enumerate(extra[1:], start=1):
            log.append((written + offset, kind, detail))
        pieces.append(pa.array([line for line, _, _ in extra], type=pa.string()))
        written += len(extra)
    pieces.append(lines.slice(done, n - done))
    written += n - done
    arrived = late.release(fmt.source, d)
    for k, (_, origin) in enumerate(arrived):
        log.append((written + k, "late", f"record of day {origin} delivered on day {d}"))
    pieces.append(pa.array([line for line, _ in arrived], type=pa.string()))
    return pieces, log


def _variants(fmt, line: str, duplicate: bool, malformed: bool, rng) -> list[tuple[str, str, str]]:
    """The line, then its duplicate and/or corrupted copy: (text, kind, detail)."""
    out = [(line, "original", "")]
    if duplicate:
        out.append((line, "duplicate", "exact copy of the previous line"))
    if malformed:
        bad, kind = corrupt(fmt, line, rng)
        out.append((bad, kind, "corrupted copy of the previous line"))
    return out


def corrupt(fmt: FileFormat, line: str, rng: np.random.Generator) -> tuple[str, str]:
    """A broken copy of a record, of a kind its loader must catch."""
    if fmt.json:
        if rng.random() < 0.75:
            cut = int(rng.integers(10, max(11, len(line) - 10)))
            return line[:cut], "truncated_json"
        # a clock error: the record claims to come from the far future
        stamp = re.search(r'"(event_timestamp|created_at)":"?(\d{4})', line)
        if stamp and stamp.group(1) == "event_timestamp":
            return re.sub(
                r'"event_timestamp":\d+', '"event_timestamp":4102444800000000', line, count=1
            ), "future_timestamp"
        return re.sub(
            r'"created_at":"\d{4}', f'"created_at":"{FAR_FUTURE_YEAR}', line, count=1
        ), "future_timestamp"
    fields = next(csv.reader([line], delimiter=fmt.delimiter))
    kinds = ["missing_key"] + ["bad_timestamp", "future_timestamp"] * bool(fmt.timestamps)
    kinds += ["bad_amount"] * bool(fmt.amounts)
    kind = kinds[int(rng.integers(0, len(kinds)))]
    if kind == "missing_key":
        fields[fmt.key] = ""
    elif kind == "bad_timestamp":
        col = fmt.timestamps[0]
        fields[col] = _bad_date(fields[col])
    elif kind == "future_timestamp":
        col = fmt.timestamps[0]
        fields[col] = re.sub(r"\d{4}", FAR_FUTURE_YEAR, fields[col], count=1)
    else:
        col = fmt.amounts[0]
        fields[col] = fields[col][:-1] + "x" if fields[col] else "n/a"
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=fmt.delimiter, lineterminator="").writerow(fields)
    return buffer.getvalue(), kind


def _bad_date(value: str) -> str:
    # month 13 or hour 25: a date that does not exist
    if re.match(r"\d{2}-\d{2}-\d{4}", value):  # DD-MM-YYYY
        return value[:3] + "13" + value[5:]
    return re.sub(r"(\d{4})-(\d{2})", r"\1-13", value, count=1)
