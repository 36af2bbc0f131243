"""Independent readers of the simulator's exports, written from docs/sources.md alone.

Nothing here imports the simulator: Python's `csv` and `json` read the files the way a
third party would, and the rules (headers, required fields, timestamps, amounts, identifier
normal forms) are transcribed from the contract, so the tests compare the simulator with the
contract rather than with itself.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

AMS = ZoneInfo("Europe/Amsterdam")
PLACEHOLDER = "winkel@omnishop.nl"
TEST_DOMAIN = "@test.omnishop.nl"


@dataclass(frozen=True)
class Spec:
    """One source's file layout and row rules, as docs/sources.md states them."""

    source: str
    pattern: str  # file name, {ymd} = YYYYMMDD
    json: bool = False
    delimiter: str = ","
    encoding: str = "utf-8"
    newline: str = "\n"
    bom: bool = False
    header: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    timestamps: tuple[str, ...] = ()  # columns holding a date or time
    numbers: tuple[str, ...] = ()  # columns holding numbers


SPECS: dict[str, Spec] = {
    "web": Spec("web", "events_{ymd}.json", json=True),
    "shop": Spec(
        "shop",
        "orders_export_{ymd}.csv",
        header=(
            "Name",
            "Email",
            "Phone",
            "Financial Status",
            "Fulfillment Status",
            "Created at",
            "Updated at",
            "Fulfilled at",
            "Delivered at",
            "Currency",
            "Subtotal",
            "Shipping",
            "Discount Code",
            "Discount Amount",
            "Total",
            "Shipping Method",
            "Pickup Location",
            "Lineitem quantity",
            "Lineitem name",
            "Lineitem price",
            "Lineitem sku",
            "Lineitem discount",
            "Source",
            "Return Reference",
            "Tags",
        ),
        required=(
            "Name",
            "Created at",
            "Updated at",
            "Lineitem sku",
            "Lineitem quantity",
            "Lineitem price",
        ),
        timestamps=("Created at", "Updated at", "Fulfilled at", "Delivered at"),
        numbers=(
            "Subtotal",
            "Shipping",
            "Discount Amount",
            "Total",
            "Lineitem quantity",
            "Lineitem price",
            "Lineitem discount",
        ),
    ),
    "pos": Spec(
        "pos",
        "KASSA_{ymd}.csv",
        delimiter=";",
        encoding="latin-1",
        newline="\r\n",
        header=(
            "BONNR",
            "FILIAAL",
            "DATUM",
            "TIJD",
            "REGEL",
            "ARTIKELNR",
            "OMSCHRIJVING",
            "AANTAL",
            "STUKPRIJS",
            "KORTING",
            "BEDRAG",
            "KLANTKAART",
            "EBON_EMAIL",
            "SOORT",
            "ORIG_BONNR",
            "BETAALWIJZE",
        ),
        required=("BONNR", "FILIAAL", "DATUM", "TIJD", "REGEL", "AANTAL", "BEDRAG"),
        timestamps=("DATUM",),  # with TIJD: one local time
        numbers=("REGEL", "AANTAL", "STUKPRIJS", "KORTING", "BEDRAG"),
    ),
    "crm": Spec(
        "crm",
        "contacts_{ymd}.csv",
        bom=True,
        header=(
            "ContactId",
            "Email",
            "Phone",
            "FirstName",
            "LastName",
            "CreatedDate",
            "LastModifiedDate",
            "HasOptedOutOfEmail",
            "SmsOptIn",
            "LoyaltyCardNumber",
            "LoyaltyMemberId",
            "PreferredStore",
            "WebAccountId",
        ),
        required=("ContactId", "CreatedDate", "LastModifiedDate"),
        timestamps=("CreatedDate", "LastModifiedDate"),
    ),
    "email": Spec(
        "email",
        "email_events_{ymd}.csv",
        header=(
            "event_id",
            "event_type",
            "occurred_at",
            "email",
            "campaign_id",
            "campaign_name",
            "url",
            "user_agent",
        ),
        required=("event_id", "event_type", "occurred_at", "email"),
        timestamps=("occurred_at",),
    ),
    "ads": Spec(
        "ads",
        "ad_performance_{ymd}.csv",
        header=(
            "date",
            "platform",
            "campaign_id",
            "campaign_name",
            "impressions",
            "clicks",
            "spend",
            "currency",
        ),
        required=(
            "date",
            "platform",
            "campaign_id",
            "campaign_name",
            "impressions",
            "clicks",
            "spend",
            "currency",
        ),
        timestamps=("date",),
        numbers=("impressions", "clicks", "spend"),
    ),
    "service": Spec("service", "tickets_{ymd}.json", json=True),
    "loyalty": Spec(
        "loyalty",
        "ledger_{ymd}.csv",
        header=(
            "entry_id",
            "member_id",
            "card_number",
            "occurred_at",
            "points",
            "reason",
            "channel",
            "reference",
        ),
        required=("entry_id", "member_id", "occurred_at", "points", "reason"),
        timestamps=("occurred_at",),
        numbers=("points",),
    ),
}
SOURCES = tuple(SPECS)


@dataclass
class Record:
    """One physical line of an export and what an independent reader made of it."""

    source: str
    file: str  # relative to the landing directory
    delivery: date  # the folder date
    line: int  # CSV: header is line 1; NDJSON: first record is line 1
    text: str  # the line without its terminator
    fields: dict | None  # None: not valid JSON
    width: int = 0  # CSV: number of fields on the line
    problems: set[str] = field(default_factory=set)  # what `broken_kinds` found
    origin: date | None = None  # `origin_date` of a good record


def read_export(landing: Path, path: Path) -> tuple[list[str] | None, list[Record]]:
    """(header or None, records) of one export file."""
    source = path.relative_to(landing).parts[0]
    spec = SPECS[source]
    rel = path.relative_to(landing).as_posix()
    delivery = date.fromisoformat(path.parent.name)
    raw = path.read_bytes()
    if spec.json:
        text = raw.decode("utf-8")
        records = []
        for number, line in enumerate(text.split("\n")[:-1] if text else [], start=1):
            try:
                parsed = json.loads(line)
            except json.JSONDecodeError:
                parsed = None
            records.append(Record(source, rel, delivery, number, line, parsed))
        return None, records
    text = raw.decode("utf-8-sig" if spec.bom else spec.encoding)
    physical = text.split(spec.newline)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=spec.delimiter)
    header = next(reader)
    records = []
    for row in reader:
        number = reader.line_num
        fields = dict(zip(spec.header, row, strict=False))
        records.append(
            Record(source, rel, delivery, number, physical[number - 1], fields, len(row))
        )
    return header, records


# -- time ----------------------------------------------------------------------------------


def parse_time(source: str, column: str, value: str, fields: dict) -> datetime:
    """A field's instant (aware); raises ValueError when it does not parse."""
    if source == "shop":
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S %z")
    if source == "pos":
        local = datetime.strptime(f"{value} {fields['TIJD']}", "%d-%m-%Y %H:%M:%S")
        return local.replace(tzinfo=AMS)
    if source == "crm":
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.000+0000").replace(tzinfo=UTC)
    if source == "ads":
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=AMS)
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def local_date(instant: datetime) -> date:
    return instant.astimezone(AMS).date()


def from_micros(us: int) -> datetime:
    return datetime.fromtimestamp(us / 1_000_000, tz=UTC)


def future_limit(delivery: date) -> datetime:
    """The contract's rule: more than 2 days after the end of the delivery date."""
    return datetime.combine(delivery + timedelta(days=3), datetime.min.time(), tzinfo=AMS)


def param(event: dict, key: str) -> object:
    for p in event.get("event_params") or []:
        if p["key"] == key:
            return next(v for v in p["value"].values() if v is not None)
    return None


def origin_date(rec: Record) -> date:
    """The day a record belongs to: the delivery it should have been in, were it not late."""
    f = rec.fields
    assert f is not None
    if rec.source == "web":  # GA4 files events by their own date (event_date)
        return local_date(datetime.fromtimestamp(int(f["event_timestamp"]) / 1e6, tz=UTC))
    if rec.source == "service":
        return local_date(parse_time("service", "updated_at", f["updated_at"], f))
    if rec.source == "crm":
        return rec.delivery  # a full snapshot is never late
    column = {"shop": "Updated at", "pos": "DATUM", "ads": "date"}.get(rec.source, "occurred_at")
    return local_date(parse_time(rec.source, column, f[column], f))


# -- broken lines --------------------------------------------------------------------------

_JSON_TIMES = {"service": ("created_at", "updated_at", "first_reply_at", "solved_at")}


def _number(source: str, value: str) -> float:
    return float(value.replace(",", ".") if source == "pos" else value)


def broken_kinds(rec: Record) -> set[str]:
    """What a loader must reject in this line (empty set: a good line)."""
    if rec.fields is None:
        return {"truncated_json"}
    spec, f = SPECS[rec.source], rec.fields
    out: set[str] = set()
    limit = future_limit(rec.delivery)
    if rec.source == "web":
        if any(f.get(k) in (None, "") for k in ("event_timestamp", "event_name", "user_pseudo_id")):
            out.add("missing_key")
        elif from_micros(int(f["event_timestamp"])) > limit:
            out.add("future_timestamp")
        return out
    if rec.source == "service":
        if any(f.get(k) in (None, "") for k in ("id", "channel", "created_at", "updated_at")):
            out.add("missing_key")
        for column in _JSON_TIMES["service"]:
            if f.get(column) is None:
                continue
            try:
                if parse_time("service", column, f[column], f) > limit:
                    out.add("future_timestamp")
            except ValueError:
                out.add("bad_timestamp")
        return out
    if rec.width != len(spec.header):
        return {"field_count"}
    if any(f[c] == "" for c in spec.required):
        out.add("missing_key")
    for column in spec.timestamps:
        if f[column] == "":
            continue
        try:
            if parse_time(rec.source, column, f[column], f) > limit:
                out.add("future_timestamp")
        except ValueError:
            out.add("bad_timestamp")
    for column in spec.numbers:
        if f[column] == "":
            continue
        try:
            _number(rec.source, f[column])
        except ValueError:
            out.add("bad_amount")
    return out


# -- identifiers -----------------------------------------------------------------------------


def canonical_email(value: str) -> str:
    return value.strip().lower()


def canonical_phone(value: str) -> str:
    """+31 6 1234 5678, 0031612345678, 06-12345678, 0612345678, +31612345678 -> +31612345678."""
    compact = re.sub(r"[\s-]", "", value)
    if compact.startswith("+31"):
        national = compact[3:]
    elif compact.startswith("0031"):
        national = compact[4:]
    elif compact.startswith("0"):
        national = compact[1:]
    else:
        raise ValueError(f"not a Dutch phone number: {value!r}")
    e164 = "+31" + national
    if not re.fullmatch(r"\+316\d{8}", e164):
        raise ValueError(f"not a Dutch mobile number: {value!r}")
    return e164


def canonical_card(value: str) -> str:
    """Digits only; a loyalty card is 13 digits with a valid EAN-13 check digit."""
    digits = re.sub(r"\s", "", value)
    if not re.fullmatch(r"\d{13}", digits):
        raise ValueError(f"not a 13-digit card: {value!r}")
    weighted = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits[:12]))
    if (10 - weighted % 10) % 10 != int(digits[12]):
        raise ValueError(f"bad EAN-13 check digit: {value!r}")
    return digits


def identifiers(rec: Record) -> list[tuple[str, str]]:
    """(type, canonical value) of every identifier a good record shows."""
    f = rec.fields
    assert f is not None
    found: list[tuple[str, str]] = []

    def add(kind: str, value: object) -> None:
        if value in (None, ""):
            return
        text = str(value)
        if kind == "email":
            if text.strip().lower().endswith(TEST_DOMAIN):
                return  # staff test orders: no person behind them
            found.append((kind, canonical_email(text)))
        elif kind == "phone":
            found.append((kind, canonical_phone(text)))
        elif kind == "card":
            found.append((kind, canonical_card(text)))
        else:
            found.append((kind, text))

    if rec.source == "web":
        add("cookie", f["user_pseudo_id"])
        add("web_account", f["user_id"])
    elif rec.source == "shop":
        add("email", f["Email"])
        add("phone", f["Phone"])
    elif rec.source == "pos":
        add("card", f["KLANTKAART"])
        add("email", f["EBON_EMAIL"])
    elif rec.source == "crm":
        add("crm_id", f["ContactId"])
        add("email", f["Email"])
        add("phone", f["Phone"])
        add("card", f["LoyaltyCardNumber"])
        add("member_id", f["LoyaltyMemberId"])
        add("web_account", f["WebAccountId"])
    elif rec.source == "email":
        add("email", f["email"])
    elif rec.source == "service":
        add("email", f["requester"]["email"])
        add("phone", f["requester"]["phone"])
    elif rec.source == "loyalty":
        add("member_id", f["member_id"])
        add("card", f["card_number"])
    return found
