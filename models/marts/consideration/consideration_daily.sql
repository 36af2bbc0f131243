-- Consideration per day over all channels: the sums of consideration_channel_daily,
-- consideration_advice_daily and consideration_email_daily, with the ratios recomputed from
-- the summed parts, and the day's distinct users (not a sum of the channels' users).
with

channels as (

    select
        date_day,
        sum(sessions) as sessions,
        sum(engaged_sessions) as engaged_sessions,
        sum(session_duration_seconds) as session_duration_seconds,
        sum(product_views) as product_views,
        sum(sessions_with_product_view) as sessions_with_product_view,
        sum(sessions_with_add_to_cart) as sessions_with_add_to_cart,
        sum(store_locator_searches) as store_locator_searches
    from {{ ref('consideration_channel_daily') }}
    group by date_day

),

users as (

    -- distinct visitors of the day, counted incrementally (int_web_users_daily says why)
    select
        date_day,
        users  -- noqa: RF04
    from {{ ref('int_web_users_daily') }}

),

advice as (

    select
        date_day,
        sum(advice_contacts) as advice_contacts
    from {{ ref('consideration_advice_daily') }}
    group by date_day

),

email as (

    select
        date_day,
        sum(delivered) as delivered,
        sum(unique_opens) as unique_opens,
        sum(unique_opens_with_machine) as unique_opens_with_machine,
        sum(unique_clicks) as unique_clicks
    from {{ ref('consideration_email_daily') }}
    group by date_day

),

days as (

    select date_day from channels
    union
    select date_day from advice
    union
    select date_day from email

),

joined as (

    select
        days.date_day,
        coalesce(channels.sessions, 0) as sessions,
        coalesce(users.users, 0) as users,  -- noqa: RF04
        coalesce(channels.engaged_sessions, 0) as engaged_sessions,
        coalesce(channels.session_duration_seconds, 0) as session_duration_seconds,
        coalesce(channels.product_views, 0) as product_views,
        coalesce(channels.sessions_with_product_view, 0) as sessions_with_product_view,
        coalesce(channels.sessions_with_add_to_cart, 0) as sessions_with_add_to_cart,
        coalesce(channels.store_locator_searches, 0) as store_locator_searches,
        coalesce(advice.advice_contacts, 0) as advice_contacts,
        coalesce(email.delivered, 0) as delivered,
        coalesce(email.unique_opens, 0) as unique_opens,
        coalesce(email.unique_opens_with_machine, 0) as unique_opens_with_machine,
        coalesce(email.unique_clicks, 0) as unique_clicks
    from days
    left join channels on days.date_day = channels.date_day
    left join users on days.date_day = users.date_day
    left join advice on days.date_day = advice.date_day
    left join email on days.date_day = email.date_day

)

select
    -- ids
    date_day,

    -- web and app (additive)
    cast(sessions as {{ dbt.type_bigint() }}) as sessions,
    cast(engaged_sessions as {{ dbt.type_bigint() }}) as engaged_sessions,
    cast(session_duration_seconds as {{ type_double() }}) as session_duration_seconds,
    cast(product_views as {{ dbt.type_bigint() }}) as product_views,
    cast(sessions_with_product_view as {{ dbt.type_bigint() }}) as sessions_with_product_view,
    cast(sessions_with_add_to_cart as {{ dbt.type_bigint() }}) as sessions_with_add_to_cart,
    cast(store_locator_searches as {{ dbt.type_bigint() }}) as store_locator_searches,

    -- distinct visitors of the day (not additive over days)
    cast(users as {{ dbt.type_bigint() }}) as users,  -- noqa: RF04

    -- advice and e-mail (additive)
    cast(advice_contacts as {{ dbt.type_bigint() }}) as advice_contacts,
    cast(delivered as {{ dbt.type_bigint() }}) as email_delivered,
    cast(unique_opens as {{ dbt.type_bigint() }}) as email_unique_opens,
    cast(unique_opens_with_machine as {{ dbt.type_bigint() }}) as email_unique_opens_with_machine,
    cast(unique_clicks as {{ dbt.type_bigint() }}) as email_unique_clicks,

    -- ratios of the parts above
    cast(engaged_sessions as {{ type_double() }}) / nullif(sessions, 0) as engagement_rate,
    1 - cast(engaged_sessions as {{ type_double() }}) / nullif(sessions, 0) as bounce_rate,
    cast(session_duration_seconds as {{ type_double() }}) / nullif(sessions, 0)
        as avg_session_duration_seconds,
    cast(product_views as {{ type_double() }}) / nullif(sessions, 0) as product_views_per_session,
    cast(sessions_with_add_to_cart as {{ type_double() }}) / nullif(sessions_with_product_view, 0)
        as view_to_cart_rate,
    cast(unique_opens as {{ type_double() }}) / nullif(delivered, 0) as email_open_rate,
    cast(unique_opens_with_machine as {{ type_double() }}) / nullif(delivered, 0)
        as email_open_rate_with_machine,
    cast(unique_clicks as {{ type_double() }}) / nullif(delivered, 0) as email_click_rate

from joined
