-- Cross-channel effects per local day and channel. Each KPI counts records of one kind, in
-- the channel of that record:
--   ROPO rate                   store purchases (channel store; cross_channel_store_daily)
--   showrooming rate            online orders (web, app, social) by order day: orders whose
--                               customer visited a store (a purchase, a return at the till, a
--                               click & collect pickup, advice or service in the store) in
--                               the var('showrooming_window_days') (7) days before
--   cross-channel return share  returns by return day and return channel
--   identified shares           touchpoints by their channel (the ad platforms' campaign
--                               click counts are not interactions of anyone: left out)
--   had-to-repeat rate          service contacts by contact channel
with

stores as (

    select
        date_day,
        channel,
        cast(sum(store_purchases) as {{ dbt.type_bigint() }}) as store_purchases,
        cast(sum(identified_store_purchases) as {{ dbt.type_bigint() }})
            as identified_store_purchases,
        cast(sum(ropo_purchases) as {{ dbt.type_bigint() }}) as ropo_purchases
    from {{ ref('cross_channel_store_daily') }}
    group by date_day, channel

),

online_orders as (

    select
        order_id,
        customer_key,
        channel,
        ordered_at,
        order_date
    from {{ ref('fct_orders') }}
    where order_source = 'shop'

),

store_visits as (

    -- a customer in a store: loyalty entries at the till are the purchase again, left out
    select
        customer_key,
        occurred_at
    from {{ ref('fct_touchpoints') }}
    where
        channel = 'store'
        and source <> 'loyalty'
        and customer_key is not null

),

showrooming as (

    select distinct online_orders.order_id
    from online_orders
    inner join store_visits
        on
            online_orders.customer_key = store_visits.customer_key
            and online_orders.ordered_at > store_visits.occurred_at
            and {{ dbt.dateadd(
                'day', -1 * var('showrooming_window_days'), 'online_orders.ordered_at'
            ) }} <= store_visits.occurred_at

),

online as (

    select
        online_orders.order_date as date_day,
        online_orders.channel,
        count(*) as online_orders,
        count(showrooming.order_id) as showrooming_orders
    from online_orders
    left join showrooming on online_orders.order_id = showrooming.order_id
    group by online_orders.order_date, online_orders.channel

),

returned as (

    select
        return_date as date_day,
        return_channel as channel,
        count(*) as return_count,
        count(*) filter (where is_cross_channel) as cross_channel_returns
    from {{ ref('fct_returns') }}
    group by return_date, return_channel

),

touches as (

    select
        touchpoint_date as date_day,
        channel,
        count(*) as touchpoints,
        count(customer_key) as identified_touchpoints
    from {{ ref('fct_touchpoints') }}
    where touchpoint_type <> 'ad_campaign_clicks'
    group by touchpoint_date, channel

),

contacts as (

    select
        contact_date as date_day,
        channel,
        count(*) filter (where is_repeat_contact) as repeat_contacts,
        count(*) filter (where is_repeat_on_other_channel) as had_to_repeat_contacts
    from {{ ref('fct_service_contacts') }}
    group by contact_date, channel

),

day_channels as (

    select
        date_day,
        channel
    from stores
    union
    select
        date_day,
        channel
    from online
    union
    select
        date_day,
        channel
    from returned
    union
    select
        date_day,
        channel
    from touches
    union
    select
        date_day,
        channel
    from contacts

)

select
    -- grain
    {{ surrogate_key(['day_channels.date_day', 'day_channels.channel']) }}
        as cross_channel_day_id,
    day_channels.date_day,
    day_channels.channel,

    -- ROPO (store purchases)
    coalesce(stores.store_purchases, 0) as store_purchases,
    coalesce(stores.identified_store_purchases, 0) as identified_store_purchases,
    coalesce(stores.ropo_purchases, 0) as ropo_purchases,
    stores.ropo_purchases / nullif(stores.identified_store_purchases, 0) as ropo_rate,
    stores.identified_store_purchases
    / nullif(stores.store_purchases, 0) as identified_receipt_share,

    -- showrooming (online orders)
    coalesce(online.online_orders, 0) as online_orders,
    coalesce(online.showrooming_orders, 0) as showrooming_orders,
    online.showrooming_orders / nullif(online.online_orders, 0) as showrooming_rate,

    -- returns in this channel
    coalesce(returned.return_count, 0) as return_count,
    coalesce(returned.cross_channel_returns, 0) as cross_channel_returns,
    returned.cross_channel_returns / nullif(returned.return_count, 0) as cross_channel_return_share,

    -- identity coverage of the touchpoints
    coalesce(touches.touchpoints, 0) as touchpoints,
    coalesce(touches.identified_touchpoints, 0) as identified_touchpoints,
    touches.identified_touchpoints
    / nullif(touches.touchpoints, 0) as identified_touchpoint_share,

    -- service contacts repeated on another channel
    coalesce(contacts.repeat_contacts, 0) as repeat_contacts,
    coalesce(contacts.had_to_repeat_contacts, 0) as had_to_repeat_contacts,
    contacts.had_to_repeat_contacts / nullif(contacts.repeat_contacts, 0) as had_to_repeat_rate

from day_channels
left join stores
    on day_channels.date_day = stores.date_day and day_channels.channel = stores.channel
left join online
    on day_channels.date_day = online.date_day and day_channels.channel = online.channel
left join returned
    on day_channels.date_day = returned.date_day and day_channels.channel = returned.channel
left join touches
    on day_channels.date_day = touches.date_day and day_channels.channel = touches.channel
left join contacts
    on day_channels.date_day = contacts.date_day and day_channels.channel = contacts.channel
