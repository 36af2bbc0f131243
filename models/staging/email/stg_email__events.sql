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

-- the CTEs read several times are inlined (macros/inlined_cte.sql): the dedupe below reads
-- the window's rows three times, which costs less than storing them
source as {{ inlined_cte() }} (

    select * from {{ source('email', 'events') }}

),

dated as {{ inlined_cte() }} (

    select
        *,
        {{ local_date('occurred_at') }} as event_date
    from source
    where {{ in_build_window(
        local_date('occurred_at'), days_after=var('delivery_lookahead_days')
    ) }}

),

repeated_ids as (

    -- the dates and ids exported more than once
    select
        event_date,
        trim(event_id) as email_event_id
    from dated
    group by event_date, trim(event_id)
    having count(*) > 1

),

{%- set may_repeat -%}
    dated.event_date = repeated_ids.event_date
    and trim(dated.event_id) = repeated_ids.email_event_id
{%- endset %}

deduplicated as (

    -- an event exported twice is one event: the copy delivered first. Only the rows whose id
    -- repeats go through the window, as in stg_web__events (docs/benchmarks.md)
    select dated.*
    from dated
    left join repeated_ids
        on {{ may_repeat }}
    where repeated_ids.email_event_id is null

    union all

    select dated.*
    from dated
    inner join repeated_ids
        on {{ may_repeat }}
    qualify row_number() over (
        partition by dated.event_date, trim(dated.event_id)
        order by dated._partition_date, dated._source_file, dated._source_line
    ) = 1

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

    from deduplicated

)

select * from renamed
