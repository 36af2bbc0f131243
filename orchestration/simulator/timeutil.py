"""Time in the simulator: int64 microseconds since the epoch, UTC; stores live in Amsterdam."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np

US = 1_000_000
MINUTE = 60 * US
HOUR = 60 * MINUTE
DAY = 24 * HOUR


def _last_sunday_utc_1am(year: int, month: int) -> int:
    # EU summer time starts/ends on the last Sunday of March/October at 01:00 UTC.
    last = date(year, month + 1, 1) - timedelta(days=1)
    last -= timedelta(days=(last.weekday() - 6) % 7)
    moment = datetime(last.year, last.month, last.day, 1, tzinfo=UTC)
    return int(moment.timestamp()) * US


_DST = {y: (_last_sunday_utc_1am(y, 3), _last_sunday_utc_1am(y, 10)) for y in range(1990, 2100)}
_BOUNDS = np.array([b for y in sorted(_DST) for b in _DST[y]], dtype=np.int64)


def amsterdam_offset_us(ts: np.ndarray) -> np.ndarray:
    """UTC offset of Europe/Amsterdam at each instant: +1 h in winter, +2 h in summer."""
    # inside summer time exactly when an odd number of boundaries lie at or before ts
    crossed = np.searchsorted(_BOUNDS, np.asarray(ts, dtype=np.int64), side="right")
    return np.where(crossed % 2 == 1, 2 * HOUR, HOUR).astype(np.int64)


def local_midnight_us(day: date) -> int:
    """The UTC instant of 00:00 in Amsterdam on `day`."""
    naive = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) * US
    # midnight is never inside a DST switch hour, so the offset at naive-1h is the right one
    return naive - int(amsterdam_offset_us(np.array([naive - HOUR]))[0])


def local_day_index(ts: np.ndarray, start: date) -> np.ndarray:
    """Day number (0 = start) of each instant in Amsterdam local time."""
    local = np.asarray(ts, dtype=np.int64) + amsterdam_offset_us(ts)
    origin = int(datetime(start.year, start.month, start.day, tzinfo=UTC).timestamp()) * US
    return np.floor_divide(local - origin, DAY)


def _seconds_text(ts: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(
        (np.asarray(ts, dtype=np.int64) // US).astype("datetime64[s]"), unit="s"
    )


def iso_utc(ts: np.ndarray, suffix: str = "Z") -> np.ndarray:
    """`YYYY-MM-DDTHH:MM:SS` + suffix, UTC."""
    return np.char.add(_seconds_text(ts), suffix)


def local_text(ts: np.ndarray) -> np.ndarray:
    """`YYYY-MM-DDTHH:MM:SS` in Amsterdam local time (no offset)."""
    return _seconds_text(np.asarray(ts, dtype=np.int64) + amsterdam_offset_us(ts))


def local_with_offset(ts: np.ndarray) -> np.ndarray:
    """Shopify style: `YYYY-MM-DD HH:MM:SS +0100`."""
    text = np.char.replace(local_text(ts), "T", " ")
    offset = np.where(amsterdam_offset_us(ts) == 2 * HOUR, " +0200", " +0100")
    return np.char.add(text, offset)


def local_date_compact(ts: np.ndarray) -> np.ndarray:
    """`YYYYMMDD` of each instant in Amsterdam local time (GA4's event_date)."""
    local = (np.asarray(ts, dtype=np.int64) + amsterdam_offset_us(ts)) // US
    text = np.datetime_as_string(local.astype("datetime64[s]").astype("datetime64[D]"), unit="D")
    return np.char.replace(text, "-", "")
