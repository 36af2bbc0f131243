"""A long dbt window in chunks: the event-volume models chunk by chunk, then one build.

One `dbt build` over a year of web events sorts and sessionises them in one statement: at
100,000 customers x 365 days DuckDB's spill of that sort filled the disk. So a window longer
than `build_chunk_days` builds the models tagged `chunked` (the web events, sessions and
touchpoints: everything whose rows scale with events and whose rebuild needs only staging)
chunk by chunk, each chunk an incremental run like a daily one, without tests; and then
the whole window's `dbt build`, in which those models rebuild only the last week (var
`chunked_from`, macros/incremental_window.sql) and every model's tests run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from orchestration.config import environment_set

CHUNKED_TAG = "chunked"


@dataclass(frozen=True)
class DbtStep:
    first: date
    last: date
    dbt_vars: dict[str, Any]
    chunk: bool  # a chunk builds the chunked models (and what they read), without tests
    # the first chunk also builds what the chunked models read (views, staging tables,
    # seeds): on a new warehouse they do not exist yet. The later chunks of the same run
    # read them as built: the raw data did not change in between.
    upstream: bool = True

    def args(self) -> list[str]:
        selected = f"+tag:{CHUNKED_TAG}" if self.upstream else f"tag:{CHUNKED_TAG}"
        only = ["--select", selected, "--resource-type", "model"]
        only += ["--resource-type", "seed"]
        # unit tests check the SQL against fixed inputs, not the data: they run in the test
        # suite (tests/warehouse/test_dbt_unit_tests.py), not in every production build
        everything = ["--exclude-resource-type", "unit_test"]
        selection = only if self.chunk else everything
        return ["build", *selection]

    def env(self) -> dict[str, str]:
        """The window as environment variables (macro run_var), not `--vars`: dbt then
        re-parses only the files that read them, where new `--vars` re-parse everything."""
        names = ("min_date", "max_date", "chunked_from")
        return {f"OMNIKPI_DBT_{name.upper()}": str(self.dbt_vars.get(name) or "") for name in names}

    def describe(self) -> str:
        what = f"tag:{CHUNKED_TAG} models, no tests" if self.chunk else "all models and tests"
        return f"dbt build {self.first}..{self.last} ({what})"


@contextmanager
def window_environment(step: DbtStep) -> Iterator[dict[str, str]]:
    """Set the step's window in os.environ while a dbt process is started, then restore it
    (dagster-dbt hands the subprocess a copy of os.environ)."""
    window = step.env()
    with environment_set(window):
        yield window


def chunk_windows(first: date, last: date, chunk_days: int) -> list[tuple[date, date]]:
    """Consecutive inclusive windows of at most `chunk_days` days covering first..last."""
    if last < first:
        raise ValueError(f"window ends {last} before it starts {first}")
    if chunk_days < 1:
        return [(first, last)]
    windows = []
    start = first
    while start <= last:
        end = min(start + timedelta(days=chunk_days - 1), last)
        windows.append((start, end))
        start = end + timedelta(days=1)
    return windows


FINAL_DAYS = 7


def dbt_steps(first: date, last: date, chunk_days: int) -> list[DbtStep]:
    """The dbt invocations that build first..last; one `build` when it fits one chunk.

    The chunks cover all but the last week, so the final build rebuilds the chunked models
    as a daily run does: its big sorts run in chunks on their own, not beside the full
    build's other models (which share DuckDB's memory and spill)."""
    full_window = {"min_date": first.isoformat(), "max_date": last.isoformat()}
    if chunk_days < 1 or (last - first).days + 1 <= chunk_days:
        return [DbtStep(first, last, full_window, chunk=False)]
    final_from = last - timedelta(days=min(FINAL_DAYS, chunk_days) - 1)
    windows = chunk_windows(first, final_from - timedelta(days=1), chunk_days)
    chunks = [
        DbtStep(a, b, {"min_date": str(a), "max_date": str(b)}, chunk=True, upstream=i == 0)
        for i, (a, b) in enumerate(windows)
    ]
    final_vars = {**full_window, "chunked_from": final_from.isoformat()}
    return [*chunks, DbtStep(first, last, final_vars, chunk=False)]
