{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_window('event_date', days_after=var('delivery_lookahead_days')) }}",
        tags=['chunked'],
    )
}}

-- The identifiers the web events show, per event date: one row per date, cookie, logged-in
-- account and purchase transaction, with the first and last event time. The identity models
-- read this instead of the events: it is a seventh of their rows (size M), so a daily run's
-- identity rebuild no longer scans a year of events (size M: docs/benchmarks.md).
-- Incremental on the same dates as stg_web__events, which it follows.
with

events as (

    select
        event_date,
        cookie_id,
        web_account_id,
        occurred_at,
        -- the transaction of a purchase event only: what ties a cookie to a shop order
        case when event_name = 'purchase' then transaction_id end as transaction_id
    from {{ ref('stg_web__events') }}
    where {{ in_build_window('event_date', days_after=var('delivery_lookahead_days')) }}

)

select
    {{ surrogate_key(['event_date', 'cookie_id', 'web_account_id', 'transaction_id']) }}
        as web_identifier_day_id,
    event_date,
    cookie_id,
    web_account_id,
    transaction_id,
    min(occurred_at) as first_seen_at,
    max(occurred_at) as last_seen_at,
    cast(count(*) as {{ dbt.type_bigint() }}) as event_count
from events
group by event_date, cookie_id, web_account_id, transaction_id
