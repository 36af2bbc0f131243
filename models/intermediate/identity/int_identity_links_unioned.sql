-- union branches: only the first branch's aliases name columns
-- noqa: disable=AL03,AL08
-- Every pair of identifiers that appeared together in one exported record, from every
-- source, one row per pair. A record's identifiers are all linked pairwise, so the shared-
-- identifier guard sees every co-occurrence (an address on a CRM contact with one phone and
-- on an order with another phone has two phones).
-- Order, receipt and ticket references are identifiers too: they tie a web purchase to its
-- shop order, a store return to its original sale, a ticket to the order it is about.
with

web_identifiers as (

    -- the web events' identifiers per date (size M: 7.9 M rows for 54.7 M events)
    select * from {{ ref('int_web_identifiers_daily') }}

),

shop_lines as (

    select * from {{ ref('stg_shop__order_lines') }}

),

receipt_lines as (

    select * from {{ ref('stg_pos__receipt_lines') }}

),

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

tickets as (

    select
        *,
        cast(ticket_id as {{ dbt.type_string() }}) as ticket_reference
    from {{ ref('stg_service__tickets') }}

),

ledger as (

    select * from {{ ref('stg_loyalty__ledger_entries') }}

),

web_logins as (

    -- one record per browser and account: the login that tied them
    select
        cookie_id,
        web_account_id,
        min(first_seen_at) as seen_at
    from web_identifiers
    where web_account_id is not null
    group by cookie_id, web_account_id

),

web_purchases as (

    select
        transaction_id,
        min(cookie_id) as cookie_id,
        min(web_account_id) as web_account_id,
        min(first_seen_at) as seen_at
    from web_identifiers
    where transaction_id is not null  -- purchase events only
    group by transaction_id

),

shop_orders as (

    select
        order_name,
        max(email) as email,
        max(phone) as phone,
        max(return_reference) as return_reference,
        min(created_at) as seen_at
    from shop_lines
    group by order_name

),

receipts as (

    select
        receipt_number,
        max(loyalty_card) as loyalty_card,
        max(ereceipt_email) as ereceipt_email,
        max(original_reference) as original_reference,
        min(sold_at) as seen_at
    from receipt_lines
    group by receipt_number

),

record_identifiers as (

    -- (source, kind, record, when) x (identifier type, value)
    select
        'web' as link_source,
        'login' as link_kind,
        cookie_id || ' > ' || web_account_id as record_reference,
        seen_at,
        'cookie' as identifier_type,
        cookie_id as identifier_value
    from web_logins
    union all
    select
        'web',
        'login',
        cookie_id || ' > ' || web_account_id,
        seen_at,
        'web_account',
        web_account_id
    from web_logins
    union all
    select
        'web',
        'purchase',
        transaction_id,
        seen_at,
        'order_ref',
        transaction_id
    from web_purchases
    union all
    select
        'web',
        'purchase',
        transaction_id,
        seen_at,
        'cookie',
        cookie_id
    from web_purchases
    union all
    select
        'web',
        'purchase',
        transaction_id,
        seen_at,
        'web_account',
        web_account_id
    from web_purchases

    union all
    select
        'shop',
        'checkout',
        order_name,
        seen_at,
        'order_ref',
        order_name
    from shop_orders
    union all
    select
        'shop',
        'checkout',
        order_name,
        seen_at,
        'email',
        email
    from shop_orders
    union all
    select
        'shop',
        'checkout',
        order_name,
        seen_at,
        'phone',
        phone
    from shop_orders
    union all
    -- a returns-portal parcel names the order or receipt it returns
    select
        'shop',
        'checkout',
        order_name,
        seen_at,
        'order_ref',
        return_reference
    from shop_orders

    union all
    select
        'pos',
        'receipt',
        receipt_number,
        seen_at,
        'order_ref',
        receipt_number
    from receipts
    union all
    select
        'pos',
        'receipt',
        receipt_number,
        seen_at,
        'card',
        loyalty_card
    from receipts
    union all
    select
        'pos',
        'receipt',
        receipt_number,
        seen_at,
        'email',
        ereceipt_email
    from receipts
    union all
    -- a store return names the receipt or web order it returns
    select
        'pos',
        'receipt',
        receipt_number,
        seen_at,
        'order_ref',
        original_reference
    from receipts

    union all
    select
        'crm',
        'contact',
        contact_id,
        created_at,
        'crm_id',
        contact_id
    from contacts
    union all
    select
        'crm',
        'contact',
        contact_id,
        created_at,
        'email',
        email
    from contacts
    union all
    select
        'crm',
        'contact',
        contact_id,
        created_at,
        'phone',
        phone
    from contacts
    union all
    select
        'crm',
        'contact',
        contact_id,
        created_at,
        'card',
        loyalty_card
    from contacts
    union all
    select
        'crm',
        'contact',
        contact_id,
        created_at,
        'member_id',
        loyalty_member_id
    from contacts
    union all
    select
        'crm',
        'contact',
        contact_id,
        created_at,
        'web_account',
        web_account_id
    from contacts

    union all
    select
        'service',
        'ticket',
        ticket_reference,
        created_at,
        'ticket',
        ticket_reference
    from tickets
    union all
    select
        'service',
        'ticket',
        ticket_reference,
        created_at,
        'email',
        requester_email
    from tickets
    union all
    select
        'service',
        'ticket',
        ticket_reference,
        created_at,
        'phone',
        requester_phone
    from tickets
    union all
    select
        'service',
        'ticket',
        ticket_reference,
        created_at,
        'order_ref',
        order_reference
    from tickets

    union all
    select
        'loyalty',
        'ledger',
        ledger_entry_id,
        occurred_at,
        'member_id',
        loyalty_member_id
    from ledger
    union all
    select
        'loyalty',
        'ledger',
        ledger_entry_id,
        occurred_at,
        'card',
        loyalty_card
    from ledger
    union all
    -- points are earned and redeemed on a purchase: the receipt or the order
    select
        'loyalty',
        'ledger',
        ledger_entry_id,
        occurred_at,
        'order_ref',
        reference
    from ledger
    where reason in ('earn', 'redeem')

),

identified as (

    select
        *,
        identifier_type || ':' || identifier_value as identifier_id
    from record_identifiers
    where identifier_value is not null

),

pairs as (

    -- every two identifiers of one record, once (a < b)
    select
        a.link_source,
        a.link_kind,
        a.record_reference,
        a.seen_at,
        a.identifier_id as identifier_id_a,
        a.identifier_type as type_a,
        a.identifier_value as value_a,
        b.identifier_id as identifier_id_b,
        b.identifier_type as type_b,
        b.identifier_value as value_b
    from identified as a
    inner join identified as b
        on
            a.link_source = b.link_source
            and a.link_kind = b.link_kind
            and a.record_reference = b.record_reference
            and a.identifier_id < b.identifier_id

)

select
    {{ surrogate_key(['identifier_id_a', 'identifier_id_b']) }} as link_id,
    identifier_id_a,
    identifier_id_b,
    type_a,
    value_a,
    type_b,
    value_b,
    min(link_source) as link_source,
    min(link_kind) as link_kind,
    min(record_reference) as example_record,
    count(*) as records,
    min(seen_at) as first_seen_at,
    max(seen_at) as last_seen_at
from pairs
group by identifier_id_a, identifier_id_b, type_a, value_a, type_b, value_b
