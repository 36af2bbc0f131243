-- Return rates per purchase channel: the units and value sold on a local day in a channel,
-- and what came back of those orders in any channel. A return is booked against the
-- original order's channel and day, as net revenue is (kpis.md), so a day's rate grows
-- while returns of its orders arrive.
with

orders as (

    select * from {{ ref('fct_orders') }}

)

select
    -- grain
    {{ surrogate_key(['order_date', 'channel']) }} as service_return_day_id,
    order_date as date_day,
    channel,

    -- sold
    count(*) as orders,
    cast(sum(units) as {{ dbt.type_bigint() }}) as sold_units,
    cast(sum(gross_revenue) as decimal(18, 2)) as sold_value,

    -- returned (in any channel)
    count(*) filter (where return_count > 0) as returned_orders,
    cast(sum(return_count) as {{ dbt.type_bigint() }}) as return_count,
    cast(sum(returned_units) as {{ dbt.type_bigint() }}) as returned_units,
    cast(sum(returned_value) as decimal(18, 2)) as returned_value,

    -- return rates
    sum(returned_units) / nullif(sum(units), 0) as return_rate_units,
    cast(sum(returned_value) as {{ type_double() }})
    / nullif(sum(gross_revenue), 0) as return_rate_value

from orders
group by order_date, channel
