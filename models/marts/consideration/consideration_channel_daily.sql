-- Web and app engagement per day and channel (web, app): sessions (30-minute inactivity
-- rule), users, GA4 engaged sessions, session duration, product views, the view-to-cart
-- step and store-locator searches. Counts and sums are additive; `users` (distinct visitors)
-- is not: a visitor active on two days is one user of each day.
with

sessions as (

    select * from {{ ref('fct_web_sessions') }}

),

per_channel as (

    select
        session_start_date as date_day,
        channel,
        count(*) as sessions,
        sum(case when is_engaged then 1 else 0 end) as engaged_sessions,
        sum(coalesce(duration_seconds, 0)) as session_duration_seconds,
        sum(view_item_count) as product_views,
        sum(case when view_item_count > 0 then 1 else 0 end) as sessions_with_product_view,
        sum(case when add_to_cart_count > 0 then 1 else 0 end) as sessions_with_add_to_cart,
        sum(store_locator_search_count) as store_locator_searches
    from sessions
    group by session_start_date, channel

),

channel_users as (

    -- distinct visitors, counted incrementally (int_web_users_daily says why)
    select * from {{ ref('int_web_channel_users_daily') }}

),

with_users as (

    select
        per_channel.*,
        channel_users.users  -- noqa: RF04
    from per_channel
    left join channel_users
        on
            per_channel.date_day = channel_users.date_day
            and per_channel.channel = channel_users.channel

)

select
    -- ids
    {{ surrogate_key(['date_day', 'channel']) }} as channel_day_id,
    date_day,
    channel,

    -- counts and sums (additive)
    cast(sessions as {{ dbt.type_bigint() }}) as sessions,
    cast(engaged_sessions as {{ dbt.type_bigint() }}) as engaged_sessions,
    cast(session_duration_seconds as {{ type_double() }}) as session_duration_seconds,
    cast(product_views as {{ dbt.type_bigint() }}) as product_views,
    cast(sessions_with_product_view as {{ dbt.type_bigint() }}) as sessions_with_product_view,
    cast(sessions_with_add_to_cart as {{ dbt.type_bigint() }}) as sessions_with_add_to_cart,
    cast(store_locator_searches as {{ dbt.type_bigint() }}) as store_locator_searches,

    -- distinct visitors (not additive over days)
    cast(users as {{ dbt.type_bigint() }}) as users,  -- noqa: RF04

    -- ratios of the parts above
    cast(engaged_sessions as {{ type_double() }}) / nullif(sessions, 0) as engagement_rate,
    1 - cast(engaged_sessions as {{ type_double() }}) / nullif(sessions, 0) as bounce_rate,
    cast(session_duration_seconds as {{ type_double() }}) / nullif(sessions, 0)
        as avg_session_duration_seconds,
    cast(product_views as {{ type_double() }}) / nullif(sessions, 0) as product_views_per_session,
    cast(sessions_with_add_to_cart as {{ type_double() }}) / nullif(sessions_with_product_view, 0)
        as view_to_cart_rate

from with_users
