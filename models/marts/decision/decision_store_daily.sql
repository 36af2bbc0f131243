-- Store purchases per day and store: receipts, gross revenue, units, the value returned and
-- net revenue (a return is booked against the receipt it returns: its store and day, also
-- when the goods came back through the web shop's returns portal), AOV.
with

receipts as (

    select
        order_date as date_day,
        store_id,
        count(*) as orders,
        sum(gross_revenue) as gross_revenue,
        sum(units) as units,
        sum(returned_value) as returned_value,
        sum(net_revenue) as net_revenue
    from {{ ref('fct_orders') }}
    where channel = 'store'
    group by order_date, store_id

)

select
    -- ids
    {{ surrogate_key(['date_day', 'store_id']) }} as store_day_id,
    date_day,
    store_id,
    'store' as channel,

    -- receipts (additive)
    cast(orders as {{ dbt.type_bigint() }}) as orders,
    cast(gross_revenue as decimal(18, 2)) as gross_revenue,
    cast(units as {{ dbt.type_bigint() }}) as units,
    cast(returned_value as decimal(18, 2)) as returned_value,
    cast(net_revenue as decimal(18, 2)) as net_revenue,

    -- ratio of the parts above
    cast(net_revenue as {{ type_double() }}) / nullif(orders, 0) as aov

from receipts
