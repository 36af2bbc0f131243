"""Small hand-written exports that follow docs/sources.md, for the loader tests.

Each `*_row` returns one valid record as the channel system writes it; tests change single
values to make bad inputs. `write_csv` / `write_ndjson` write them the way the source does.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

SHOP_HEADER = [
    "Name", "Email", "Phone", "Financial Status", "Fulfillment Status", "Created at",
    "Updated at", "Fulfilled at", "Delivered at", "Currency", "Subtotal", "Shipping",
    "Discount Code", "Discount Amount", "Total", "Shipping Method", "Pickup Location",
    "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem sku", "Lineitem discount",
    "Source", "Return Reference", "Tags",
]  # fmt: skip
POS_HEADER = [
    "BONNR", "FILIAAL", "DATUM", "TIJD", "REGEL", "ARTIKELNR", "OMSCHRIJVING", "AANTAL",
    "STUKPRIJS", "KORTING", "BEDRAG", "KLANTKAART", "EBON_EMAIL", "SOORT", "ORIG_BONNR",
    "BETAALWIJZE",
]  # fmt: skip
CRM_HEADER = [
    "ContactId", "Email", "Phone", "FirstName", "LastName", "CreatedDate", "LastModifiedDate",
    "HasOptedOutOfEmail", "SmsOptIn", "LoyaltyCardNumber", "LoyaltyMemberId", "PreferredStore",
    "WebAccountId",
]  # fmt: skip
EMAIL_HEADER = [
    "event_id", "event_type", "occurred_at", "email", "campaign_id", "campaign_name", "url",
    "user_agent",
]  # fmt: skip
ADS_HEADER = [
    "date", "platform", "campaign_id", "campaign_name", "impressions", "clicks", "spend",
    "currency",
]  # fmt: skip
LOYALTY_HEADER = [
    "entry_id", "member_id", "card_number", "occurred_at", "points", "reason", "channel",
    "reference",
]  # fmt: skip


def shop_row(n: int = 1001, **over: str) -> dict[str, str]:
    row = {
        "Name": f"#{n}", "Email": " Anna@Example.com", "Phone": "06-12345678",
        "Financial Status": "paid", "Fulfillment Status": "unfulfilled",
        "Created at": "2025-03-04 10:15:00 +0100", "Updated at": "2025-03-04 10:15:00 +0100",
        "Fulfilled at": "", "Delivered at": "", "Currency": "EUR", "Subtotal": "25.00",
        "Shipping": "4.95", "Discount Code": "", "Discount Amount": "0.00", "Total": "29.95",
        "Shipping Method": "Home delivery", "Pickup Location": "", "Lineitem quantity": "2",
        "Lineitem name": "Trui, wol", "Lineitem price": "10.50", "Lineitem sku": "SKU-1",
        "Lineitem discount": "0.00", "Source": "web", "Return Reference": "",
        "Tags": "vip, newsletter",
    }  # fmt: skip
    row.update(over)
    return row


def pos_row(n: int = 1, **over: str) -> dict[str, str]:
    row = {
        "BONNR": f"F012-20250304-{n:04d}", "FILIAAL": "F012", "DATUM": "04-03-2025",
        "TIJD": "14:30:00", "REGEL": "1", "ARTIKELNR": "SKU-1", "OMSCHRIJVING": "Crème fraîche",
        "AANTAL": "2", "STUKPRIJS": "6,45", "KORTING": "0,00", "BEDRAG": "12,90",
        "KLANTKAART": "2620 0000 1234", "EBON_EMAIL": "", "SOORT": "V", "ORIG_BONNR": "",
        "BETAALWIJZE": "PIN",
    }  # fmt: skip
    row.update(over)
    return row


def crm_row(n: int = 1, **over: str) -> dict[str, str]:
    row = {
        "ContactId": f"C{n:08d}", "Email": "Jan.de.Vries@Example.nl ", "Phone": "+31 6 1234 5678",
        "FirstName": "Jan", "LastName": "de Vries", "CreatedDate": "2024-06-01T08:00:00.000+0000",
        "LastModifiedDate": "2025-03-04T09:30:00.000+0000", "HasOptedOutOfEmail": "false",
        "SmsOptIn": "true", "LoyaltyCardNumber": "2620 0000 1234", "LoyaltyMemberId": "M00000001",
        "PreferredStore": "F012", "WebAccountId": "WA00000001",
    }  # fmt: skip
    row.update(over)
    return row


def email_row(n: int = 1, **over: str) -> dict[str, str]:
    row = {
        "event_id": f"ev-{n}", "event_type": "open", "occurred_at": "2025-03-04T08:00:00Z",
        "email": "anna@example.com", "campaign_id": "EM20250304",
        "campaign_name": "newsletter_2025_03_04", "url": "", "user_agent": "apple-mpp-proxy",
    }  # fmt: skip
    row.update(over)
    return row


def ads_row(n: int = 1, **over: str) -> dict[str, str]:
    row = {
        "date": "2025-03-04", "platform": "google_ads", "campaign_id": f"ga-{n}",
        "campaign_name": "spring_sale", "impressions": "12000", "clicks": "340",
        "spend": "123.45", "currency": "EUR",
    }  # fmt: skip
    row.update(over)
    return row


def loyalty_row(n: int = 1, **over: str) -> dict[str, str]:
    row = {
        "entry_id": f"L{n}", "member_id": "M00000001", "card_number": "2620 0000 1234",
        "occurred_at": "2025-03-04T13:30:00Z", "points": "12", "reason": "earn",
        "channel": "store", "reference": "F012-20250304-0001",
    }  # fmt: skip
    row.update(over)
    return row


def web_event(n: int = 1, **over: Any) -> dict[str, Any]:
    event = {
        "event_date": "20250304",
        "event_timestamp": 1741082400000000 + n,  # 2025-03-04 10:00:00 UTC
        "event_name": "page_view",
        "event_params": [
            {"key": "ga_session_id", "value": {"int_value": 1741082000}},
            {"key": "ga_session_number", "value": {"int_value": 3}},
            {"key": "page_location", "value": {"string_value": "https://shop.example/p/1"}},
            {"key": "engagement_time_msec", "value": {"int_value": 1200}},
            {"key": "ab_variant", "value": {"string_value": "B"}},
        ],
        "user_pseudo_id": "1234567890.1741080000",
        "user_id": None,
        "user_first_touch_timestamp": 1741080000000000,
        "platform": "WEB",
        "device": {"category": "desktop", "operating_system": "Windows"},
        "traffic_source": {"source": "google", "medium": "organic", "name": "(organic)"},
        "collected_traffic_source": None,
        "ecommerce": None,
        "items": None,
    }
    event.update(over)
    return event


def ticket(n: int = 1, **over: Any) -> dict[str, Any]:
    record = {
        "id": 5000 + n,
        "channel": "email",
        "requester": {"email": "Anna@Example.com", "phone": None, "name": "Anna Jansen"},
        "created_at": "2025-03-04T09:00:00Z",
        "updated_at": "2025-03-04T11:00:00Z",
        "first_reply_at": "2025-03-04T10:00:00Z",
        "solved_at": None,
        "status": "open",
        "reason": "delivery",
        "order_reference": "#1001",
        "satisfaction_rating": {"score": "unoffered"},
    }
    record.update(over)
    return record


def csv_text(
    header: list[str], rows: list[dict[str, str]], delimiter: str = ",", crlf: bool = False
) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(
        buf, fieldnames=header, delimiter=delimiter, lineterminator="\r\n" if crlf else "\n"
    )
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def ndjson_text(records: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


# How each source writes a file for a day: (relative path, text, encoding).
def shop_file(day: str, rows: list[dict[str, str]]) -> tuple[str, str, str]:
    return (
        f"shop/{day}/orders_export_{day.replace('-', '')}.csv",
        csv_text(SHOP_HEADER, rows),
        "utf-8",
    )


def pos_file(day: str, rows: list[dict[str, str]]) -> tuple[str, str, str]:
    text = csv_text(POS_HEADER, rows, delimiter=";", crlf=True)
    return f"pos/{day}/KASSA_{day.replace('-', '')}.csv", text, "latin-1"


def crm_file(day: str, rows: list[dict[str, str]]) -> tuple[str, str, str]:
    return (
        f"crm/{day}/contacts_{day.replace('-', '')}.csv",
        "\ufeff" + csv_text(CRM_HEADER, rows),
        "utf-8",
    )


def email_file(day: str, rows: list[dict[str, str]]) -> tuple[str, str, str]:
    return (
        f"email/{day}/email_events_{day.replace('-', '')}.csv",
        csv_text(EMAIL_HEADER, rows),
        "utf-8",
    )


def ads_file(day: str, rows: list[dict[str, str]]) -> tuple[str, str, str]:
    return (
        f"ads/{day}/ad_performance_{day.replace('-', '')}.csv",
        csv_text(ADS_HEADER, rows),
        "utf-8",
    )


def loyalty_file(day: str, rows: list[dict[str, str]]) -> tuple[str, str, str]:
    return (
        f"loyalty/{day}/ledger_{day.replace('-', '')}.csv",
        csv_text(LOYALTY_HEADER, rows),
        "utf-8",
    )


def web_file(day: str, rows: list[dict[str, Any]]) -> tuple[str, str, str]:
    return f"web/{day}/events_{day.replace('-', '')}.json", ndjson_text(rows), "utf-8"


def service_file(day: str, rows: list[dict[str, Any]]) -> tuple[str, str, str]:
    return f"service/{day}/tickets_{day.replace('-', '')}.json", ndjson_text(rows), "utf-8"
