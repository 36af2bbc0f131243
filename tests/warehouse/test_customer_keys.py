"""Customer keys stay stable from one daily run to the next, except where customers merged,
and then the retired key points at the survivor in customer_key_history."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration.config import settings

pytestmark = pytest.mark.slow

CUSTOMERS, DAYS, START, SEED = 4000, 15, date(2025, 11, 3), 21


def _keys(build_db: Path) -> dict[str, str]:
    with duckdb.connect(str(build_db), read_only=True) as con:
        rows = con.execute(
            "select identifier_id, customer_key from intermediate.int_identifiers_resolved "
            "where customer_key is not null"
        ).fetchall()
    return dict(rows)


def test_keys_survive_the_next_day_except_merges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orchestration.refresh import run_refresh
    from orchestration.simulator.run import simulate

    monkeypatch.setenv("OMNIKPI_DATA_DIR", str(tmp_path / "data"))
    cfg = settings()
    cfg.ensure_dirs()
    simulate(cfg.data_dir, customers=CUSTOMERS, days=DAYS, start=START, seed=SEED)
    last = START + timedelta(days=DAYS - 1)

    first_run = run_refresh(START, last - timedelta(days=1))
    assert first_run.ok, first_run.reason
    before = _keys(cfg.build_db)
    second_run = run_refresh(last, last)
    assert second_run.ok, second_run.reason
    after = _keys(cfg.build_db)

    with duckdb.connect(str(cfg.build_db), read_only=True) as con:
        history = dict(
            con.execute(
                "select retired_customer_key, surviving_customer_key "
                "from marts.customer_key_history"
            ).fetchall()
        )
    live = set(after.values())
    common = before.keys() & after.keys()
    changed = {i for i in common if before[i] != after[i]}
    # every change is a recorded merge into the identifier's new customer
    for identifier in changed:
        assert history.get(before[identifier]) == after[identifier], identifier
    # retired keys are gone, survivors exist
    assert not set(history) & live
    assert set(history.values()) <= live
    # most customers are untouched by one more day
    assert len(common) > 5_000
    assert len(changed) < 0.02 * len(common)
    # the day brought evidence that joined customers: the history is exercised, not empty
    assert changed, f"no merge in the extra day ({len(common)} identifiers): pick another seed"
