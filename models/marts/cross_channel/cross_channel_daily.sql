-- Cross-channel effects per local day over all channels: the sums of cross_channel_channel_daily
-- (every part is a count of records of one channel, so the channels add up) and the ratios
-- recomputed from them.
with

day_channels as (

    select * from {{ ref('cross_channel_channel_daily') }}

),

days as (

    select
        date_day,
        sum(store_purchases) as store_purchases,
        sum(identified_store_purchases) as identified_store_purchases,
        sum(ropo_purchases) as ropo_purchases,
        sum(online_orders) as online_orders,
        sum(showrooming_orders) as showrooming_orders,
        sum(return_count) as return_count,
        sum(cross_channel_returns) as cross_channel_returns,
        sum(touchpoints) as touchpoints,
        sum(identified_touchpoints) as identified_touchpoints,
        sum(repeat_contacts) as repeat_contacts,
        sum(had_to_repeat_contacts) as had_to_repeat_contacts
    from day_channels
    group by date_day

)

select
    -- grain
    date_day,

    -- ROPO
    cast(store_purchases as {{ dbt.type_bigint() }}) as store_purchases,
    cast(identified_store_purchases as {{ dbt.type_bigint() }}) as identified_store_purchases,
    cast(ropo_purchases as {{ dbt.type_bigint() }}) as ropo_purchases,
    ropo_purchases / nullif(identified_store_purchases, 0) as ropo_rate,
    identified_store_purchases / nullif(store_purchases, 0) as identified_receipt_share,

    -- showrooming
    cast(online_orders as {{ dbt.type_bigint() }}) as online_orders,
    cast(showrooming_orders as {{ dbt.type_bigint() }}) as showrooming_orders,
    showrooming_orders / nullif(online_orders, 0) as showrooming_rate,

    -- returns
    cast(return_count as {{ dbt.type_bigint() }}) as return_count,
    cast(cross_channel_returns as {{ dbt.type_bigint() }}) as cross_channel_returns,
    cross_channel_returns / nullif(return_count, 0) as cross_channel_return_share,

    -- identity coverage
    cast(touchpoints as {{ dbt.type_bigint() }}) as touchpoints,
    cast(identified_touchpoints as {{ dbt.type_bigint() }}) as identified_touchpoints,
    identified_touchpoints / nullif(touchpoints, 0) as identified_touchpoint_share,

    -- had to repeat
    cast(repeat_contacts as {{ dbt.type_bigint() }}) as repeat_contacts,
    cast(had_to_repeat_contacts as {{ dbt.type_bigint() }}) as had_to_repeat_contacts,
    had_to_repeat_contacts / nullif(repeat_contacts, 0) as had_to_repeat_rate

from days
