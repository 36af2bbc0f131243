{{
    config(
        materialized='incremental',
        unique_key='touchpoint_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        pre_hook="{{ delete_window('touchpoint_date') }}",
    )
}}

-- depends_on: {{ ref('int_customer_keys_changed') }}

-- The touchpoint history: every interaction from every source with its customer (null when
-- anonymous), channel, type and journey phase (seeds channels and touchpoint_phases).
-- Incremental: rebuilds the window's dates and the rows int_touchpoints_unioned rebuilt
-- from records delivered in the window; re-keys rows whose identifier's customer changed
-- within the window (int_customer_keys_changed); and picks up rows whose phase or channel
-- group an analyst changed in the seeds.
with

touchpoints as {{ inlined_cte() }} (

    -- read where used, never stored: every scan below filters it, but DuckDB stored all
    -- 21 M rows once for them (size M daily, the query alone: 23 -> 15 CPU-s)
    select * from {{ ref('int_touchpoints_unioned') }}

),

identifiers as (

    -- only identifiers with a customer: the joins below are left joins for the key
    select
        identifier_id,
        customer_key
    from {{ ref('int_identifiers_resolved') }}
    where customer_key is not null

),

phases as (

    select * from {{ ref('touchpoint_phases') }}

),

channels as (

    select * from {{ ref('channels') }}

){% if is_incremental() %},

changed_identifiers as (

    select distinct identifier_id
    from {{ ref('int_customer_keys_changed') }}
    where {{ in_window('changed_for') }}

),

classified_combinations as (

    -- the (type, phase, channel, group) combinations the facts hold: a handful, so the
    -- seeds are compared with these, not with every row
    select distinct
        touchpoint_type,
        journey_phase,
        channel,
        channel_group
    from {{ this }}

),

stale_combinations as (

    select combinations.*
    from classified_combinations as combinations
    left join phases on combinations.touchpoint_type = phases.touchpoint_type
    left join channels on combinations.channel = channels.channel
    where
        combinations.journey_phase is distinct from phases.journey_phase
        or combinations.channel_group is distinct from channels.channel_group

),

reclassified as (

    -- rows whose phase or channel group the seeds now give differently (size M daily: about
    -- 0.6 of the query's 4.2 CPU-s saved against joining every row with the seeds)
    select current_rows.touchpoint_id
    from {{ this }} as current_rows
    where exists (
        select 1
        from stale_combinations as stale
        where
            current_rows.touchpoint_type is not distinct from stale.touchpoint_type
            and current_rows.journey_phase is not distinct from stale.journey_phase
            and current_rows.channel is not distinct from stale.channel
            and current_rows.channel_group is not distinct from stale.channel_group
    )

){% if is_long_window() %},

rescoped_ids as (

    -- rows on any date that re-keying or the seeds change: a union of ids, narrow whatever
    -- their number
    select touchpoint_id from touchpoints
    where identifier_id in (select changed_identifiers.identifier_id from changed_identifiers)
    union
    select touchpoint_id from touchpoints
    where visitor_id in (select changed_identifiers.identifier_id from changed_identifiers)
    union
    select reclassified.touchpoint_id from reclassified

){% endif %}{% endif %},

in_scope as (

    {% if is_incremental() and not is_long_window() -%}
        -- a day: one scan per reason, not one OR of them: DuckDB cannot push an OR with
        -- IN-lists into the scan and read every column of every touchpoint (size M, cold
        -- page cache: 27 s against 9 s). Touchpoints are unique, so `union` loses none.
        select * from touchpoints where {{ in_window('touchpoint_date') }}
        union
        select * from touchpoints where {{ in_window('delivered_on') }}
        union
        select * from touchpoints
        where identifier_id in (select changed_identifiers.identifier_id from changed_identifiers)
        union
        select * from touchpoints
        where visitor_id in (select changed_identifiers.identifier_id from changed_identifiers)
        union
        select * from touchpoints
        where touchpoint_id in (select reclassified.touchpoint_id from reclassified)
    {%- elif is_incremental() -%}
        -- a long window: `union` hashes every column of every row in scope, and a year at
        -- size M ran out of memory in it. Disjoint scans (each leaves out the earlier ones'
        -- rows) with `union all`, and a union of ids only. Not for a day: DuckDB then
        -- materialises the import CTE with every scan's filter ORed, 38-47 s against 7.5-8 s
        -- at size M (docs/benchmarks.md).
        select * from touchpoints where {{ in_window('touchpoint_date') }}
        union all
        select * from touchpoints
        where
            {{ in_window('delivered_on') }}
            and not coalesce({{ in_window('touchpoint_date') }}, false)
        union all
        select * from touchpoints
        where
            touchpoint_id in (select rescoped_ids.touchpoint_id from rescoped_ids)
            and not coalesce(
                {{ in_window('touchpoint_date') }} or {{ in_window('delivered_on') }}, false
            )
    {%- else %}
    select * from touchpoints
    {%- endif %}

)

select
    -- ids
    in_scope.touchpoint_id,

    -- what
    in_scope.source,
    in_scope.channel,
    channels.channel_group,
    in_scope.touchpoint_type,
    phases.journey_phase,

    -- when
    in_scope.occurred_at,
    in_scope.touchpoint_date,

    -- context
    in_scope.session_id,
    in_scope.order_id,
    in_scope.store_id,
    in_scope.campaign_name,
    in_scope.revenue,
    in_scope.interactions,

    -- who: a web touch belongs to its account's customer, else to its cookie's (a cookie
    -- that once logged in brings its anonymous history along; a shared one belongs to nobody)
    coalesce(by_identifier.customer_key, by_visitor.customer_key) as customer_key,

    -- when the run that last rebuilt the row started (the publish copies newer rows only)
    {{ built_at() }} as _built_at

from in_scope
left join identifiers as by_identifier on in_scope.identifier_id = by_identifier.identifier_id
left join identifiers as by_visitor on in_scope.visitor_id = by_visitor.identifier_id
left join phases on in_scope.touchpoint_type = phases.touchpoint_type
left join channels on in_scope.channel = channels.channel
