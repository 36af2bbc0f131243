"""The configured mess, found in the exports at the configured rates, and logged in the truth.

How the tolerance is chosen: each kind of mess is an independent draw per record (per
contact, per receipt, per order), so its count is Binomial(n, p) for the n trials counted
here. A correct simulator lands within 4 standard deviations of n*p with probability
1 - 6e-5 for any seed (the seeds are fixed, so the test is deterministic anyway). Every
check also requires the band to be narrower than half of n*p (4 sd < 0.5 n p), so a rate
wrong by half cannot pass: tight enough to catch a wrong rate, loose enough for chance.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from orchestration.simulator.config import MessRates
from tests.simulator.conftest import SMALL, Sim, run_sim
from tests.simulator.readers import PLACEHOLDER, SOURCES, Record, identifiers, parse_time

Z = 4.0


@dataclass
class Rate:
    observed: int
    trials: int

    def check(self, p: float, what: str) -> None:
        expected = self.trials * p
        sd = math.sqrt(self.trials * p * (1 - p))
        assert Z * sd < 0.5 * expected, f"{what}: {self.trials} trials are too few to tell"
        assert abs(self.observed - expected) <= Z * sd + 1, (
            f"{what}: {self.observed} of {self.trials} = {self.observed / self.trials:.5f}, "
            f"configured {p} (expected {expected:.1f} +- {Z * sd:.1f})"
        )


def duplicate_lines(sim: Sim, source: str) -> set[tuple[str, int]]:
    """Lines identical to the line before them in the same file."""
    out = set()
    records = sim.records(source)
    for before, rec in itertools.pairwise(records):
        if rec.file == before.file and rec.text == before.text:
            out.add((rec.file, rec.line))
    return out


def late_lines(sim: Sim, source: str) -> set[tuple[str, int]]:
    """Records of an earlier day than their delivery (web events: their own event date)."""
    return {(r.file, r.line) for r in sim.good(source) if r.origin < r.delivery}


def observe(sim: Sim) -> dict[str, Rate]:
    """Counts of each kind of mess, and the number of records that could have had it."""
    last_late_origin = sim.start + timedelta(days=sim.days - 3)  # later ones cannot be late
    dup = bad = late = originals = late_trials = 0
    for source in SOURCES:
        dups = duplicate_lines(sim, source)
        lates = late_lines(sim, source)
        dup += len(dups)
        late += len(lates)
        bad += sum(1 for r in sim.records(source) if r.problems)
        for rec in sim.good(source):
            key = (rec.file, rec.line)
            if key in dups:
                continue
            if key not in lates:
                originals += 1  # a record in its own day's file: could be doubled or broken
            if source != "crm" and rec.origin <= last_late_origin:
                late_trials += 1  # a snapshot (crm) is never late
    rates = {
        "duplicate_rows": Rate(dup, originals),
        "malformed_rows": Rate(bad, originals),
        "late_rows": Rate(late, late_trials),
    }

    # messy e-mails: each CRM contact keeps its address as first typed
    last = sim.files("crm")[-1].relative_to(sim.landing).as_posix()
    emails = [
        r.fields["Email"] for r in sim.good("crm") if r.file == last and r.fields["Email"] != ""
    ]
    rates["messy_identifiers"] = Rate(sum(e != e.strip().lower() for e in emails), len(emails))

    # the placeholder: card receipts without an e-receipt request get the store's address
    receipts = {}
    for r in sim.good("pos"):
        f = r.fields
        if f["SOORT"] == "V" and f["KLANTKAART"] and f["EBON_EMAIL"] in ("", PLACEHOLDER):
            receipts[f["BONNR"]] = f["EBON_EMAIL"] == PLACEHOLDER
    rates["placeholder_email"] = Rate(sum(receipts.values()), len(receipts))

    # test orders: drawn per real order placed that day
    real: dict[date, set[str]] = defaultdict(set)
    tests = set()
    for r in sim.good("shop"):
        f = r.fields
        if "test" in f["Tags"].split(","):
            tests.add(f["Name"])
        elif not f["Name"].startswith("#R"):
            created = parse_time("shop", "Created at", f["Created at"], f).date()
            real[created].add(f["Name"])
    # staff test the shop every day: a quiet day (under 20 real orders) still gets the test
    # orders of a 20-order day, so the trials are max(real orders, 20) per day
    days = [sim.start + timedelta(days=d) for d in range(sim.days)]
    rates["test_orders"] = Rate(len(tests), sum(max(len(real[d]), 20) for d in days))
    return rates


def test_configured_rates_are_found(messy: Sim) -> None:
    rates = observe(messy)
    for kind, rate in rates.items():
        rate.check(getattr(messy.mess, kind), kind)


def test_default_rates_are_found(large: Sim) -> None:
    assert large.mess == MessRates()
    rates = observe(large)
    # placeholder e-mails and test orders are too rare at their defaults for a 5,000-customer
    # run (a few of each): the messy run checks them at higher rates
    for kind in ("duplicate_rows", "malformed_rows", "late_rows", "messy_identifiers"):
        rates[kind].check(getattr(large.mess, kind), kind)
    assert rates["placeholder_email"].observed > 0


@pytest.mark.parametrize("which", ["small", "messy"])
def test_mess_is_logged_in_the_truth(which: str, request: pytest.FixtureRequest) -> None:
    """mess.parquet lists exactly the duplicate and late lines found; exports.parquet counts."""
    sim: Sim = request.getfixturevalue(which)
    con = sim.duck()
    logged = defaultdict(set)
    for source, file, line, kind in con.execute(
        "select source, file, line, kind from mess"
    ).fetchall():
        assert file.startswith(source + "/")
        logged[kind].add((file, line))
    dups = set().union(*(duplicate_lines(sim, s) for s in SOURCES))
    lates = set().union(*(late_lines(sim, s) for s in SOURCES))
    assert logged["duplicate"] == dups
    assert logged["late"] == lates
    broken = {(r.file, r.line) for s in SOURCES for r in sim.records(s) if r.problems}
    others = set().union(*(v for k, v in logged.items() if k not in ("duplicate", "late")))
    assert others == broken
    counts = {
        f: (d, late, m)
        for f, d, late, m in con.execute(
            "select file, duplicates, late, malformed from exports"
        ).fetchall()
    }
    for file, (d, late, m) in counts.items():
        assert d == sum(1 for f, _ in dups if f == file), file
        assert late == sum(1 for f, _ in lates if f == file), file
        assert m == sum(1 for f, _ in broken if f == file), file
    assert lates and dups


def test_guest_checkouts_and_anonymous_receipts(large: Sim) -> None:
    guests = [
        r
        for r in large.good("web")
        if r.fields["event_name"] == "purchase" and r.fields["user_id"] is None
    ]
    assert guests, "no purchase without a login"
    anonymous = {
        r.fields["BONNR"]
        for r in large.good("pos")
        if r.fields["SOORT"] == "V" and not r.fields["KLANTKAART"] and not r.fields["EBON_EMAIL"]
    }
    assert anonymous, "no receipt without a card or e-mail"


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Sim:
    return run_sim(tmp_path_factory.mktemp("sim-clean"), **SMALL, mess=MessRates.none())


def test_no_mess_when_switched_off(clean: Sim) -> None:
    con = clean.duck()
    assert con.execute("select count(*) from mess").fetchone() == (0,)
    assert con.execute("select count(*) from malformed").fetchone() == (0,)
    assert con.execute("select sum(duplicates + late + malformed) from exports").fetchone() == (0,)
    persons_per_value = Counter()
    for kind, value, _person in con.execute("select * from identifiers").fetchall():
        persons_per_value[(kind, value)] += 1
    assert max(persons_per_value.values()) == 1  # no placeholder, household e-mail or tablet
    last = clean.start + timedelta(days=clean.days - 1)  # its file keeps the night's events
    assert all(r.origin == r.delivery for r in clean.good("web") if r.delivery != last)
    emails = 0
    for source in SOURCES:
        records = clean.records(source)
        assert not any(r.problems for r in records), source
        assert not duplicate_lines(clean, source), source
        assert not late_lines(clean, source), source
        for rec in records:
            for kind, _value in identifiers(rec):
                if kind != "email":
                    continue
                emails += 1
                raw = _raw_emails(rec)
                assert all(e == e.strip().lower() for e in raw), raw
                assert PLACEHOLDER not in raw
    assert emails > 1000
    assert not any("test" in r.fields["Tags"].split(",") for r in clean.records("shop"))


def _raw_emails(rec: Record) -> list[str]:
    f = rec.fields
    if rec.source == "service":
        return [f["requester"]["email"]]
    column = {"shop": "Email", "pos": "EBON_EMAIL", "crm": "Email", "email": "email"}
    return [f[column[rec.source]]]
