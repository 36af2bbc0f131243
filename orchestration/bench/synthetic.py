# ruff: noqa: E501  (SQL that writes sample rows reads best one column per line)
"""Contract-shaped export files written by DuckDB, for benchmarking when the simulator is absent.

Volumes per customer per day are rough retail guesses; the values are plausible, not realistic
(the simulator owns realism). Every file follows docs/sources.md so the loaders read it as
they read real exports.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb

# records per customer per day
RATES = {
    "web": 0.6,
    "shop": 0.02,
    "pos": 0.05,
    "crm": 1.0,
    "email": 0.3,
    "service": 0.005,
    "loyalty": 0.03,
}


def _q(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def write_day(con: duckdb.DuckDBPyConnection, landing: Path, day: date, customers: int) -> None:
    ymd = day.strftime("%Y%m%d")
    iso = day.isoformat()
    n = {source: max(1, int(customers * rate)) for source, rate in RATES.items()}
    folders = {s: landing / s / iso for s in [*RATES, "ads"]}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    base_us = f"epoch_us(timestamp '{iso} 07:00:00')"
    ts = f"timestamp '{iso} 07:00:00' + to_seconds(i % 50000)"
    con.execute(f"""
        copy (select
            '{ymd}' as event_date,
            {base_us} + (i % 50000) * 1000000 as event_timestamp,
            ['page_view', 'session_start', 'view_item', 'add_to_cart'][i % 4 + 1] as event_name,
            [{{'key': 'ga_session_id', 'value': {{'string_value': null, 'int_value': 1741000000 + i // 8, 'double_value': null}}}},
             {{'key': 'ga_session_number', 'value': {{'string_value': null, 'int_value': i % 9 + 1, 'double_value': null}}}},
             {{'key': 'page_location', 'value': {{'string_value': 'https://shop.example/p/' || (i % 900), 'int_value': null, 'double_value': null}}}},
             {{'key': 'engagement_time_msec', 'value': {{'string_value': null, 'int_value': i % 5000, 'double_value': null}}}}]
              as event_params,
            lpad((i % {customers})::varchar, 10, '0') || '.1741000000' as user_pseudo_id,
            case when i % 3 = 0 then 'WA' || lpad((i % {customers})::varchar, 8, '0') end as user_id,
            {base_us} - 86400000000 as user_first_touch_timestamp,
            'WEB' as platform,
            {{'category': 'desktop', 'operating_system': 'Windows'}} as device,
            {{'source': 'google', 'medium': 'organic', 'name': '(organic)'}} as traffic_source,
            null as collected_traffic_source, null as ecommerce,
            case when i % 4 = 2 then [{{'item_id': 'SKU-' || (i % 900), 'item_name': 'Trui', 'price': 10.5, 'quantity': 1}}] end as items
        from range({n["web"]}) t(i))
        to {_q(folders["web"] / f"events_{ymd}.json")} (format json)
    """)
    con.execute(f"""
        copy (select
            '#' || (100000 + i // 2) as "Name", ' Anna' || (i % {customers}) || '@Example.com' as "Email",
            '06-1234' || lpad((i % 10000)::varchar, 4, '0') as "Phone", 'paid' as "Financial Status",
            'unfulfilled' as "Fulfillment Status",
            strftime({ts}, '%Y-%m-%d %H:%M:%S +0100') as "Created at",
            strftime({ts}, '%Y-%m-%d %H:%M:%S +0100') as "Updated at",
            '' as "Fulfilled at", '' as "Delivered at", 'EUR' as "Currency", '25.00' as "Subtotal",
            '4.95' as "Shipping", '' as "Discount Code", '0.00' as "Discount Amount",
            '29.95' as "Total", 'Home delivery' as "Shipping Method", '' as "Pickup Location",
            (i % 3 + 1)::varchar as "Lineitem quantity", 'Trui, wol' as "Lineitem name",
            '10.50' as "Lineitem price", 'SKU-' || (i % 900) as "Lineitem sku",
            '0.00' as "Lineitem discount", 'web' as "Source", '' as "Return Reference",
            'vip, newsletter' as "Tags"
        from range({n["shop"]}) t(i))
        to {_q(folders["shop"] / f"orders_export_{ymd}.csv")} (header, delimiter ',')
    """)
    pos_utf8 = folders["pos"] / "pos.utf8.tmp"
    con.execute(f"""
        copy (select
            'F0' || lpad((i % 40)::varchar, 2, '0') || '-{ymd}-' || lpad((i // 3 % 10000)::varchar, 4, '0') as BONNR,
            'F0' || lpad((i % 40)::varchar, 2, '0') as FILIAAL, strftime(date '{iso}', '%d-%m-%Y') as DATUM,
            strftime({ts}, '%H:%M:%S') as TIJD, (i % 3 + 1) as REGEL, 'SKU-' || (i % 900) as ARTIKELNR,
            'Crème fraîche' as OMSCHRIJVING, 2 as AANTAL, '6,45' as STUKPRIJS, '0,00' as KORTING,
            '12,90' as BEDRAG, case when i % 2 = 0 then '2620 0000 ' || (i % {customers}) else '' end as KLANTKAART,
            '' as EBON_EMAIL, 'V' as SOORT, '' as ORIG_BONNR, 'PIN' as BETAALWIJZE
        from range({n["pos"]}) t(i))
        to {_q(pos_utf8)} (header, delimiter ';', new_line '\\r\\n')
    """)
    # the till writes Latin-1
    (folders["pos"] / f"KASSA_{ymd}.csv").write_bytes(
        pos_utf8.read_text(encoding="utf-8").encode("latin-1")
    )
    pos_utf8.unlink()
    crm = folders["crm"] / f"contacts_{ymd}.csv"
    con.execute(f"""
        copy (select
            'C' || lpad(i::varchar, 8, '0') as ContactId, 'Person' || i || '@Example.nl ' as Email,
            '+31 6 1234 ' || lpad((i % 10000)::varchar, 4, '0') as Phone, 'Jan' as FirstName,
            'de Vries' as LastName, '2024-06-01T08:00:00.000+0000' as CreatedDate,
            strftime({ts}, '%Y-%m-%dT%H:%M:%S.000+0000') as LastModifiedDate,
            case when i % 7 = 0 then 'true' else 'false' end as HasOptedOutOfEmail,
            'false' as SmsOptIn, '2620 0000 ' || i as LoyaltyCardNumber,
            'M' || lpad(i::varchar, 8, '0') as LoyaltyMemberId, 'F012' as PreferredStore,
            'WA' || lpad(i::varchar, 8, '0') as WebAccountId
        from range({n["crm"]}) t(i))
        to {_q(crm)} (header, delimiter ',')
    """)
    crm.write_bytes(b"\xef\xbb\xbf" + crm.read_bytes())
    con.execute(f"""
        copy (select
            'ev-{ymd}-' || i as event_id, ['send', 'delivered', 'open', 'click'][i % 4 + 1] as event_type,
            strftime({ts}, '%Y-%m-%dT%H:%M:%SZ') as occurred_at, 'person' || (i % {customers}) || '@example.nl' as email,
            'EM{ymd}' as campaign_id, 'newsletter_{ymd}' as campaign_name,
            case when i % 4 = 3 then 'https://shop.example/?utm_source=newsletter&utm_medium=email&utm_campaign=newsletter_{ymd}' else '' end as url,
            case when i % 4 = 2 then 'apple-mpp-proxy' else '' end as user_agent
        from range({n["email"]}) t(i))
        to {_q(folders["email"] / f"email_events_{ymd}.csv")} (header, delimiter ',')
    """)
    con.execute(f"""
        copy (select date '{iso}' as date, ['google_ads', 'meta', 'dv360'][i % 3 + 1] as platform,
            'c' || i as campaign_id, 'campaign_' || i as campaign_name, 1000 * i as impressions,
            10 * i as clicks, (1.5 * i)::decimal(12,2) as spend, 'EUR' as currency
        from range(30) t(i))
        to {_q(folders["ads"] / f"ad_performance_{ymd}.csv")} (header, delimiter ',')
    """)
    con.execute(f"""
        copy (select 500000 + i as id, ['email', 'chat', 'phone'][i % 3 + 1] as channel,
            {{'email': 'Anna' || i || '@Example.com', 'phone': null, 'name': 'Anna'}} as requester,
            strftime({ts}, '%Y-%m-%dT%H:%M:%SZ') as created_at,
            strftime({ts}, '%Y-%m-%dT%H:%M:%SZ') as updated_at, null as first_reply_at,
            null as solved_at, 'open' as status, 'delivery' as reason, '#100001' as order_reference,
            {{'score': 'unoffered'}} as satisfaction_rating
        from range({n["service"]}) t(i))
        to {_q(folders["service"] / f"tickets_{ymd}.json")} (format json)
    """)
    con.execute(f"""
        copy (select 'L{ymd}' || i as entry_id, 'M' || lpad((i % {customers})::varchar, 8, '0') as member_id,
            '2620 0000 ' || i as card_number, strftime({ts}, '%Y-%m-%dT%H:%M:%SZ') as occurred_at,
            (i % 50) - 10 as points, ['earn', 'redeem', 'bonus', 'expire'][i % 4 + 1] as reason,
            'store' as channel, 'F012-{ymd}-0001' as reference
        from range({n["loyalty"]}) t(i))
        to {_q(folders["loyalty"] / f"ledger_{ymd}.csv")} (header, delimiter ',')
    """)


def simulate_synthetic(data_dir: Path, customers: int, days: int, start: date) -> None:
    """Write `days` daily deliveries of every source under data_dir/landing."""
    landing = data_dir / "landing"
    with duckdb.connect() as con:
        for d in range(days):
            write_day(con, landing, start + timedelta(days=d), customers)
