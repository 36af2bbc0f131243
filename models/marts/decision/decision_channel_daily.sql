-- Purchases per day and channel (web, app, social, store): orders, gross revenue, units,
-- the value returned and net revenue (a return is booked against the order it returns: the
-- order's channel and day, whatever channel it came back through and whenever), AOV; and for
-- web and app the GA4 purchase funnel: sessions with a purchase (session conversion rate),
-- users who purchased (user conversion rate), and cart and checkout abandonment. Counts and
-- sums are additive; `users` and `purchasing_users` (distinct visitors) are not.
with

orders as (

    select
        order_date as date_day,
        channel,
        count(*) as orders,
        sum(gross_revenue) as gross_revenue,
        sum(units) as units,
        sum(returned_value) as returned_value,
        sum(net_revenue) as net_revenue
    from {{ ref('fct_orders') }}
    group by order_date, channel

),

sessions as (

    select
        session_start_date as date_day,
        channel,
        count(*) as sessions,
        sum(case when purchase_count > 0 then 1 else 0 end) as purchase_sessions,
        sum(case when add_to_cart_count > 0 then 1 else 0 end) as cart_sessions,
        sum(case when begin_checkout_count > 0 then 1 else 0 end) as checkout_sessions
    from {{ ref('fct_web_sessions') }}
    group by session_start_date, channel

),

channel_users as (

    -- distinct visitors, counted incrementally (int_web_users_daily says why)
    select * from {{ ref('int_web_channel_users_daily') }}

),

channel_days as (

    select
        date_day,
        channel
    from orders
    union
    select
        date_day,
        channel
    from sessions

),

joined as (

    select
        channel_days.date_day,
        channel_days.channel,
        coalesce(orders.orders, 0) as orders,
        coalesce(orders.gross_revenue, 0) as gross_revenue,
        coalesce(orders.units, 0) as units,
        coalesce(orders.returned_value, 0) as returned_value,
        coalesce(orders.net_revenue, 0) as net_revenue,
        coalesce(sessions.sessions, 0) as sessions,
        coalesce(sessions.purchase_sessions, 0) as purchase_sessions,
        coalesce(sessions.cart_sessions, 0) as cart_sessions,
        coalesce(sessions.checkout_sessions, 0) as checkout_sessions,
        coalesce(channel_users.users, 0) as users,  -- noqa: RF04
        coalesce(channel_users.purchasing_users, 0) as purchasing_users
    from channel_days
    left join orders
        on
            channel_days.date_day = orders.date_day
            and channel_days.channel = orders.channel
    left join sessions
        on
            channel_days.date_day = sessions.date_day
            and channel_days.channel = sessions.channel
    left join channel_users
        on
            channel_days.date_day = channel_users.date_day
            and channel_days.channel = channel_users.channel

)

select
    -- ids
    {{ surrogate_key(['date_day', 'channel']) }} as channel_day_id,
    date_day,
    channel,

    {{ decision_measures() }}

from joined
