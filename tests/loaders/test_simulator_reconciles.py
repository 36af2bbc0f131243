"""The simulator's exports load for several days and reconcile with its truth files.

Runs when `orchestration.simulator.run.simulate` exists (skipped until then). Per file:
rows read = the simulator's `records`; rows quarantined = the malformed lines it wrote (by
line number); rows loaded = records - quarantined. Duplicate lines are kept in raw.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from orchestration.config import Settings
from orchestration.loaders import SOURCES, connect, load_partition
from tests.loaders.conftest import assert_reconciles

CUSTOMERS = 300
DAYS = 5
START = date(2025, 3, 28)  # spans the spring-forward change on 2025-03-30


@pytest.mark.slow
def test_simulator_output_loads_and_reconciles_with_truth(data_dir: Settings) -> None:
    run = pytest.importorskip("orchestration.simulator.run")
    run.simulate(data_dir.data_dir, customers=CUSTOMERS, days=DAYS, start=START, seed=7)
    truth_dir = data_dir.truth_dir

    with connect(data_dir) as con:
        for spec in SOURCES.values():
            for d in range(DAYS):
                load_partition(con, spec, START + timedelta(days=d), data_dir.landing_dir)
        assert_reconciles(con)
        exports = con.execute(
            f"select source, file, records, malformed, duplicates "
            f"from read_parquet('{truth_dir / 'exports.parquet'}') order by file"
        ).fetchall()
        assert {source for source, *_ in exports} == set(SOURCES)
        logged = {
            row[0]: row[1:]
            for row in con.execute(
                "select file, status, rows_read, rows_loaded, rows_quarantined from audit.load_log"
            ).fetchall()
        }
        for _source, file, records, malformed, _duplicates in exports:
            status, read, loaded, quarantined = logged[file]
            assert status == "loaded", file
            assert read == records, file
            assert quarantined == malformed, file
            assert loaded == records - malformed, file

        # the quarantined lines are exactly the malformed lines, by file and line number
        expected = con.execute(
            f"select file, line from read_parquet('{truth_dir / 'malformed.parquet'}') order by all"
        ).fetchall()
        got = con.execute("select file, line from audit.quarantine order by all").fetchall()
        assert got == expected
