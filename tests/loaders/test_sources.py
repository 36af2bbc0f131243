"""Every source loads a valid export into typed raw columns with exact lineage."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import duckdb
import pytest

from orchestration.loaders import SOURCES
from tests.loaders import exports as ex
from tests.loaders.conftest import DAY, assert_reconciles, quarantine

AMS = ZoneInfo("Europe/Amsterdam")

VALID = {
    "web": [ex.web_event(1), ex.web_event(2)],
    "shop": [ex.shop_row(1001), ex.shop_row(1002)],
    "pos": [ex.pos_row(1), ex.pos_row(2)],
    "crm": [ex.crm_row(1), ex.crm_row(2)],
    "email": [ex.email_row(1), ex.email_row(2)],
    "ads": [ex.ads_row(1), ex.ads_row(2)],
    "service": [ex.ticket(1), ex.ticket(2)],
    "loyalty": [ex.loyalty_row(1), ex.loyalty_row(2)],
}


def _rows(con: duckdb.DuckDBPyConnection, table: str, order: str = "_source_line") -> list[dict]:
    cur = con.execute(f"select * from raw.{table} order by {order}")
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]


def test_registry_has_the_eight_sources_with_contract_table_names() -> None:
    assert sorted(spec.name for spec in SOURCES.values()) == [
        "ads__campaign_stats",
        "crm__contacts",
        "email__events",
        "loyalty__ledger_entries",
        "pos__receipt_lines",
        "service__tickets",
        "shop__orders",
        "web__events",
    ]


@pytest.mark.parametrize("source", sorted(VALID))
def test_valid_export_loads_with_lineage(source, deliver, load, con) -> None:
    path = deliver(source, VALID[source])
    report = load(source)
    assert [(f.status, f.rows_read, f.rows_loaded, f.rows_quarantined) for f in report.files] == [
        ("loaded", 2, 2, 0)
    ]
    rel = f"{source}/{DAY}/{path.name}"
    first_line = 2 if path.suffix == ".csv" else 1
    lineage = con.execute(
        f"select _source_file, _source_line, _partition_date, _loaded_at is not null "
        f"from {SOURCES[source].table} order by _source_line"
    ).fetchall()
    assert lineage == [
        (rel, first_line, date(2025, 3, 4), True),
        (rel, first_line + 1, date(2025, 3, 4), True),
    ]
    assert_reconciles(con)


def test_raw_columns_follow_the_contract(deliver, load, con) -> None:
    for source, rows in VALID.items():
        deliver(source, rows)
        load(source)
    expected = {
        "pos__receipt_lines": "receipt_number store_id sold_at sold_at_local line_number sku "
        "description quantity unit_price discount amount loyalty_card ereceipt_email "
        "transaction_type original_receipt_number payment_method",
        "crm__contacts": "contact_id email phone first_name last_name created_date "
        "last_modified_date has_opted_out_of_email sms_opt_in loyalty_card_number "
        "loyalty_member_id preferred_store web_account_id",
        "service__tickets": "ticket_id channel requester_email requester_phone requester_name "
        "created_at updated_at first_reply_at solved_at status reason order_reference "
        "satisfaction_score",
    }
    lineage = ["_extra_json", "_source_file", "_source_line", "_loaded_at", "_partition_date"]
    for table, cols in expected.items():
        got = [r[0] for r in con.execute(f"describe raw.{table}").fetchall()]
        assert got == cols.split() + lineage
    types = dict(
        con.execute("select column_name, column_type from (describe raw.web__events)").fetchall()
    )
    assert types["event_timestamp"] == "TIMESTAMP"
    assert types["ga_session_id"] == "BIGINT"
    assert types["purchase_revenue"] == "DECIMAL(12,2)"
    assert types["items_quantity"] == "INTEGER"


def test_shop_values_are_typed_and_utc(deliver, load, con) -> None:
    deliver("shop", [ex.shop_row(1001, **{"Delivered at": "2025-03-04 23:30:00 +0100"})])
    load("shop")
    row = _rows(con, "shop__orders")[0]
    assert row["created_at"] == datetime(2025, 3, 4, 9, 15)  # 10:15 +0100
    assert row["delivered_at"] == datetime(2025, 3, 4, 22, 30)
    assert row["fulfilled_at"] is None
    assert row["lineitem_price"] == Decimal("10.50")
    assert row["lineitem_quantity"] == 2
    assert row["lineitem_name"] == "Trui, wol"  # quoted field with the delimiter inside
    assert row["tags"] == "vip, newsletter"
    assert row["email"] == " Anna@Example.com"  # raw keeps identifiers as exported
    assert row["discount_code"] is None  # empty field -> null


def test_csv_columns_are_matched_by_header_name(deliver, load, con) -> None:
    header = list(reversed(ex.LOYALTY_HEADER))
    text = ex.csv_text(header, [ex.loyalty_row(7, points="-40", reason="redeem")])
    deliver("loyalty", [], text=text)
    load("loyalty")
    row = _rows(con, "loyalty__ledger_entries")[0]
    assert (row["entry_id"], row["points"], row["reason"]) == ("L7", -40, "redeem")


def test_pos_latin1_decimal_comma_crlf(deliver, load, con) -> None:
    path = deliver(
        "pos",
        [
            ex.pos_row(1, AANTAL="-1", STUKPRIJS="1234,5", KORTING="0,5", BEDRAG="-1234,00"),
            ex.pos_row(2, OMSCHRIJVING="Pâté à l'ancienne", SOORT="R"),
        ],
    )
    raw = path.read_bytes()
    assert b"\r\n" in raw and "é".encode("latin-1") in raw  # really Latin-1 and CRLF
    load("pos")
    rows = _rows(con, "pos__receipt_lines")
    assert rows[0]["unit_price"] == Decimal("1234.50")
    assert rows[0]["discount"] == Decimal("0.50")
    assert rows[0]["amount"] == Decimal("-1234.00")
    assert rows[0]["quantity"] == -1
    assert rows[0]["description"] == "Crème fraîche"
    assert rows[1]["description"] == "Pâté à l'ancienne"
    assert rows[1]["payment_method"] == "PIN"  # last column: no stray carriage return


@pytest.mark.parametrize(
    ("datum", "tijd"),
    [
        ("30-03-2025", "01:30:00"),  # spring forward: before 02:00 CET
        ("30-03-2025", "03:30:00"),  # after the jump, CEST
        ("26-10-2025", "01:30:00"),  # fall back: still CEST
        ("26-10-2025", "03:30:00"),  # after, CET
        ("04-03-2025", "14:30:00"),  # winter
        ("15-07-2025", "14:30:00"),  # summer
    ],
)
def test_pos_local_time_converts_to_utc_across_dst(datum, tijd, deliver, load, con) -> None:
    day = datetime.strptime(datum, "%d-%m-%Y").date().isoformat()
    deliver("pos", [ex.pos_row(1, DATUM=datum, TIJD=tijd)], day=day)
    load("pos", day)
    local = datetime.strptime(f"{datum} {tijd}", "%d-%m-%Y %H:%M:%S")
    expected = local.replace(tzinfo=AMS).astimezone(UTC).replace(tzinfo=None)
    row = _rows(con, "pos__receipt_lines")[0]
    assert row["sold_at_local"] == local
    assert row["sold_at"] == expected


def test_pos_ambiguous_fall_back_hour_is_read_as_standard_time(deliver, load, con) -> None:
    # 02:30 happens twice on 2025-10-26; the loader documents it takes the second (CET).
    deliver("pos", [ex.pos_row(1, DATUM="26-10-2025", TIJD="02:30:00")], day="2025-10-26")
    load("pos", "2025-10-26")
    second = datetime(2025, 10, 26, 2, 30, tzinfo=AMS, fold=1).astimezone(UTC)
    assert _rows(con, "pos__receipt_lines")[0]["sold_at"] == second.replace(tzinfo=None)


def test_crm_bom_booleans_and_timestamps(deliver, load, con) -> None:
    path = deliver(
        "crm", [ex.crm_row(1), ex.crm_row(2, HasOptedOutOfEmail="true", SmsOptIn="false")]
    )
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    load("crm")
    rows = _rows(con, "crm__contacts")
    assert rows[0]["contact_id"] == "C00000001"  # BOM not glued to the first column name
    assert (rows[0]["has_opted_out_of_email"], rows[0]["sms_opt_in"]) == (False, True)
    assert (rows[1]["has_opted_out_of_email"], rows[1]["sms_opt_in"]) == (True, False)
    assert rows[0]["last_modified_date"] == datetime(2025, 3, 4, 9, 30)


def test_web_params_are_flattened_into_typed_columns(deliver, load, con) -> None:
    purchase = ex.web_event(
        2,
        event_name="purchase",
        user_id="WA00000042",
        collected_traffic_source={
            "manual_source": "newsletter",
            "manual_medium": "email",
            "manual_campaign_name": "newsletter_2025_03_04",
            "gclid": None,
        },
        ecommerce={"transaction_id": "#1001", "purchase_revenue": 29.95, "currency": "EUR"},
        items=[
            {"item_id": "SKU-1", "item_name": "Trui", "price": 10.5, "quantity": 2},
            {"item_id": "SKU-2", "item_name": "Sok", "price": 4.0, "quantity": 1},
        ],
        event_params=[
            {"key": "ga_session_id", "value": {"int_value": "1741082000"}},  # BigQuery style
            {"key": "page_title", "value": {"string_value": "Bedankt"}},
            {"key": "debug_mode", "value": {"int_value": 1}},
            {"key": "score", "value": {"double_value": 0.5}},
        ],
        geo={"country": "NL"},
    )
    deliver("web", [ex.web_event(1), purchase])
    load("web")
    first, second = _rows(con, "web__events")
    assert first["event_timestamp"] == datetime(2025, 3, 4, 10, 0, 0, 1)
    assert first["event_date"] == date(2025, 3, 4)
    assert (first["ga_session_id"], first["ga_session_number"]) == (1741082000, 3)
    assert first["engagement_time_msec"] == 1200
    assert first["page_location"] == "https://shop.example/p/1"
    assert json.loads(first["extra_params_json"]) == {"ab_variant": "B"}
    assert (first["device_category"], first["traffic_source_medium"]) == ("desktop", "organic")
    assert first["user_first_touch_timestamp"] == datetime(2025, 3, 4, 9, 20)
    assert first["items_json"] is None and first["_extra_json"] is None

    assert second["ga_session_id"] == 1741082000
    assert second["page_title"] == "Bedankt"
    assert json.loads(second["extra_params_json"]) == {"debug_mode": 1, "score": 0.5}
    assert (second["session_source"], second["session_medium"]) == ("newsletter", "email")
    assert second["session_campaign"] == "newsletter_2025_03_04"
    assert (second["transaction_id"], second["purchase_revenue"]) == ("#1001", Decimal("29.95"))
    assert second["item_ids"] == "SKU-1,SKU-2"
    assert second["items_quantity"] == 3
    assert json.loads(second["items_json"])[1]["item_id"] == "SKU-2"
    assert json.loads(second["_extra_json"]) == {"geo": {"country": "NL"}}  # unknown field kept


def test_service_nested_fields(deliver, load, con) -> None:
    deliver("service", [ex.ticket(1, solved_at="2025-03-04T12:00:00Z", status="solved")])
    load("service")
    row = _rows(con, "service__tickets")[0]
    assert row["ticket_id"] == 5001
    assert row["requester_email"] == "Anna@Example.com"
    assert row["requester_phone"] is None
    assert row["satisfaction_score"] == "unoffered"
    assert row["solved_at"] == datetime(2025, 3, 4, 12, 0)


def test_line_numbers_are_exact_on_a_multi_megabyte_file(deliver, load, con) -> None:
    # 60,000 records (~8 MB); every 7,919th record is broken. Line numbers must be physical.
    n = 60_000
    rows = [
        ex.email_row(i, url=f"https://shop.example/p/{i}?utm_medium=email&utm_campaign=x" * 2)
        for i in range(n)
    ]
    broken = set(range(13, n, 7919))
    for i in broken:
        rows[i]["occurred_at"] = "not a time"
    path = deliver("email", rows)
    assert path.stat().st_size > 8_000_000
    con.execute("set threads = 2")
    report = load("email")
    assert (report.rows_read, report.rows_quarantined) == (n, len(broken))
    # record i is on physical line i + 2 (header is line 1)
    assert [line for line, _ in quarantine(con, "email")] == sorted(i + 2 for i in broken)
    mismatched = con.execute(
        "select count(*) from raw.email__events "
        "where _source_line <> cast(split_part(event_id, '-', 2) as integer) + 2"
    ).fetchone()
    assert mismatched == (0,)
    assert_reconciles(con)
