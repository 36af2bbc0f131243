{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_window('event_date', days_after=var('delivery_lookahead_days')) }}",
        tags=['chunked'],
    )
}}

-- A table, not a view like the other staging models: at 100,000 customers x 365 days the
-- view's fingerprint and dedupe window over 55 M events were recomputed by each of its
-- readers and tests (DECISIONLOG). Incremental by event date: a run replaces its window's
-- dates (pre-hook) and appends them rebuilt; an event's duplicates share its event date. The
-- window reaches var('delivery_lookahead_days') past the run's last date: a delivery holds
-- the first events after midnight of a session that crossed it.
{%- set event_fingerprint = fingerprint_text([
    'user_pseudo_id', 'event_timestamp', 'event_name', 'ga_session_id',
    'engagement_time_msec', 'page_location', 'item_ids', 'transaction_id'
]) %}

with

-- the CTEs read several times are inlined (macros/inlined_cte.sql): the dedupe below
-- reads the window's raw rows three times, which costs less than storing them
source as {{ inlined_cte() }} (

    select * from {{ source('web', 'events') }}

),

dated as {{ inlined_cte() }} (

    -- the run's dates; GA4 dates an event in the property's zone, and an export row without
    -- event_date takes its timestamp's local date, so that no event falls outside every run
    select * from source
    where {{ in_build_window('event_date', days_after=var('delivery_lookahead_days')) }}
    union all
    select * replace ({{ local_date('event_timestamp') }} as event_date)
    from source
    where
        event_date is null
        and {{ in_build_window_local(
            'event_timestamp', days_after=var('delivery_lookahead_days')
        ) }}

),

fingerprinted as {{ inlined_cte() }} (

    -- the exported values that make an event (event_id hashes them)
    select
        *,
        {{ event_fingerprint }} as event_fingerprint
    from dated

),

repeated_fingerprints as (

    -- the dates and fingerprint hashes seen more than once: every exported copy of an event
    -- has one, and so may, rarely, an unrelated event (a 64-bit hash)
    select
        event_date,
        {{ bucket_hash('event_fingerprint') }} as fingerprint_hash
    from fingerprinted
    group by event_date, {{ bucket_hash('event_fingerprint') }}
    having count(*) > 1

),

{%- set may_repeat -%}
    fingerprinted.event_date = repeated_fingerprints.event_date
    and {{ bucket_hash('fingerprinted.event_fingerprint') }}
    = repeated_fingerprints.fingerprint_hash
{%- endset %}

deduplicated as (

    -- an event exported twice is one event: the copy delivered first. Only the few rows
    -- that may repeat go through the window; sorting all of them cost more than half of
    -- this model's time (docs/benchmarks.md)
    select fingerprinted.*
    from fingerprinted
    left join repeated_fingerprints
        on {{ may_repeat }}
    where repeated_fingerprints.fingerprint_hash is null

    union all

    select fingerprinted.*
    from fingerprinted
    inner join repeated_fingerprints
        on {{ may_repeat }}
    qualify row_number() over (
        partition by fingerprinted.event_date, fingerprinted.event_fingerprint
        order by
            fingerprinted._partition_date,
            fingerprinted._source_file,
            fingerprinted._source_line
    ) = 1

),

renamed as (

    select
        -- ids
        {{ dbt.hash('event_fingerprint') }} as event_id,
        trim(user_pseudo_id) as cookie_id,
        {{ normalize_code('user_id') }} as web_account_id,
        ga_session_id,
        ga_session_number,
        nullif(trim(transaction_id), '') as transaction_id,

        -- event
        event_name,
        platform,
        device_category,
        device_operating_system,
        page_location,
        page_title,
        page_referrer,
        firebase_screen,
        search_term,
        store_id as locator_store_id,
        method as login_method,
        item_ids,
        items_quantity,

        -- traffic: the cookie's first touch, and this session's landing tags
        traffic_source_source as first_touch_source,
        traffic_source_medium as first_touch_medium,
        traffic_source_name as first_touch_campaign,
        session_source,
        session_medium,
        session_campaign,
        gclid,

        -- amounts
        engagement_time_msec,
        purchase_revenue,
        currency,

        -- timestamps
        event_date,
        event_timestamp as occurred_at,
        user_first_touch_timestamp as first_touch_at,

        -- lineage
        _source_file,
        _source_line,
        _loaded_at,
        _partition_date

    from deduplicated

)

select * from renamed
