{{
    config(
        materialized='incremental',
        unique_key='session_id',
        incremental_strategy='delete+insert',
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
-- holds the end of a session that crossed midnight.
with

events as (

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

gaps as (

    select
        *,
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

numbered as (

    select
        *,
        sum(starts_session) over (
            partition by cookie_id
            order by occurred_at, event_id
            rows between unbounded preceding and current row
        ) as session_number
    from flagged

),

session_totals as (

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
        max(case when event_name = 'first_visit' then 1 else 0 end) = 1 as is_new_visitor
    from numbered
    group by cookie_id, session_number

),

first_events as (

    -- the session's first event carries its platform and its landing URL's campaign tags
    -- (at equal times, the event that carries tags)
    select
        cookie_id,
        session_number,
        platform,
        device_category,
        lower(session_source) as session_source,
        lower(session_medium) as session_medium,
        lower(session_campaign) as session_campaign,
        gclid is not null as has_gclid,
        -- what the channel-grouping rules match: a missing value is the empty string
        coalesce(lower(session_source), '') as source_value,
        coalesce(lower(session_medium), '') as medium_value,
        coalesce(lower(session_campaign), '') as campaign_value
    from numbered
    qualify row_number() over (
        partition by cookie_id, session_number
        order by occurred_at, case when session_source is null then 1 else 0 end, event_id
    ) = 1

),

landing_pages as (

    -- the first page or screen viewed, without the query string (UTM tags)
    select
        cookie_id,
        session_number,
        coalesce({{ dbt.split_part('page_location', "'?'", 1) }}, firebase_screen) as landing_page
    from numbered
    where event_name in ('page_view', 'screen_view')
    qualify row_number() over (
        partition by cookie_id, session_number order by occurred_at, event_id
    ) = 1

),

accounts as (

    -- the account the visitor logged in with (the first, if the device changed hands)
    select
        cookie_id,
        session_number,
        web_account_id
    from numbered
    where web_account_id is not null
    qualify row_number() over (
        partition by cookie_id, session_number order by occurred_at, event_id
    ) = 1

),

purchases as (

    select
        cookie_id,
        session_number,
        transaction_id as order_id
    from numbered
    where event_name = 'purchase' and transaction_id is not null
    qualify row_number() over (
        partition by cookie_id, session_number order by occurred_at, event_id
    ) = 1

),

traffic_values as (

    -- few distinct tag combinations, many sessions: match the rules' patterns once per
    -- combination, not once per session (4x faster on 10,000 customers x 90 days)
    select distinct
        source_value,
        medium_value,
        campaign_value
    from first_events

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

grouped as (

    select
        first_events.cookie_id,
        first_events.session_number,
        value_groups.default_channel_group,
        value_groups.ad_channel
    from first_events
    inner join value_groups
        on
            first_events.source_value = value_groups.source_value
            and first_events.medium_value = value_groups.medium_value
            and first_events.campaign_value = value_groups.campaign_value

),

sessions as (

    select
        -- ids
        {{ surrogate_key(['session_totals.cookie_id', 'session_totals.session_start_at']) }}
            as session_id,
        session_totals.cookie_id,
        accounts.web_account_id,
        purchases.order_id,

        -- device
        first_events.platform,
        first_events.device_category,

        -- traffic
        first_events.session_source,
        first_events.session_medium,
        first_events.session_campaign,
        first_events.has_gclid,
        coalesce(grouped.default_channel_group, 'Unassigned') as default_channel_group,
        grouped.ad_channel,
        landing_pages.landing_page,

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
    inner join first_events
        on
            session_totals.cookie_id = first_events.cookie_id
            and session_totals.session_number = first_events.session_number
    left join landing_pages
        on
            session_totals.cookie_id = landing_pages.cookie_id
            and session_totals.session_number = landing_pages.session_number
    left join accounts
        on
            session_totals.cookie_id = accounts.cookie_id
            and session_totals.session_number = accounts.session_number
    left join purchases
        on
            session_totals.cookie_id = purchases.cookie_id
            and session_totals.session_number = purchases.session_number
    left join grouped
        on
            session_totals.cookie_id = grouped.cookie_id
            and session_totals.session_number = grouped.session_number

)

select * from sessions
{% if is_incremental() -%}
    where {{ in_window('session_start_date') }}
{%- endif %}
