{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_window('event_date', days_after=var('delivery_lookahead_days')) }}",
        tags=['chunked'],
    )
}}

-- A table, like stg_web__events and for the same reason: at size M (10 M events a year) the
-- view's dedupe window over the whole export was recomputed by each of its readers and tests
-- on every daily run (DECISIONLOG). Incremental by the event's local date: a run replaces its
-- window's dates (pre-hook) and appends them rebuilt; an event's duplicates share its date.
-- The window reaches var('delivery_lookahead_days') past the run's last date, as the
-- deliveries of its dates can hold events that late.
with

source as (

    select * from {{ source('email', 'events') }}

),

dated as (

    select
        *,
        {{ local_date('occurred_at') }} as event_date
    from source
    where {{ in_build_window_local(
        'occurred_at', days_after=var('delivery_lookahead_days')
    ) }}

),

renamed as (

    select
        -- ids
        trim(event_id) as email_event_id,
        trim(campaign_id) as campaign_id,

        -- event
        event_type,
        campaign_name,
        {{ normalize_email('email') }} as email,
        nullif(url, '') as clicked_url,
        nullif(user_agent, '') as user_agent,
        -- Apple Mail Privacy Protection opens every message it delivers: not a human open
        coalesce(user_agent = 'apple-mpp-proxy', false) as is_machine_open,

        -- timestamps
        occurred_at,
        event_date,

        -- lineage
        _source_file,
        _source_line,
        _loaded_at,
        _partition_date

    from dated

),

deduplicated as (

    -- an event exported twice is one event
    select * from renamed
    qualify row_number() over (
        partition by event_date, email_event_id
        order by _partition_date, _source_file, _source_line
    ) = 1

)

select * from deduplicated
