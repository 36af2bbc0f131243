"""truth/kpis.parquet holds the true KPIs; several are recomputed here from the exports alone.

The recomputation reads the export files with the independent readers, drops the broken
lines, removes repeated lines and order versions as a warehouse must, and must arrive at
exactly the truth's values (money to the cent).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime
from decimal import Decimal

import pytest

from tests.simulator.conftest import Sim
from tests.simulator.readers import Record, local_date, parse_time

Key = tuple[date, str]


def truth_kpi(sim: Sim, kpi: str) -> dict[Key, Decimal]:
    rows = (
        sim.duck()
        .execute("select date, dimension, value from kpis where kpi = ?", [kpi])
        .fetchall()
    )
    return {(d, dim): Decimal(str(round(v, 2))) for d, dim, v in rows}


def as_decimal(values: dict[Key, Decimal | int]) -> dict[Key, Decimal]:
    return {k: Decimal(v).quantize(Decimal("0.01")) for k, v in values.items()}


def unique(records: list[Record]) -> list[Record]:
    """Good records without repeated lines (a duplicate is an exact copy of a line)."""
    seen, out = set(), []
    for rec in records:
        if rec.text not in seen:
            seen.add(rec.text)
            out.append(rec)
    return out


def both(request: pytest.FixtureRequest, which: str) -> Sim:
    return request.getfixturevalue(which)


def test_at_least_ten_kpis(small: Sim) -> None:
    con = small.duck()
    columns = [(c[0], c[1]) for c in con.execute("describe kpis").fetchall()]
    assert columns == [
        ("kpi", "VARCHAR"),
        ("date", "DATE"),
        ("dimension", "VARCHAR"),
        ("value", "DOUBLE"),
    ]
    kpis = {k for (k,) in con.execute("select distinct kpi from kpis").fetchall()}
    assert len(kpis) >= 10, kpis
    # one value per kpi, date and dimension
    repeated = "select kpi, date, dimension from kpis group by all having count(*) > 1"
    assert con.execute(f"select count(*) from ({repeated})").fetchone() == (0,)


@pytest.mark.parametrize("which", ["small", "large"])
def test_orders_revenue_and_units_per_channel_and_day(
    which: str, request: pytest.FixtureRequest
) -> None:
    sim = both(request, which)
    orders: Counter[Key] = Counter()
    revenue: dict[Key, Decimal] = defaultdict(Decimal)
    units: Counter[Key] = Counter()

    # web shop: one row per line per version; keep each order's latest version
    versions: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for rec in unique(sim.good("shop")):
        f = rec.fields
        if f["Name"].startswith("#R") or "test" in f["Tags"].split(","):
            continue  # returns-portal parcels and staff test orders are not orders
        versions[f["Name"]][f["Updated at"]].append(f)
    for by_version in versions.values():
        latest = by_version[max(by_version, key=lambda t: parse_time("shop", "Updated at", t, {}))]
        first = latest[0]
        key = (
            local_date(parse_time("shop", "Created at", first["Created at"], first)),
            first["Source"],
        )
        orders[key] += 1
        revenue[key] += Decimal(first["Subtotal"]) - Decimal(first["Discount Amount"])
        units[key] += sum(int(line["Lineitem quantity"]) for line in latest)

    # stores: sale lines, grouped by receipt
    receipts: dict[str, list[dict]] = defaultdict(list)
    for rec in unique(sim.good("pos")):
        if rec.fields["SOORT"] == "V":
            receipts[rec.fields["BONNR"]].append(rec.fields)
    for lines in receipts.values():
        key = (datetime.strptime(lines[0]["DATUM"], "%d-%m-%Y").date(), "store")
        orders[key] += 1
        revenue[key] += sum(Decimal(x["BEDRAG"].replace(",", ".")) for x in lines)
        units[key] += sum(int(x["AANTAL"]) for x in lines)

    assert {k[1] for k in orders} >= {"web", "store"}
    assert as_decimal(orders) == truth_kpi(sim, "orders")
    assert as_decimal(revenue) == truth_kpi(sim, "gross_revenue")
    assert as_decimal(units) == truth_kpi(sim, "units")


@pytest.mark.parametrize("which", ["small", "large"])
def test_ad_impressions_clicks_and_spend_per_platform_and_day(
    which: str, request: pytest.FixtureRequest
) -> None:
    sim = both(request, which)
    impressions: Counter[Key] = Counter()
    clicks: Counter[Key] = Counter()
    spend: dict[Key, Decimal] = defaultdict(Decimal)
    for rec in unique(sim.good("ads")):
        f = rec.fields
        key = (date.fromisoformat(f["date"]), f["platform"])
        impressions[key] += int(f["impressions"])
        clicks[key] += int(f["clicks"])
        spend[key] += Decimal(f["spend"])
    assert len(spend) >= 3 * sim.days - 3
    assert as_decimal(impressions) == truth_kpi(sim, "ad_impressions")
    assert as_decimal(clicks) == truth_kpi(sim, "ad_clicks")
    assert as_decimal(spend) == truth_kpi(sim, "ad_spend")


@pytest.mark.parametrize("which", ["small", "large"])
def test_email_sends_and_deliveries_per_campaign(
    which: str, request: pytest.FixtureRequest
) -> None:
    sim = both(request, which)
    events: dict[str, dict] = {}
    for rec in sim.good("email"):
        events[rec.fields["event_id"]] = rec.fields  # a repeated line has the same id
    for kind, kpi in (("send", "email_sends"), ("delivered", "email_delivered")):
        first: dict[str, date] = {}
        total: Counter[str] = Counter()
        for f in events.values():
            if f["event_type"] != kind:
                continue
            day = local_date(parse_time("email", "occurred_at", f["occurred_at"], f))
            first[f["campaign_id"]] = min(first.get(f["campaign_id"], day), day)
            total[f["campaign_id"]] += 1
        mine = as_decimal({(first[c], c): n for c, n in total.items()})
        assert mine and mine == truth_kpi(sim, kpi), kpi


@pytest.mark.parametrize("which", ["small", "large"])
def test_loyalty_points_per_channel_and_day(which: str, request: pytest.FixtureRequest) -> None:
    sim = both(request, which)
    entries = {r.fields["entry_id"]: r.fields for r in sim.good("loyalty")}
    totals: dict[str, Counter[Key]] = defaultdict(Counter)
    for f in entries.values():
        key = (local_date(parse_time("loyalty", "occurred_at", f["occurred_at"], f)), f["channel"])
        points = int(f["points"])
        kpi = {
            "earn": "points_earned",
            "bonus": "points_earned",
            "redeem": "points_redeemed",
            "expire": "points_expired",
        }[f["reason"]]
        totals[kpi][key] += abs(points)
    for kpi in ("points_earned", "points_redeemed", "points_expired"):
        assert as_decimal(totals[kpi]) == truth_kpi(sim, kpi), kpi
    assert totals["points_earned"]


@pytest.mark.parametrize("which", ["small", "large"])
def test_service_contacts_per_channel_and_day(which: str, request: pytest.FixtureRequest) -> None:
    sim = both(request, which)
    tickets = {r.fields["id"]: r.fields for r in sim.good("service")}  # versions share an id
    contacts: Counter[Key] = Counter()
    for t in tickets.values():
        contacts[
            (local_date(parse_time("service", "created_at", t["created_at"], t)), t["channel"])
        ] += 1
    assert contacts and as_decimal(contacts) == truth_kpi(sim, "service_contacts")


@pytest.mark.parametrize("which", ["small", "large"])
def test_sessions_per_platform_and_day(which: str, request: pytest.FixtureRequest) -> None:
    # one session_start event per session (GA4); its event_date is the session's local date
    sim = both(request, which)
    sessions: Counter[Key] = Counter()
    for rec in unique(sim.good("web")):
        f = rec.fields
        if f["event_name"] == "session_start":
            sessions[(datetime.strptime(f["event_date"], "%Y%m%d").date(), f["platform"])] += 1
    assert {p for _, p in sessions} == {"WEB", "IOS", "ANDROID"}
    assert as_decimal(sessions) == truth_kpi(sim, "sessions")
