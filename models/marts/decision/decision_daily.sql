-- Purchases per day over all channels: the sums of decision_channel_daily with the ratios
-- recomputed from the summed parts (never an average of the channels' ratios), and the
-- day's distinct users and purchasing users (not sums of the channels').
with

channels as (

    select
        date_day,
        sum(orders) as orders,
        sum(gross_revenue) as gross_revenue,
        sum(units) as units,
        sum(returned_value) as returned_value,
        sum(net_revenue) as net_revenue,
        sum(sessions) as sessions,
        sum(purchase_sessions) as purchase_sessions,
        sum(cart_sessions) as cart_sessions,
        sum(checkout_sessions) as checkout_sessions
    from {{ ref('decision_channel_daily') }}
    group by date_day

),

users as (

    -- distinct visitors of the day, counted incrementally (int_web_users_daily says why)
    select
        date_day,
        users,  -- noqa: RF04
        purchasing_users
    from {{ ref('int_web_users_daily') }}

),

joined as (

    select
        channels.*,
        coalesce(users.users, 0) as users,  -- noqa: RF04
        coalesce(users.purchasing_users, 0) as purchasing_users
    from channels
    left join users on channels.date_day = users.date_day

)

select
    -- ids
    date_day,

    {{ decision_measures() }}

from joined
