"""Customer keys stay stable from one daily run to the next, except where customers merged,
and then the retired key points at the survivor in customer_key_history."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration.config import settings

pytestmark = pytest.mark.slow

CUSTOMERS, DAYS, START, SEED = 4000, 15, date(2025, 11, 3), 21

# Two customers: A has a loyalty card and one e-mail, B an e-mail and no card. A store
# receipt with A's card and B's e-mail is new evidence that they are one person; the guards
# let it through (B's address gets its first card, A's card its second address).
PAIR_SQL = """
with per_key as (
    select
        customer_key,
        count(*) filter (where identifier_type = 'card') as cards,
        count(*) filter (where identifier_type = 'email') as emails,
        min(identifier_value) filter (where identifier_type = 'card') as card,
        min(identifier_value) filter (where identifier_type = 'email') as email
    from intermediate.int_identifiers_resolved
    where customer_key is not null
    group by customer_key
)
select a.customer_key, a.card, b.customer_key, b.email
from per_key as a, per_key as b
where a.cards = 1 and a.emails = 1 and b.cards = 0 and b.emails = 1
order by a.customer_key, b.customer_key
limit 1
"""


def _keys(build_db: Path) -> dict[str, str]:
    with duckdb.connect(str(build_db), read_only=True) as con:
        rows = con.execute(
            "select identifier_id, customer_key from intermediate.int_identifiers_resolved "
            "where customer_key is not null"
        ).fetchall()
    return dict(rows)


def _add_store_receipt(pos_file: Path, card: str, email: str) -> None:
    """One more sale on the day's till export, copying a real line's shape."""
    with pos_file.open(encoding="latin-1", newline="") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    template = next(r for r in rows if r["SOORT"] == "V")
    receipt = f"{template['FILIAAL']}-{template['BONNR'].split('-')[1]}-9999"
    assert receipt not in {r["BONNR"] for r in rows}
    extra = template | {"BONNR": receipt, "REGEL": "1", "KLANTKAART": card, "EBON_EMAIL": email}
    with pos_file.open("a", encoding="latin-1", newline="") as f:
        csv.DictWriter(f, fieldnames=list(template), delimiter=";", lineterminator="\r\n").writerow(
            extra
        )


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
    with duckdb.connect(str(cfg.build_db), read_only=True) as con:
        key_a, card, key_b, email = con.execute(PAIR_SQL).fetchone()
    _add_store_receipt(
        cfg.landing_dir / "pos" / f"{last}" / f"KASSA_{last:%Y%m%d}.csv", card, email
    )

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
    # the receipt merged A and B: one of their keys survives, the other is retired into it
    merged = {after[i] for i in common if before[i] in (key_a, key_b)}
    assert len(merged) == 1, merged
    survivor = merged.pop()
    assert survivor in (key_a, key_b)
    retired = ({key_a, key_b} - {survivor}).pop()
    assert history[retired] == survivor
    # every change is a recorded merge into the identifier's new customer
    for identifier in changed:
        assert history.get(before[identifier]) == after[identifier], identifier
    # retired keys are gone, survivors exist
    assert not set(history) & live
    assert set(history.values()) <= live
    # most customers are untouched by one more day
    assert len(common) > 5_000
    assert len(changed) < 0.02 * len(common)
