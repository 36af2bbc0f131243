-- Fulfilment of online orders (web, app, social commerce) per local order day and order
-- channel: click & collect share, on-time pickup (collected within var('pickup_window_days')
-- of being ready) and home-delivery time (order to delivered; median and p90, not summable).
with

online_orders as (

    select * from {{ ref('fct_orders') }}
    where order_source = 'shop'

),

timed as (

    select
        order_date,
        channel,
        is_click_collect,
        fulfilled_at,
        delivered_at,
        coalesce(
            is_click_collect
            and delivered_at
            <= {{ dbt.dateadd('day', var('pickup_window_days'), 'fulfilled_at') }},
            false
        ) as is_on_time_pickup,
        case
            when not is_click_collect
                then {{ seconds_between('ordered_at', 'delivered_at') }} / 3600.0
        end as delivery_hours
    from online_orders

)

select
    -- grain
    {{ surrogate_key(['order_date', 'channel']) }} as service_fulfilment_day_id,
    order_date as date_day,
    channel,

    -- click & collect
    count(*) as online_orders,
    count(*) filter (where is_click_collect) as click_collect_orders,
    count(*) filter (where is_click_collect) / count(*) as click_collect_share,
    count(*) filter (where is_click_collect and delivered_at is not null) as collected_orders,
    count(*) filter (where is_on_time_pickup) as on_time_pickups,
    count(*) filter (where is_on_time_pickup)
    / nullif(count(*) filter (where is_click_collect), 0) as on_time_pickup_rate,

    -- home delivery
    count(delivery_hours) as delivered_orders,
    percentile_cont(0.5) within group (order by delivery_hours) as delivery_hours_median,
    percentile_cont(0.9) within group (order by delivery_hours) as delivery_hours_p90

from timed
group by order_date, channel
