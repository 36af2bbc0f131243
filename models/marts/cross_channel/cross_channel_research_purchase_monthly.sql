-- Research -> purchase matrix: every order by the channel of its customer's first
-- consideration touch (seeds/touchpoint_phases.csv: sessions, product views, searches,
-- store-locator searches, e-mail clicks, advice contacts...) in the
-- var('attribution_window_days') (30) days up to the order, and the order's channel; per
-- month of the order. research_channel is 'none' for an identified customer without such a
-- touch and 'anonymous' for a receipt without a customer (no history to look at).
with

orders as (

    select
        order_id,
        customer_key,
        channel,
        ordered_at,
        order_date
    from {{ ref('fct_orders') }}

),

consideration as (

    select
        touchpoint_id,
        customer_key,
        channel,
        occurred_at
    from {{ ref('fct_touchpoints') }}
    where journey_phase = 'consideration' and customer_key is not null

),

first_research as (

    -- the first touch's channel as an aggregate: no sort of every (order, touch) pair
    select
        orders.order_id,
        {{ first_by(
            'consideration.channel', ['consideration.occurred_at', 'consideration.touchpoint_id']
        ) }} as research_channel
    from orders
    inner join consideration
        on
            orders.customer_key = consideration.customer_key
            and orders.ordered_at >= consideration.occurred_at
            and {{ dbt.dateadd('day', -1 * var('attribution_window_days'), 'orders.ordered_at') }}
            <= consideration.occurred_at
    group by orders.order_id

),

classified as (

    select
        cast({{ dbt.date_trunc('month', 'orders.order_date') }} as date) as month_start,
        orders.channel as order_channel,
        case
            when orders.customer_key is null then 'anonymous'
            else coalesce(first_research.research_channel, 'none')
        end as research_channel
    from orders
    left join first_research on orders.order_id = first_research.order_id

)

select
    -- grain
    {{ surrogate_key(['month_start', 'research_channel', 'order_channel']) }}
        as research_purchase_id,
    month_start,
    research_channel,
    order_channel,
    research_channel not in ('none', 'anonymous')
    and research_channel <> order_channel as is_cross_channel,

    -- orders
    count(*) as orders

from classified
group by month_start, research_channel, order_channel
