"""Simulations shared by the simulator tests, each written once per session to a tmp dir.

- `small`: 800 customers x 10 days from 2025-10-20, across the autumn DST change
  (2025-10-26), default mess: formats, identifiers, determinism, true KPIs.
- `large`: 5,000 customers x 28 days from 2025-03-10, across the spring DST change
  (2025-03-30), default mess: the default mess rates, identifiers and KPIs at volume.
- `messy`: 8,000 customers x 14 days with raised mess rates, so rare kinds (placeholder
  e-mail, test orders, each malformed kind) show up often enough to measure.

(test_behaviours.py and test_mess.py add their own runs; test_memory.py runs the benchmark.)
Exports are read once per run and cached on the `Sim`.
"""

from __future__ import annotations

import gc
import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.simulator.config import MessRates
from orchestration.simulator.run import SimSummary, simulate
from tests.simulator.readers import Record, broken_kinds, origin_date, param, read_export

FACT_KINDS = (
    "sessions",
    "orders",
    "receipts",
    "returns",
    "tickets",
    "ledger",
    "email_events",
    "ad_stats",
)

# Elevated rates for the rate tests: large enough that each kind is counted in the hundreds
# (placeholder and test orders are drawn per receipt / per order, which are few).
MESSY_RATES = MessRates(
    duplicate_rows=0.01,
    late_rows=0.03,
    messy_identifiers=0.2,
    placeholder_email=0.5,
    shared_email_households=0.2,
    family_tablet_households=0.2,
    test_orders=0.3,
    malformed_rows=0.02,
)


@dataclass
class Sim:
    root: Path
    customers: int
    days: int
    start: date
    seed: int
    mess: MessRates
    summary: SimSummary
    _records: dict[str, list[Record]] = field(default_factory=dict)
    _headers: dict[str, list[str]] = field(default_factory=dict)

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def truth(self) -> Path:
        return self.root / "truth"

    def files(self, source: str) -> list[Path]:
        return sorted((self.landing / source).glob("*/*"))

    def records(self, source: str) -> list[Record]:
        """Every line of every file of the source, read independently, problems marked.

        Web events keep only the fields the tests use: a parsed event is some 3 KB of
        Python objects, and the large simulations have over 100,000 of them.
        """
        if source not in self._records:
            out: list[Record] = []
            gc.disable()  # millions of new containers: the cyclic GC would rescan them all
            try:
                for path in self.files(source):
                    header, records = read_export(self.landing, path)
                    if header is not None:
                        self._headers[path.relative_to(self.landing).as_posix()] = header
                    for rec in records:
                        rec.problems = broken_kinds(rec)
                        if not rec.problems:
                            rec.origin = origin_date(rec)
                        if source == "web" and rec.fields is not None:
                            rec.fields = _slim_event(rec.fields)
                    out.extend(records)
            finally:
                gc.enable()
            self._records[source] = out
        return self._records[source]

    def good(self, source: str) -> list[Record]:
        return [r for r in self.records(source) if not r.problems]

    def headers(self, source: str) -> dict[str, list[str]]:
        self.records(source)
        return {f: h for f, h in self._headers.items() if f.startswith(source + "/")}

    def duck(self) -> duckdb.DuckDBPyConnection:
        """DuckDB with one view per truth fact kind (empty kinds become empty views)."""
        con = duckdb.connect()
        con.execute("set timezone = 'UTC'")
        for kind in FACT_KINDS:
            folder = self.truth / kind
            if any(folder.glob("*.parquet")):
                con.execute(
                    f"create view {kind} as select * from "
                    f"read_parquet('{folder.as_posix()}/*.parquet', union_by_name = true)"
                )
        for name in ("identifiers", "identity_links", "persons", "exports", "mess", "kpis"):
            con.execute(
                f"create view {name} as select * from '{(self.truth / name).as_posix()}.parquet'"
            )
        con.execute(
            f"create view malformed as select * from "
            f"'{(self.truth / 'malformed').as_posix()}.parquet'"
        )
        return con


def _slim_event(event: dict) -> dict:
    keep = ("event_date", "event_timestamp", "event_name", "user_pseudo_id", "user_id", "platform")
    slim = {k: event.get(k) for k in keep}
    slim["ga_session_id"] = param(event, "ga_session_id")
    return slim


def run_sim(
    root: Path,
    customers: int,
    days: int,
    start: date,
    seed: int,
    mess: MessRates | None = None,
    parallel: bool | None = None,
) -> Sim:
    mess = mess or MessRates()
    summary = simulate(root, customers, days, start, seed, mess=mess, parallel=parallel)
    return Sim(root, customers, days, start, seed, mess, summary)


def tree_hashes(root: Path) -> dict[str, str]:
    """sha256 of every file under root, by relative path."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


SMALL = {"customers": 800, "days": 10, "start": date(2025, 10, 20), "seed": 7}


@pytest.fixture(scope="session")
def small(tmp_path_factory: pytest.TempPathFactory) -> Sim:
    return run_sim(tmp_path_factory.mktemp("sim-small"), **SMALL)


@pytest.fixture(scope="session")
def large(tmp_path_factory: pytest.TempPathFactory) -> Sim:
    return run_sim(tmp_path_factory.mktemp("sim-large"), 5000, 28, date(2025, 3, 10), seed=11)


@pytest.fixture(scope="session")
def messy(tmp_path_factory: pytest.TempPathFactory) -> Sim:
    return run_sim(
        tmp_path_factory.mktemp("sim-messy"), 8000, 14, date(2025, 6, 2), 5, mess=MESSY_RATES
    )
