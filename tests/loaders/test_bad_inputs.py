"""The bad-input catalogue (docs/loaders.md): each input, its outcome and its reason text.

After every case the reconciliation invariant holds: for every file, rows read = rows
loaded + rows quarantined, and the raw and quarantine tables hold exactly those rows.
"""

from __future__ import annotations

import json

from tests.loaders import exports as ex
from tests.loaders.conftest import DAY, assert_reconciles, load_log, quarantine


def _count(con, table: str) -> int:
    return con.execute(f"select count(*) from raw.{table}").fetchone()[0]


# 1. wrong encoding ---------------------------------------------------------------------------
def test_latin1_file_for_a_utf8_source_is_rejected_whole(deliver, load, con) -> None:
    text = ex.csv_text(
        ex.SHOP_HEADER, [ex.shop_row(1001), ex.shop_row(1002, **{"Lineitem name": "Crème"})]
    )
    deliver("shop", [], text=text, encoding="latin-1")
    report = load("shop")
    (log,) = load_log(con, "shop")
    assert log["status"] == "rejected"
    assert log["message"] == (
        "wrong encoding: not valid UTF-8 (byte 0xE8 on line 3; the file looks Latin-1 or "
        "Windows-1252 encoded)"
    )
    assert (log["rows_read"], log["rows_loaded"], log["rows_quarantined"]) == (2, 0, 2)
    reasons = quarantine(con, "shop")
    assert [line for line, _ in reasons] == [2, 3]
    assert all(r.startswith("file rejected: wrong encoding: not valid UTF-8") for _, r in reasons)
    raw_line = con.execute("select raw_line from audit.quarantine where line = 3").fetchone()[0]
    assert "Crème" in raw_line  # nothing lost: the bytes are kept, read as Latin-1
    assert "re-export the file as UTF-8" in report.failures[0]
    assert f"shop/{DAY}/orders_export_20250304.csv" in report.failures[0]
    assert_reconciles(con)


def test_utf8_file_for_the_latin1_till_is_rejected_whole(deliver, load, con) -> None:
    deliver("pos", [ex.pos_row(1)], encoding="utf-8")  # "Crème fraîche" in UTF-8
    report = load("pos")
    (log,) = load_log(con, "pos")
    assert (log["status"], log["rows_read"], log["rows_quarantined"]) == ("rejected", 1, 1)
    assert log["message"] == "wrong encoding: the file is UTF-8, expected Latin-1 (ISO-8859-1)"
    assert "export the file in Latin-1" in report.failures[0]
    assert _count(con, "pos__receipt_lines") == 0
    assert_reconciles(con)


# 2. wrong delimiter --------------------------------------------------------------------------
def test_wrong_delimiter_is_rejected_whole(deliver, load, con) -> None:
    text = ex.csv_text(ex.LOYALTY_HEADER, [ex.loyalty_row(1), ex.loyalty_row(2)], delimiter=";")
    deliver("loyalty", [], text=text)
    report = load("loyalty")
    (log,) = load_log(con, "loyalty")
    assert log["status"] == "rejected"
    assert log["message"] == (
        "wrong delimiter: the header is semicolon-separated (';'), expected comma-separated (',')"
    )
    assert quarantine(con, "loyalty") == [
        (2, "file rejected: " + log["message"]),
        (3, "file rejected: " + log["message"]),
    ]
    assert "export the file with ',' as the delimiter" in report.failures[0]
    assert_reconciles(con)


# 3. missing required column ------------------------------------------------------------------
def test_missing_required_column_is_rejected_whole(deliver, load, con) -> None:
    header = [h for h in ex.POS_HEADER if h != "BEDRAG"]
    rows = [{k: v for k, v in ex.pos_row(i).items() if k != "BEDRAG"} for i in (1, 2, 3)]
    deliver("pos", [], text=ex.csv_text(header, rows, delimiter=";", crlf=True))
    report = load("pos")
    (log,) = load_log(con, "pos")
    assert (log["status"], log["message"]) == ("rejected", "missing required column(s): BEDRAG")
    assert (log["rows_read"], log["rows_loaded"], log["rows_quarantined"]) == (3, 0, 3)
    assert "add the column(s) to the export" in report.failures[0]
    assert_reconciles(con)


def test_missing_optional_column_loads_as_null(deliver, load, con) -> None:
    header = [h for h in ex.EMAIL_HEADER if h != "user_agent"]
    rows = [{k: v for k, v in ex.email_row(1).items() if k != "user_agent"}]
    deliver("email", [], text=ex.csv_text(header, rows))
    load("email")
    (log,) = load_log(con, "email")
    assert log["status"] == "loaded"
    assert log["message"] == "optional columns absent (loaded as null): user_agent"
    assert con.execute("select user_agent from raw.email__events").fetchall() == [(None,)]


# 4. extra column -----------------------------------------------------------------------------
def test_extra_column_is_kept_in_extra_json(deliver, load, con) -> None:
    header = [*ex.ADS_HEADER[:3], "ad_group", *ex.ADS_HEADER[3:]]
    rows = [ex.ads_row(1, ad_group="brand"), ex.ads_row(2, ad_group="")]
    deliver("ads", [], text=ex.csv_text(header, rows))
    load("ads")
    (log,) = load_log(con, "ads")
    assert (log["status"], log["rows_loaded"]) == ("loaded", 2)
    assert log["message"] == "unknown columns kept in _extra_json: ad_group"
    extra = con.execute(
        "select _extra_json, campaign_name from raw.ads__campaign_stats order by _source_line"
    ).fetchall()
    assert json.loads(extra[0][0]) == {"ad_group": "brand"}
    assert json.loads(extra[1][0]) == {"ad_group": None}
    assert extra[0][1] == "spring_sale"  # columns after the extra one still line up by name
    assert_reconciles(con)


# 5. empty file -------------------------------------------------------------------------------
def test_empty_file_is_rejected(deliver, load, con) -> None:
    deliver("email", [], text="")
    report = load("email")
    (log,) = load_log(con, "email")
    assert (log["status"], log["rows_read"], log["rows_quarantined"]) == ("rejected", 0, 0)
    assert log["message"] == "empty file (0 bytes): no header row"
    assert len(report.failures) == 1
    assert_reconciles(con)


def test_empty_ndjson_file_is_a_day_without_records(deliver, load, con) -> None:
    # NDJSON has no header row: a day without tickets is an empty file, not a broken one
    deliver("service", [], text="")
    report = load("service")
    (log,) = load_log(con, "service")
    assert (log["status"], log["rows_read"], log["rows_loaded"]) == ("loaded", 0, 0)
    assert report.failures == []
    assert_reconciles(con)


# 6. header only ------------------------------------------------------------------------------
def test_header_only_file_loads_zero_rows(deliver, load, con) -> None:
    deliver("ads", [])
    report = load("ads")
    (log,) = load_log(con, "ads")
    assert (log["status"], log["rows_read"], log["rows_loaded"]) == ("loaded", 0, 0)
    assert log["message"] == "no records (header only)"
    assert report.failures == []


# 7. truncated JSON ---------------------------------------------------------------------------
def test_truncated_json_line_is_quarantined(deliver, load, con) -> None:
    lines = ex.ndjson_text([ex.ticket(1), ex.ticket(2), ex.ticket(3)]).splitlines()
    lines[1] = lines[1][:57]
    deliver("service", [], text="\n".join(lines) + "\n")
    load("service")
    assert quarantine(con, "service") == [
        (2, "invalid JSON: the line ends before the record is complete (truncated)")
    ]
    assert con.execute("select raw_line from audit.quarantine").fetchone()[0] == lines[1]
    assert _count(con, "service__tickets") == 2
    assert_reconciles(con)


def test_file_cut_off_mid_record_is_rejected_whole(deliver, load, con) -> None:
    text = ex.ndjson_text([ex.web_event(1), ex.web_event(2), ex.web_event(3)])
    deliver("web", [], text=text[: len(text) - 40])  # transfer stopped inside line 3
    report = load("web")
    (log,) = load_log(con, "web")
    assert log["status"] == "rejected"
    assert log["message"] == (
        "truncated file: the last line (3) ends mid-record without a closing newline"
    )
    assert (log["rows_read"], log["rows_quarantined"]) == (3, 3)
    assert "re-deliver the complete file" in report.failures[0]
    assert_reconciles(con)


def test_file_that_is_not_ndjson_is_rejected_whole(deliver, load, con) -> None:
    text = json.dumps([ex.ticket(1), ex.ticket(2)], indent=2) + "\n"  # a pretty JSON array
    deliver("service", [], text=text)
    report = load("service")
    (log,) = load_log(con, "service")
    assert log["status"] == "rejected"
    assert log["message"] == "not newline-delimited JSON: no line is a valid JSON record"
    assert log["rows_read"] == log["rows_quarantined"] == len(text.strip().splitlines())
    assert report.failures
    assert_reconciles(con)


# 8. unparsable timestamp ---------------------------------------------------------------------
def test_unparsable_timestamp_is_quarantined(deliver, load, con) -> None:
    deliver("shop", [ex.shop_row(1001), ex.shop_row(1002, **{"Created at": "2025-13-45"})])
    load("shop")
    assert quarantine(con, "shop") == [(3, "unparsable timestamp in Created at: '2025-13-45'")]
    assert _count(con, "shop__orders") == 1
    assert_reconciles(con)


# 9. non-numeric amount -----------------------------------------------------------------------
def test_non_numeric_amount_is_quarantined(deliver, load, con) -> None:
    deliver("pos", [ex.pos_row(1), ex.pos_row(2, BEDRAG="12,9x"), ex.pos_row(3, STUKPRIJS="6.45")])
    load("pos")
    assert quarantine(con, "pos") == [
        (3, "non-numeric amount in BEDRAG: '12,9x'"),
        (4, "non-numeric amount in STUKPRIJS: '6.45'"),  # a dot is not the till's decimal mark
    ]
    raw_line = con.execute("select raw_line from audit.quarantine where line = 3").fetchone()[0]
    assert raw_line.split(";")[10] == "12,9x" and "Crème" in raw_line
    assert_reconciles(con)


# 10. null key --------------------------------------------------------------------------------
def test_null_key_is_quarantined(deliver, load, con) -> None:
    deliver("pos", [ex.pos_row(1), ex.pos_row(2, BONNR="")])
    deliver("service", [ex.ticket(1), ex.ticket(2, id=None)])
    load("pos")
    load("service")
    assert quarantine(con, "pos") == [(3, "missing key BONNR")]
    assert quarantine(con, "service") == [(2, "missing key id")]
    assert_reconciles(con)


def test_first_broken_rule_is_the_reason(deliver, load, con) -> None:
    deliver(
        "loyalty", [ex.loyalty_row(1, entry_id="", points="x"), ex.loyalty_row(2, points="1.5")]
    )
    load("loyalty")
    assert quarantine(con, "loyalty") == [
        (2, "missing key entry_id"),
        (3, "non-integer value in points: '1.5'"),
    ]


# 11. duplicate delivery ----------------------------------------------------------------------
def test_same_file_delivered_twice_is_loaded_once(deliver, load, con) -> None:
    rows = [ex.crm_row(1), ex.crm_row(2)]
    deliver("crm", rows)
    deliver("crm", rows, name="contacts_20250304 (1).csv")
    report = load("crm")
    assert [(f.file, f.status, f.rows_read) for f in report.files] == [
        (f"crm/{DAY}/contacts_20250304 (1).csv", "loaded", 2),
        (f"crm/{DAY}/contacts_20250304.csv", "duplicate", 0),
    ]
    duplicate = report.files[1]
    assert duplicate.duplicate_of == f"crm/{DAY}/contacts_20250304 (1).csv"
    assert duplicate.message.startswith(
        f"same content (sha256) as crm/{DAY}/contacts_20250304 (1).csv"
    )
    assert _count(con, "crm__contacts") == 2
    assert report.failures == []
    assert_reconciles(con)


def test_same_file_delivered_under_another_date_is_loaded_once(deliver, load, con) -> None:
    rows = [ex.email_row(1), ex.email_row(2)]
    deliver("email", rows)
    deliver("email", rows, day="2025-03-05", name="email_events_20250304.csv")
    load("email")
    report = load("email", "2025-03-05")
    assert [(f.status, f.duplicate_of) for f in report.files] == [
        ("duplicate", f"email/{DAY}/email_events_20250304.csv")
    ]
    assert _count(con, "email__events") == 2
    # reloading either date keeps it that way
    load("email")
    load("email", "2025-03-05")
    assert _count(con, "email__events") == 2
    assert_reconciles(con)


def test_unchanged_snapshot_on_the_next_date_is_that_dates_data(deliver, load, con) -> None:
    # a full CRM snapshot may repeat yesterday's bytes when nothing changed: it still is
    # the state of that day, so both dates hold the contacts
    rows = [ex.crm_row(1), ex.crm_row(2)]
    deliver("crm", rows)
    deliver("crm", rows, day="2025-03-05", name="contacts_20250305.csv")
    load("crm")
    report = load("crm", "2025-03-05")
    assert [(f.status, f.rows_loaded) for f in report.files] == [("loaded", 2)]
    per_day = con.execute(
        "select _partition_date, count(*) from raw.crm__contacts group by 1 order by 1"
    ).fetchall()
    assert [(str(d), n) for d, n in per_day] == [("2025-03-04", 2), ("2025-03-05", 2)]
    assert_reconciles(con)


# 12. a file for a date already loaded --------------------------------------------------------
def test_reloading_a_date_replaces_its_rows(deliver, load, con) -> None:
    deliver("loyalty", [ex.loyalty_row(1), ex.loyalty_row(2, points="x")])
    deliver("loyalty", [ex.loyalty_row(3)], day="2025-03-05")
    load("loyalty")
    load("loyalty", "2025-03-05")
    load("loyalty")
    load("loyalty")
    assert _count(con, "loyalty__ledger_entries") == 2  # 1 + 1, not doubled
    assert len(quarantine(con, "loyalty")) == 1
    assert len(load_log(con, "loyalty")) == 4  # a row per file per load
    assert_reconciles(con)


def test_late_file_for_an_old_date_reloads_that_date(deliver, load, con) -> None:
    deliver("shop", [ex.shop_row(1001)])
    load("shop")
    deliver("shop", [ex.shop_row(1002), ex.shop_row(1003)], name="orders_export_20250304_late.csv")
    report = load("shop")
    assert [(f.file.rsplit("/", 1)[1], f.rows_loaded) for f in report.files] == [
        ("orders_export_20250304.csv", 1),
        ("orders_export_20250304_late.csv", 2),
    ]
    names = con.execute("select name from raw.shop__orders order by name").fetchall()
    assert names == [("#1001",), ("#1002",), ("#1003",)]
    assert_reconciles(con)


def test_exact_duplicate_lines_inside_an_export_are_kept(deliver, load, con) -> None:
    deliver("loyalty", [ex.loyalty_row(1), ex.loyalty_row(1), ex.loyalty_row(2)])
    load("loyalty")
    lines = con.execute(
        "select entry_id, _source_line from raw.loyalty__ledger_entries order by _source_line"
    ).fetchall()
    assert lines == [("L1", 2), ("L1", 3), ("L2", 4)]


# 13. a row far in the future -----------------------------------------------------------------
def test_row_far_in_the_future_is_quarantined(deliver, load, con) -> None:
    deliver(
        "email",
        [
            ex.email_row(1, occurred_at="2025-03-06T22:59:59Z"),  # 23:59:59 CET on D+2: fine
            ex.email_row(2, occurred_at="2025-03-06T23:00:00Z"),  # D+3 00:00 local: limit
            ex.email_row(3, occurred_at="2025-03-06T23:00:01Z"),
            ex.email_row(4, occurred_at="2025-03-01T08:00:00Z"),  # late records are fine
            ex.email_row(5, occurred_at="2026-03-04T08:00:00Z"),
        ],
    )
    load("email")
    assert quarantine(con, "email") == [
        (
            4,
            "timestamp in the future: occurred_at 2025-03-06 23:00:01 UTC is more than 2 days "
            "after the end of delivery date 2025-03-04",
        ),
        (
            6,
            "timestamp in the future: occurred_at 2026-03-04 08:00:00 UTC is more than 2 days "
            "after the end of delivery date 2025-03-04",
        ),
    ]
    assert_reconciles(con)


def test_future_rule_for_a_date_column(deliver, load, con) -> None:
    deliver("ads", [ex.ads_row(1, date="2025-03-06"), ex.ads_row(2, date="2025-03-07")])
    load("ads")
    assert quarantine(con, "ads") == [
        (
            3,
            "timestamp in the future: date 2025-03-07 is more than 2 days after the end of "
            "delivery date 2025-03-04",
        )
    ]


def test_future_rule_checks_every_time_the_record_claims(deliver, load, con) -> None:
    # a clock error in the creation time alone (the update time is fine): the size-M
    # benchmark found such shop orders dated 2099 in the marts, stretching the lifecycle
    # months to 2099
    deliver(
        "shop",
        [
            ex.shop_row(1001),
            ex.shop_row(1002, **{"Created at": "2099-03-04 10:15:00 +0100"}),
        ],
    )
    deliver("service", [ex.ticket(1), ex.ticket(2, created_at="2099-03-04T09:00:00Z")])
    deliver("crm", [ex.crm_row(1), ex.crm_row(2, CreatedDate="2099-06-01T08:00:00.000+0000")])
    for source in ("shop", "service", "crm"):
        load(source)
    assert quarantine(con, "shop") == [
        (
            3,
            "timestamp in the future: created_at 2099-03-04 09:15:00 UTC is more than 2 days "
            "after the end of delivery date 2025-03-04",
        )
    ]
    assert quarantine(con, "service") == [
        (
            2,
            "timestamp in the future: created_at 2099-03-04 09:00:00 UTC is more than 2 days "
            "after the end of delivery date 2025-03-04",
        )
    ]
    assert quarantine(con, "crm") == [
        (
            3,
            "timestamp in the future: created_date 2099-06-01 08:00:00 UTC is more than 2 days "
            "after the end of delivery date 2025-03-04",
        )
    ]
    assert_reconciles(con)


# more row rules ------------------------------------------------------------------------------
def test_wrong_field_count_and_unbalanced_quotes(deliver, load, con) -> None:
    text = ex.csv_text(ex.LOYALTY_HEADER, [ex.loyalty_row(1)])
    text += "L2,M00000001,2620,2025-03-04T13:30:00Z,12,earn\n"
    text += 'L3,M00000001,"2620,2025-03-04T13:30:00Z,12,earn,store,x\n'
    deliver("loyalty", [], text=text)
    load("loyalty")
    assert quarantine(con, "loyalty") == [
        (3, "expected 8 fields, found 6"),
        (4, "unbalanced quotes"),
    ]
    assert_reconciles(con)


def test_enumerations_and_signs(deliver, load, con) -> None:
    deliver("email", [ex.email_row(1, event_type="opened")])
    deliver("ads", [ex.ads_row(1, spend="-0.01")])
    load("email")
    load("ads")
    assert quarantine(con, "email") == [
        (
            2,
            "unexpected value in event_type: 'opened' (expected one of send, delivered, open, "
            "click, bounce, unsubscribe)",
        )
    ]
    assert quarantine(con, "ads") == [(2, "negative number in spend: '-0.01'")]


def test_no_file_leaves_the_partition_alone_and_says_so(deliver, load, con) -> None:
    deliver("crm", [ex.crm_row(1)])
    load("crm")
    report = load("crm", "2025-03-05")
    assert report.failures == [
        "no export file for crm on 2025-03-05: expected crm/2025-03-05/contacts_*.csv in the "
        "landing directory; deliver it and rematerialise the partition"
    ]
    assert load_log(con, "crm")[-1]["status"] == "missing"
    assert _count(con, "crm__contacts") == 1
