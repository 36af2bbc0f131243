-- Omnichannel customers per calendar month (period KPIs, not summable over months):
-- identified customers who ordered in two or more channels (web, app, social, store) in the
-- month, their share of buying customers, and their value uplift = mean net revenue of
-- omnichannel customers / mean net revenue of single-channel customers (the month's orders,
-- returns booked against them). Anonymous receipts belong to no customer and take no part.
with

customer_months as (

    select
        cast({{ dbt.date_trunc('month', 'order_date') }} as date) as month_start,
        customer_key,
        count(distinct channel) as channels,
        sum(net_revenue) as net_revenue
    from {{ ref('fct_orders') }}
    where customer_key is not null
    group by cast({{ dbt.date_trunc('month', 'order_date') }} as date), customer_key

),

months as (

    select
        month_start,
        count(*) as buying_customers,
        count(*) filter (where channels >= 2) as omnichannel_customers,
        count(*) filter (where channels = 1) as single_channel_customers,
        coalesce(sum(net_revenue) filter (where channels >= 2), 0) as omnichannel_net_revenue,
        coalesce(sum(net_revenue) filter (where channels = 1), 0) as single_channel_net_revenue
    from customer_months
    group by month_start

)

select
    -- grain
    month_start,

    -- customers
    buying_customers,
    omnichannel_customers,
    single_channel_customers,
    cast(omnichannel_net_revenue as decimal(18, 2)) as omnichannel_net_revenue,
    cast(single_channel_net_revenue as decimal(18, 2)) as single_channel_net_revenue,

    -- omnichannel share
    omnichannel_customers / buying_customers as omnichannel_share,

    -- value uplift
    (omnichannel_net_revenue / nullif(omnichannel_customers, 0))
    / nullif(single_channel_net_revenue / nullif(single_channel_customers, 0), 0)
        as omnichannel_value_uplift

from months
