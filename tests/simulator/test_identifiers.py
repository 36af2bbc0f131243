"""Every identifier in the exports is in the truth, and only the known cases are shared.

Identifier values are normalised here, independently of the simulator: e-mail trimmed and
lower-cased, phones to E.164 from five typed forms, cards to 13 digits with a valid EAN-13
check digit (see readers.py).
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from tests.simulator.conftest import Sim
from tests.simulator.readers import PLACEHOLDER, SOURCES, identifiers

TYPES = {"cookie", "web_account", "email", "phone", "card", "crm_id", "member_id"}


def exported(sim: Sim) -> dict[tuple[str, str], set[str]]:
    """(type, canonical value) -> the sources that showed it."""
    out: dict[tuple[str, str], set[str]] = defaultdict(set)
    for source in SOURCES:
        for rec in sim.good(source):
            for pair in identifiers(rec):
                out[pair].add(source)
    return out


def truth_persons(sim: Sim) -> dict[tuple[str, str], set[int]]:
    out: dict[tuple[str, str], set[int]] = defaultdict(set)
    rows = (
        sim.duck()
        .execute("select identifier_type, identifier_value, person from identifiers")
        .fetchall()
    )
    for kind, value, person in rows:
        out[(kind, value)].add(person)
    return out


@pytest.mark.parametrize("which", ["small", "large"])
def test_every_exported_identifier_is_in_the_truth_and_back(
    which: str, request: pytest.FixtureRequest
) -> None:
    sim: Sim = request.getfixturevalue(which)
    seen, truth = exported(sim), truth_persons(sim)
    assert {kind for kind, _ in seen} == TYPES
    missing = sorted(set(seen) - set(truth))
    assert not missing, missing[:10]
    # and the truth lists nothing that no export showed
    unseen = sorted(set(truth) - set(seen))
    assert not unseen, unseen[:10]


def test_canonical_values_in_the_truth(small: Sim) -> None:
    # the truth's own values are already canonical: normalising them changes nothing
    for kind, value in truth_persons(small):
        if kind == "email":
            assert value == value.strip().lower()
        elif kind == "phone":
            assert value.startswith("+316") and len(value) == 12 and value[1:].isdigit()
        elif kind == "card":
            assert len(value) == 13 and value.isdigit()


def _shared(sim: Sim) -> dict[tuple[str, str], set[int]]:
    return {k: p for k, p in truth_persons(sim).items() if len(p) > 1}


def _classify_shared(sim: Sim) -> dict[str, int]:
    """Every value with several persons is one of the three known cases; count each."""
    con = sim.duck()
    persons = {
        p: (household, shared_email, family_tablet)
        for p, household, shared_email, family_tablet in con.execute(
            "select person, household, shared_email, family_tablet from persons"
        ).fetchall()
    }
    counts = {"placeholder": 0, "household_email": 0, "family_tablet": 0}
    for (kind, value), people in _shared(sim).items():
        households = {persons[p][0] for p in people}
        if kind == "email" and value == PLACEHOLDER:
            counts["placeholder"] += 1
            assert len(people) > 2
        elif kind == "email":
            assert len(households) == 1 and all(persons[p][1] for p in people), value
            counts["household_email"] += 1
        elif kind == "cookie":
            assert len(households) == 1 and all(persons[p][2] for p in people), value
            counts["family_tablet"] += 1
        else:
            raise AssertionError(f"{kind} {value!r} belongs to {sorted(people)}")
    return counts


@pytest.mark.parametrize("which", ["small", "large", "messy"])
def test_only_placeholder_household_emails_and_family_tablets_are_shared(
    which: str, request: pytest.FixtureRequest
) -> None:
    counts = _classify_shared(request.getfixturevalue(which))
    if which != "small":  # the small run is too small to be sure of each case
        assert all(counts.values()), counts


def test_family_tablet_is_one_cookie_with_several_logins(messy: Sim) -> None:
    # seen in the export alone: one user_pseudo_id, several user_ids
    logins: dict[str, set[str]] = defaultdict(set)
    for rec in messy.good("web"):
        if rec.fields["user_id"]:
            logins[rec.fields["user_pseudo_id"]].add(rec.fields["user_id"])
    several = {cookie for cookie, users in logins.items() if len(users) > 1}
    shared_cookies = {v for (kind, v) in _shared(messy) if kind == "cookie"}
    assert several and several <= shared_cookies


def test_household_email_is_on_several_crm_contacts(messy: Sim) -> None:
    last = messy.files("crm")[-1].relative_to(messy.landing).as_posix()
    contacts: dict[str, set[str]] = defaultdict(set)
    for rec in messy.good("crm"):
        if rec.file == last and rec.fields["Email"]:
            contacts[rec.fields["Email"].strip().lower()].add(rec.fields["ContactId"])
    several = {email for email, ids in contacts.items() if len(ids) > 1}
    shared_emails = {v for (kind, v) in _shared(messy) if kind == "email"}
    assert several and several <= shared_emails


def test_placeholder_email_is_typed_for_many_cards(messy: Sim) -> None:
    cards = {
        rec.fields["KLANTKAART"]
        for rec in messy.good("pos")
        if rec.fields["EBON_EMAIL"] == PLACEHOLDER
    }
    assert len(cards) > 10


def test_identity_links_seen_in_the_exports(small: Sim) -> None:
    con = small.duck()
    links = set()
    for a, va, b, vb in con.execute("select * from identity_links").fetchall():
        links.add((a, va, b, vb))
        links.add((b, vb, a, va))
    expected = set()
    for rec in small.good("crm"):
        ids = dict(identifiers(rec))
        for kind, value in ids.items():
            if kind != "crm_id":
                expected.add(("crm_id", ids["crm_id"], kind, value))
    for rec in small.good("loyalty"):
        ids = dict(identifiers(rec))
        expected.add(("member_id", ids["member_id"], "card", ids["card"]))
    for rec in small.good("pos"):
        ids = dict(identifiers(rec))
        if "card" in ids:
            expected.add(("card", ids["card"], "order_ref", rec.fields["BONNR"]))
    for rec in small.good("web"):
        if rec.fields["user_id"]:
            expected.add(
                ("cookie", rec.fields["user_pseudo_id"], "web_account", rec.fields["user_id"])
            )
    assert expected and not sorted(expected - links)[:5]


def test_linked_identifiers_belong_to_one_person(small: Sim) -> None:
    # a link between two unshared identifiers of different persons would merge two people
    truth = truth_persons(small)
    con = small.duck()
    checked = 0
    for a, va, b, vb in con.execute("select * from identity_links").fetchall():
        pa, pb = truth.get((a, va)), truth.get((b, vb))
        if pa is None or pb is None or len(pa) > 1 or len(pb) > 1:
            continue  # an order reference, or a shared value
        assert pa == pb, (a, va, b, vb)
        checked += 1
    assert checked > 100
