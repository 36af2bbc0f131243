{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_window('session_start_date') }}",
        tags=['chunked'],
    )
}}

-- Web and app sessions, rebuilt from the events with the inactivity rule: a cookie's events
-- form one session while the gap to the previous event is under var('session_timeout_minutes')
-- (30). Sessions do not break at midnight; a session belongs to the local day it started.
-- An incremental run rebuilds the sessions that start in its window (macros/
-- incremental_window.sql), reading the events of one day more on each side: the day before
-- tells whether an early event continues a session from before midnight, the day after
-- holds the end of a session that crossed midnight. Append, not delete+insert on session_id:
-- the id hashes the cookie and the start, so a rebuilt session's id can only be found on its
-- start date, which the pre-hook has deleted (and append inserts straight from the select,
-- macros/append_from_view.sql).
with

-- read twice (the session numbers, then the events joined to them), and cheaper to read
-- twice than to store (macros/inlined_cte.sql)
events as {{ inlined_cte() }} (

    select
        event_id,
        cookie_id,
        web_account_id,
        event_name,
        platform,
        device_category,
        occurred_at,
        engagement_time_msec,
        page_location,
        firebase_screen,
        session_source,
        session_medium,
        session_campaign,
        gclid,
        transaction_id
    from {{ ref('stg_web__events') }}
    {% if is_incremental() -%}
        where {{ in_window('event_date', days_before=1, days_after=1) }}
    {%- endif %}

),

rules as (

    select * from {{ ref('channel_grouping_rules') }}

),

-- the inactivity rule needs two windows over each cookie's events in time order; they sort
-- only the three columns it reads, and each event then finds its session number by its key
-- (the staging model's primary key). Sorting every event's columns twice took 51 of the
-- model's 87 CPU-seconds on a 92-day chunk at size M; now 13, plus 5 for the join.
gaps as (

    select
        event_id,
        cookie_id,
        occurred_at,
        lag(occurred_at) over (
            partition by cookie_id order by occurred_at, event_id
        ) as previous_event_at
    from events

),

flagged as (

    select
        *,
        case
            when previous_event_at is null then 1
            when
                occurred_at
                >= {{ dbt.dateadd('minute', var('session_timeout_minutes'), 'previous_event_at') }}
                then 1
            else 0
        end as starts_session
    from gaps

),

session_numbers as (

    select
        event_id,
        sum(starts_session) over (
            partition by cookie_id
            order by occurred_at, event_id
            rows between unbounded preceding and current row
        ) as session_number
    from flagged

),

numbered as (

    select
        events.*,
        session_numbers.session_number
    from events
    inner join session_numbers on events.event_id = session_numbers.event_id

),

session_aggregates as (

    -- one aggregate per session; its first-row values are first_by() aggregates (macros/
    -- first_by.sql), not row_number() windows joined back: 2x faster on a 92-day chunk. They
    -- keep raw values, transformed per session below: once per session, not once per event
    select
        cookie_id,
        session_number,
        min(occurred_at) as session_start_at,
        max(occurred_at) as session_end_at,
        cast(count(*) as {{ dbt.type_bigint() }}) as event_count,
        cast(coalesce(sum(engagement_time_msec), 0) as {{ dbt.type_bigint() }})
            as engagement_time_msec,
        {%- for column, event_names in [
            ('page_view_count', "'page_view', 'screen_view'"),
            ('view_item_count', "'view_item'"),
            ('add_to_cart_count', "'add_to_cart'"),
            ('begin_checkout_count', "'begin_checkout'"),
            ('purchase_count', "'purchase'"),
            ('search_count', "'search'"),
            ('store_locator_search_count', "'store_locator_search'"),
        ] %}
        cast(
            sum(case when event_name in ({{ event_names }}) then 1 else 0 end)
            as {{ dbt.type_bigint() }}
        ) as {{ column }},
        {%- endfor %}
        -- GA4 writes first_visit in the first session of a new cookie or app install
        max(case when event_name = 'first_visit' then 1 else 0 end) = 1 as is_new_visitor,

        -- the session's first event carries its platform and its landing URL's campaign
        -- tags (at equal times, the event that carries tags): one struct, one comparison
        {{ first_row(
            [
                ('platform', 'platform'),
                ('device_category', 'device_category'),
                ('session_source', 'session_source'),
                ('session_medium', 'session_medium'),
                ('session_campaign', 'session_campaign'),
                ('has_gclid', 'gclid is not null'),
            ],
            ['occurred_at', 'case when session_source is null then 1 else 0 end', 'event_id'],
        ) }} as first_event,

        -- the first page or screen viewed
        {{ first_row(
            [('page_location', 'page_location'), ('firebase_screen', 'firebase_screen')],
            ['occurred_at', 'event_id'],
            where="event_name in ('page_view', 'screen_view')",
        ) }} as first_view,
        -- the account the visitor logged in with (the first, if the device changed hands)
        {{ first_by(
            'web_account_id', ['occurred_at', 'event_id'], where='web_account_id is not null'
        ) }} as web_account_id,
        -- the shop order of the first purchase event
        {{ first_by(
            'transaction_id',
            ['occurred_at', 'event_id'],
            where="event_name = 'purchase' and transaction_id is not null",
        ) }} as order_id
    from numbered
    group by cookie_id, session_number

),

{%- set first_event = 'session_aggregates.first_event' %}
{%- set first_view = 'session_aggregates.first_view' %}

session_totals as (

    select
        session_aggregates.cookie_id,
        session_aggregates.session_number,
        session_aggregates.session_start_at,
        session_aggregates.session_end_at,
        session_aggregates.event_count,
        session_aggregates.engagement_time_msec,
        session_aggregates.page_view_count,
        session_aggregates.view_item_count,
        session_aggregates.add_to_cart_count,
        session_aggregates.begin_checkout_count,
        session_aggregates.purchase_count,
        session_aggregates.search_count,
        session_aggregates.store_locator_search_count,
        session_aggregates.is_new_visitor,
        session_aggregates.web_account_id,
        session_aggregates.order_id,
        {{ struct_field(first_event, 'platform') }} as platform,
        {{ struct_field(first_event, 'device_category') }} as device_category,
        lower({{ struct_field(first_event, 'session_source') }}) as session_source,
        lower({{ struct_field(first_event, 'session_medium') }}) as session_medium,
        lower({{ struct_field(first_event, 'session_campaign') }}) as session_campaign,
        {{ struct_field(first_event, 'has_gclid') }} as has_gclid,
        -- the landing page without its query string (UTM tags)
        coalesce(
            {{ dbt.split_part(struct_field(first_view, 'page_location'), "'?'", 1) }},
            {{ struct_field(first_view, 'firebase_screen') }}
        ) as landing_page
    from session_aggregates

),

traffic_values as (

    -- what the channel-grouping rules match (a missing value is the empty string): few
    -- distinct tag combinations, many sessions: match the rules' patterns once per
    -- combination, not once per session (4x faster on 10,000 customers x 90 days)
    select distinct
        coalesce(session_source, '') as source_value,
        coalesce(session_medium, '') as medium_value,
        coalesce(session_campaign, '') as campaign_value
    from session_totals

),

value_groups as (

    -- the first rule (lowest rule_order) whose patterns all match
    select
        traffic_values.source_value,
        traffic_values.medium_value,
        traffic_values.campaign_value,
        rules.default_channel_group,
        rules.ad_channel
    from traffic_values
    inner join rules
        on
            (
                rules.source_pattern is null
                or {{ regex_matches('traffic_values.source_value', 'rules.source_pattern') }}
            )
            and (
                rules.medium_pattern is null
                or {{ regex_matches('traffic_values.medium_value', 'rules.medium_pattern') }}
            )
            and (
                rules.campaign_pattern is null
                or {{ regex_matches('traffic_values.campaign_value', 'rules.campaign_pattern') }}
            )
    qualify row_number() over (
        partition by
            traffic_values.source_value,
            traffic_values.medium_value,
            traffic_values.campaign_value
        order by rules.rule_order
    ) = 1

),

sessions as (

    select
        -- ids
        {{ surrogate_key(['session_totals.cookie_id', 'session_totals.session_start_at']) }}
            as session_id,
        session_totals.cookie_id,
        session_totals.web_account_id,
        session_totals.order_id,

        -- device
        session_totals.platform,
        session_totals.device_category,

        -- traffic
        session_totals.session_source,
        session_totals.session_medium,
        session_totals.session_campaign,
        session_totals.has_gclid,
        coalesce(value_groups.default_channel_group, 'Unassigned') as default_channel_group,
        value_groups.ad_channel,
        session_totals.landing_page,

        -- timestamps
        session_totals.session_start_at,
        session_totals.session_end_at,
        {{ local_date('session_totals.session_start_at') }} as session_start_date,
        {{ seconds_between('session_totals.session_start_at', 'session_totals.session_end_at') }}
            as duration_seconds,

        -- engagement
        session_totals.event_count,
        session_totals.page_view_count,
        session_totals.engagement_time_msec,
        session_totals.view_item_count,
        session_totals.add_to_cart_count,
        session_totals.begin_checkout_count,
        session_totals.purchase_count,
        session_totals.search_count,
        session_totals.store_locator_search_count,
        session_totals.is_new_visitor,
        (
            session_totals.engagement_time_msec >= {{ var('engaged_session_seconds') }} * 1000
            or session_totals.page_view_count >= {{ var('engaged_session_page_views') }}
            or session_totals.purchase_count > 0
        ) as is_engaged

    from session_totals
    left join value_groups
        on
            coalesce(session_totals.session_source, '') = value_groups.source_value
            and coalesce(session_totals.session_medium, '') = value_groups.medium_value
            and coalesce(session_totals.session_campaign, '') = value_groups.campaign_value

)

select * from sessions
{% if is_incremental() -%}
    where {{ in_window('session_start_date') }}
{%- endif %}
