"""Every export, read with Python's csv and json, is what docs/sources.md says it is.

Runs on the small simulation (800 customers x 10 days across the autumn DST change).
Value checks apply to good lines; the broken ones must be exactly those the truth lists.
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from orchestration.config import PROJECT_DIR
from tests.simulator.conftest import Sim
from tests.simulator.readers import (
    AMS,
    PLACEHOLDER,
    SOURCES,
    SPECS,
    Record,
    from_micros,
    local_date,
    parse_time,
    read_export,
)

EVENT_KEYS = {
    "event_date",
    "event_timestamp",
    "event_name",
    "event_params",
    "user_pseudo_id",
    "user_id",
    "user_first_touch_timestamp",
    "platform",
    "device",
    "traffic_source",
    "collected_traffic_source",
    "ecommerce",
    "items",
}
# docs/sources.md's list, plus GA4's automatic `scroll` and `user_engagement` events
EVENT_NAMES = {
    "first_visit",
    "session_start",
    "page_view",
    "screen_view",
    "view_item",
    "add_to_cart",
    "begin_checkout",
    "purchase",
    "login",
    "sign_up",
    "search",
    "store_locator_search",
    "scroll",
    "user_engagement",
}
ITEM_EVENTS = {"view_item", "add_to_cart", "begin_checkout", "purchase"}
SHOPIFY_TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4}")
UTC_Z = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
MONEY = re.compile(r"-?\d+\.\d{2}")
MONEY_COMMA = re.compile(r"-?\d+,\d{2}")
RECEIPT = re.compile(r"F\d{3}-\d{8}-\d{4}")
ORDER = re.compile(r"#\d+")
PHONE_FORMS = (
    re.compile(r"\+31 6 \d{4} \d{4}"),
    re.compile(r"00316\d{8}"),
    re.compile(r"06-\d{8}"),
    re.compile(r"06\d{8}"),
    re.compile(r"\+316\d{8}"),
)


def _seed(name: str) -> list[dict[str, str]]:
    with (PROJECT_DIR / "seeds" / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


PRODUCTS = {row["sku"]: row for row in _seed("products.csv")}
STORES = {row["store_id"] for row in _seed("stores.csv")}


def cents(text: str, comma: bool = False) -> Decimal:
    return Decimal(text.replace(",", ".") if comma else text)


def good(sim: Sim, source: str) -> list[dict]:
    return [r.fields for r in sim.good(source)]


def test_one_file_per_source_and_day_named_as_the_contract_says(small: Sim) -> None:
    days = [small.start + timedelta(days=d) for d in range(small.days)]
    for source in SOURCES:
        files = small.files(source)
        expected = [
            f"{source}/{d.isoformat()}/{SPECS[source].pattern.format(ymd=d.strftime('%Y%m%d'))}"
            for d in days
        ]
        assert [p.relative_to(small.landing).as_posix() for p in files] == expected


def test_record_counts_per_file_equal_truth_exports(small: Sim) -> None:
    con = small.duck()
    truth = dict(con.execute("select file, records from exports").fetchall())
    counted = Counter(r.file for s in SOURCES for r in small.records(s))
    files = {p.relative_to(small.landing).as_posix() for s in SOURCES for p in small.files(s)}
    assert set(truth) == files
    assert {f: counted.get(f, 0) for f in files} == truth
    per_source = {s: sum(n for f, n in truth.items() if f.startswith(s + "/")) for s in SOURCES}
    assert per_source == small.summary.records


def test_csv_headers_encodings_and_line_ends(small: Sim) -> None:
    for source, spec in SPECS.items():
        if spec.json:
            continue
        for path in small.files(source):
            raw = path.read_bytes()
            assert raw.startswith(b"\xef\xbb\xbf") == spec.bom, path
            assert raw.endswith(spec.newline.encode()), path
            if spec.newline == "\r\n":
                assert raw.count(b"\n") == raw.count(b"\r\n"), path
            else:
                assert b"\r" not in raw, path
            if spec.encoding == "utf-8":
                raw.decode("utf-8")  # raises if not UTF-8
        for file, header in small.headers(source).items():
            assert tuple(header) == spec.header, file
        widths = {r.width for r in small.good(source)}
        assert widths <= {len(spec.header)}, source


def test_pos_is_latin1_with_the_seed_descriptions(small: Sim) -> None:
    # a description read as Latin-1 equals the seed's name: accents are one byte each
    rows = good(small, "pos")
    assert rows
    accented = 0
    for row in rows:
        assert PRODUCTS[row["ARTIKELNR"]]["product_name"] == row["OMSCHRIJVING"]
        accented += any(ord(ch) > 127 for ch in row["OMSCHRIJVING"])
    raw = b"".join(p.read_bytes() for p in small.files("pos"))
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # Latin-1 accents are not valid UTF-8
    assert accented, "no accented product sold: the encoding check proved nothing"


@pytest.fixture(scope="module")
def events(small: Sim) -> list[tuple[Record, dict]]:
    """Every good web event, fully parsed (the shared records keep only a few fields)."""
    bad = {(r.file, r.line) for r in small.records("web") if r.problems}
    out = []
    for path in small.files("web"):
        for rec in read_export(small.landing, path)[1]:
            if (rec.file, rec.line) not in bad:
                out.append((rec, rec.fields))
    return out


def test_ga4_event_fields(events: list[tuple[Record, dict]]) -> None:
    assert len(events) > 1000
    names = Counter()
    for _rec, e in events:
        assert set(e) == EVENT_KEYS
        names[e["event_name"]] += 1
        assert re.fullmatch(r"\d{8}", e["event_date"])
        assert isinstance(e["event_timestamp"], int)
        assert isinstance(e["user_first_touch_timestamp"], int)
        assert e["user_first_touch_timestamp"] <= e["event_timestamp"]
        for p in e["event_params"]:
            assert set(p) == {"key", "value"}
            values = {k: v for k, v in p["value"].items() if v is not None}
            assert len(values) == 1 and set(values) <= {"string_value", "int_value", "double_value"}
        assert isinstance(e["event_params"][0]["value"]["int_value"], int)  # ga_session_id
        assert e["platform"] in {"WEB", "IOS", "ANDROID"}
        cookie = r"\d{10}\.\d{10}" if e["platform"] == "WEB" else r"[0-9a-f]{32}"
        assert re.fullmatch(cookie, e["user_pseudo_id"]), e["user_pseudo_id"]
        assert e["user_id"] is None or re.fullmatch(r"WA\d{8}", e["user_id"])
        assert e["device"]["category"] in {"desktop", "mobile", "tablet"}
        assert set(e["traffic_source"]) == {"source", "medium", "name"}
        cts = e["collected_traffic_source"]
        assert cts is None or set(cts) == {
            "manual_source",
            "manual_medium",
            "manual_campaign_name",
            "gclid",
        }
        if e["event_name"] == "purchase":
            assert ORDER.fullmatch(e["ecommerce"]["transaction_id"])
            assert e["ecommerce"]["currency"] == "EUR"
            total = sum(i["price"] * i["quantity"] for i in e["items"])
            assert e["ecommerce"]["purchase_revenue"] >= 0 and total > 0
        else:
            assert e["ecommerce"] is None
        if e["event_name"] in ITEM_EVENTS:
            for item in e["items"]:
                seed = PRODUCTS[item["item_id"]]
                assert item["item_name"] == seed["product_name"]
                assert item["item_category"] == seed["category"]
                assert item["price"] == float(seed["price"])
                assert isinstance(item["quantity"], int) and item["quantity"] > 0
        else:
            assert e["items"] is None
    assert set(names) <= EVENT_NAMES
    assert {"session_start", "page_view", "view_item", "purchase"} <= set(names)


def test_ga4_event_date_is_the_amsterdam_date_of_the_timestamp(
    events: list[tuple[Record, dict]],
) -> None:
    # the small run crosses 2025-10-26: evening events fall on the next UTC date at +2 h
    # before the change and at +1 h after it, so both offsets are exercised
    shifted = Counter()
    for _rec, e in events:
        instant = from_micros(e["event_timestamp"])
        assert e["event_date"] == local_date(instant).strftime("%Y%m%d")
        if instant.date() != local_date(instant):
            shifted[instant.astimezone(AMS).utcoffset()] += 1
    assert shifted[timedelta(hours=2)] and shifted[timedelta(hours=1)], shifted


def test_shop_orders(small: Sim) -> None:
    rows = good(small, "shop")
    assert rows
    for r in rows:
        returned = r["Name"].startswith("#R")
        assert re.fullmatch(r"#R?\d+", r["Name"])
        for column in ("Created at", "Updated at", "Fulfilled at", "Delivered at"):
            if column in ("Fulfilled at", "Delivered at") and r[column] == "":
                continue
            assert SHOPIFY_TIME.fullmatch(r[column]), r[column]
            # the offset is Amsterdam's at that instant: +0200 in summer time, +0100 after
            instant = parse_time("shop", column, r[column], r)
            assert instant.utcoffset() == instant.astimezone(AMS).utcoffset(), r[column]
        created, updated = (parse_time("shop", c, r[c], r) for c in ("Created at", "Updated at"))
        assert created <= updated
        assert r["Currency"] == "EUR"
        for column in ("Subtotal", "Shipping", "Discount Amount", "Total", "Lineitem price"):
            assert MONEY.fullmatch(r[column]), (column, r[column])
        total = cents(r["Subtotal"]) - cents(r["Discount Amount"]) + cents(r["Shipping"])
        assert total == cents(r["Total"])
        seed = PRODUCTS[r["Lineitem sku"]]
        assert (r["Lineitem name"], cents(r["Lineitem price"])) == (
            seed["product_name"],
            cents(seed["price"]),
        )
        quantity = int(r["Lineitem quantity"])
        assert (quantity < 0) == returned and quantity != 0
        assert r["Shipping Method"] in {"Home delivery", "Click & Collect"}
        click_collect = r["Shipping Method"] == "Click & Collect"
        assert (r["Pickup Location"] in STORES) == click_collect
        assert (r["Pickup Location"] == "") == (not click_collect)
        if returned:
            assert (r["Financial Status"], r["Fulfillment Status"]) == ("refunded", "returned")
            assert r["Source"] == "returns_portal"
            assert ORDER.fullmatch(r["Return Reference"]) or RECEIPT.fullmatch(
                r["Return Reference"]
            )
        else:
            assert r["Financial Status"] in {"paid", "pending"}
            allowed = {"unfulfilled", "fulfilled", "collected" if click_collect else "delivered"}
            assert r["Fulfillment Status"] in allowed
            assert r["Source"] in {"web", "app", "social"}
            assert r["Return Reference"] == ""
        if "test" in r["Tags"].split(","):
            assert r["Email"].endswith("@test.omnishop.nl")


def test_pos_receipt_lines(small: Sim) -> None:
    rows = good(small, "pos")
    hours = Counter()
    for r in rows:
        assert RECEIPT.fullmatch(r["BONNR"])
        assert r["FILIAAL"] == r["BONNR"][:4] and r["FILIAAL"] in STORES
        day = datetime.strptime(r["DATUM"], "%d-%m-%Y").date()
        assert r["BONNR"][5:13] == day.strftime("%Y%m%d")  # numbered per store and day
        assert re.fullmatch(r"\d{2}:\d{2}:\d{2}", r["TIJD"])
        hours[int(r["TIJD"][:2])] += 1
        assert int(r["REGEL"]) >= 1
        for column in ("STUKPRIJS", "KORTING", "BEDRAG"):
            assert MONEY_COMMA.fullmatch(r[column]), (column, r[column])
        quantity = int(r["AANTAL"])
        amount = quantity * cents(r["STUKPRIJS"], True) - cents(r["KORTING"], True)
        assert amount == cents(r["BEDRAG"], True)
        assert r["SOORT"] in {"V", "R"}
        assert (quantity < 0) == (r["SOORT"] == "R")
        if r["SOORT"] == "R":
            assert RECEIPT.fullmatch(r["ORIG_BONNR"]) or ORDER.fullmatch(r["ORIG_BONNR"])
        else:
            assert r["ORIG_BONNR"] == ""
        assert r["BETAALWIJZE"] in {"PIN", "CONTANT", "CREDITCARD"}
        if r["KLANTKAART"]:
            assert re.fullmatch(r"\d{13}", r["KLANTKAART"].replace(" ", ""))
        assert r["EBON_EMAIL"] == "" or "@" in r["EBON_EMAIL"]
    # local time: stores open 09:00-21:00 on both sides of the DST change
    assert hours and min(hours) >= 9 and max(hours) <= 20, hours


def test_crm_snapshots(small: Sim) -> None:
    per_file: dict[str, Counter] = defaultdict(Counter)
    for rec in small.good("crm"):
        r = rec.fields
        per_file[rec.file][r["ContactId"]] += 1
        assert re.fullmatch(r"C\d{8}", r["ContactId"])
        for column in ("CreatedDate", "LastModifiedDate"):
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000\+0000", r[column])
        assert r["CreatedDate"] <= r["LastModifiedDate"]
        assert r["HasOptedOutOfEmail"] in {"true", "false"}
        assert r["SmsOptIn"] in {"true", "false"}
        assert r["Phone"] == "" or any(f.fullmatch(r["Phone"]) for f in PHONE_FORMS), r["Phone"]
        assert r["LoyaltyCardNumber"] == "" or re.fullmatch(
            r"\d{13}|\d{4} \d{4} \d{4} \d", r["LoyaltyCardNumber"]
        )
        assert bool(r["LoyaltyCardNumber"]) == bool(r["LoyaltyMemberId"])
        assert r["LoyaltyMemberId"] == "" or re.fullmatch(r"M\d{8}", r["LoyaltyMemberId"])
        assert r["PreferredStore"] == "" or r["PreferredStore"] in STORES
        assert r["WebAccountId"] == "" or re.fullmatch(r"WA\d{8}", r["WebAccountId"])
    dup_lines = {(f, line) for f, line in _mess_lines(small, "duplicate")}
    sizes = []
    for file in sorted(per_file):
        contacts = per_file[file]
        duplicated = sum(1 for f, _ in dup_lines if f == file)
        assert sum(contacts.values()) - len(contacts) == duplicated, file  # one row per contact
        sizes.append(len(contacts))
    assert sizes == sorted(sizes) and sizes[0] > 0  # a full snapshot: contacts never vanish


def _mess_lines(sim: Sim, kind: str) -> list[tuple[str, int]]:
    con = sim.duck()
    return con.execute("select file, line from mess where kind = ?", [kind]).fetchall()


def test_email_events(small: Sim) -> None:
    rows = good(small, "email")
    types = Counter()
    for r in rows:
        types[r["event_type"]] += 1
        assert r["event_type"] in {"send", "delivered", "open", "click", "bounce", "unsubscribe"}
        assert UTC_Z.fullmatch(r["occurred_at"])
        assert re.fullmatch(r"EM\w*", r["campaign_id"])
        assert "@" in r["email"]
        if r["event_type"] == "click":
            assert "utm_medium=email" in r["url"]
            assert f"utm_campaign={r['campaign_name']}" in r["url"]
            assert "utm_source=" in r["url"]
        else:
            assert r["url"] == ""
        assert (r["user_agent"] != "") == (r["event_type"] == "open")
    assert {"send", "delivered", "open", "click"} <= set(types)


def test_ads_rows(small: Sim) -> None:
    for rec in small.good("ads"):
        r = rec.fields
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["date"])
        assert r["platform"] in {"google_ads", "meta", "dv360"}
        assert int(r["impressions"]) >= int(r["clicks"]) >= 0
        assert MONEY.fullmatch(r["spend"]) and Decimal(r["spend"]) >= 0
        assert r["currency"] == "EUR"


def test_service_tickets(small: Sim) -> None:
    rows = good(small, "service")
    assert rows
    for t in rows:
        assert set(t) == {
            "id",
            "channel",
            "requester",
            "created_at",
            "updated_at",
            "first_reply_at",
            "solved_at",
            "status",
            "reason",
            "order_reference",
            "satisfaction_rating",
        }
        assert isinstance(t["id"], int)
        assert set(t["requester"]) == {"email", "phone", "name"}
        assert t["channel"] in {"email", "chat", "phone", "whatsapp", "social", "store"}
        times = {}
        for column in ("created_at", "updated_at", "first_reply_at", "solved_at"):
            if t[column] is not None:
                assert UTC_Z.fullmatch(t[column])
                times[column] = datetime.strptime(t[column], "%Y-%m-%dT%H:%M:%SZ")
        assert times["created_at"] <= times["updated_at"]
        assert t["status"] in {"new", "open", "pending", "solved"}
        assert (t["status"] == "solved") == (t["solved_at"] is not None)
        if "first_reply_at" in times:
            assert times["created_at"] <= times["first_reply_at"] <= times["updated_at"]
        assert t["reason"] in {
            "product_advice",
            "stock_question",
            "delivery",
            "return",
            "complaint",
            "order_change",
            "payment",
            "loyalty",
        }
        ref = t["order_reference"]
        assert ref is None or ORDER.fullmatch(ref) or RECEIPT.fullmatch(ref)
        assert t["satisfaction_rating"]["score"] in {"good", "bad", "offered", "unoffered"}


def test_loyalty_ledger(small: Sim) -> None:
    rows = good(small, "loyalty")
    assert rows
    for r in rows:
        assert re.fullmatch(r"L\d+", r["entry_id"])
        assert re.fullmatch(r"M\d{8}", r["member_id"])
        assert re.fullmatch(r"\d{13}|\d{4} \d{4} \d{4} \d", r["card_number"])
        assert UTC_Z.fullmatch(r["occurred_at"])
        points = int(r["points"])
        assert r["reason"] in {"earn", "redeem", "expire", "bonus"}
        assert (points >= 0) == (r["reason"] in {"earn", "bonus"})
        assert r["channel"] in {"store", "web", "app", "system"}
        assert (r["channel"] == "system") == (r["reason"] in {"expire", "bonus"})
        if r["reason"] in {"earn", "redeem"}:
            assert ORDER.fullmatch(r["reference"]) or RECEIPT.fullmatch(r["reference"])


@pytest.mark.parametrize("which", ["small", "large"])
def test_records_belong_to_their_delivery_day(which: str, request: pytest.FixtureRequest) -> None:
    """Each good record is of its folder's date, or one or two days older (a late record).

    The small run crosses the autumn DST change and the large one the spring change: a
    time computed as "midnight + n x 24 h" would put records on the wrong local date.
    """
    sim: Sim = request.getfixturevalue(which)
    last = sim.start + timedelta(days=sim.days - 1)
    for source in SOURCES:
        # the last day's web file also holds its sessions' events after midnight
        records = [r for r in sim.good(source) if not (source == "web" and r.delivery == last)]
        lags = Counter((r.delivery - r.origin).days for r in records)
        assert set(lags) <= {0, 1, 2}, (source, lags)
        assert lags[0] > 10 * (lags[1] + lags[2]), (source, lags)
    tail = Counter((r.delivery - r.origin).days for r in sim.good("web") if r.delivery == last)
    assert set(tail) <= {-1, 0, 1, 2}, tail


def test_broken_lines_are_exactly_the_truth_malformed_lines(small: Sim) -> None:
    _assert_broken_lines_match(small)


def test_broken_lines_match_on_many_malformed_lines(messy: Sim) -> None:
    # the small run has only a few malformed lines; the messy run has hundreds of each kind
    kinds = _assert_broken_lines_match(messy)
    expected = {"truncated_json", "future_timestamp", "missing_key", "bad_timestamp", "bad_amount"}
    assert set(kinds) == expected, kinds


def _assert_broken_lines_match(sim: Sim) -> Counter:
    con = sim.duck()
    truth = {
        (f, line): kind
        for f, line, kind in con.execute("select file, line, kind from malformed").fetchall()
    }
    per_file = dict(con.execute("select file, malformed from exports").fetchall())
    kinds: Counter = Counter()
    for source in SOURCES:
        records = sim.records(source)
        found = {(r.file, r.line): r for r in records if r.problems}
        listed = {k for k in truth if k[0].startswith(source + "/")}
        assert set(found) == listed, source
        by_line = {(r.file, r.line): r for r in records}
        for key, rec in found.items():
            assert truth[key] in rec.problems, (key, truth[key], rec.problems)
            kinds[truth[key]] += 1
            # a corrupted copy of the record on the line before, which is intact
            before = by_line[(rec.file, rec.line - 1)]
            assert not before.problems
            if rec.fields is None:
                assert before.text.startswith(rec.text) and rec.text != before.text
            elif SPECS[source].json:
                changed = {k for k in rec.fields if rec.fields[k] != before.fields[k]}
                assert changed in ({"event_timestamp"}, {"created_at"}), changed
            else:
                changed = [c for c in SPECS[source].header if rec.fields[c] != before.fields[c]]
                assert len(changed) == 1, changed
        counted = Counter(f for f, _ in found)
        for path in sim.files(source):
            rel = path.relative_to(sim.landing).as_posix()
            assert counted.get(rel, 0) == per_file[rel], rel
    return kinds


def test_placeholder_email_only_on_card_receipts(small: Sim) -> None:
    for r in good(small, "pos"):
        if r["EBON_EMAIL"] == PLACEHOLDER:
            assert r["KLANTKAART"] != ""


def test_utc_and_local_times_agree_for_a_known_instant() -> None:
    # a guard on the readers themselves: 2025-10-26 02:30 UTC is 03:30 CET, 2025-10-26
    instant = datetime(2025, 10, 26, 2, 30, tzinfo=UTC)
    assert local_date(instant) == date(2025, 10, 26)
    assert instant.astimezone(AMS).utcoffset() == timedelta(hours=1)
    assert parse_time("pos", "DATUM", "26-10-2025", {"TIJD": "12:00:00"}).utcoffset() == (
        timedelta(hours=1)
    )
