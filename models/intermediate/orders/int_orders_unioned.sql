-- Every order from every channel, one row each: web-shop orders (web, app, social; their
-- latest exported version, returns-portal parcels left out) and store receipts with sale
-- lines. Gross revenue is merchandise after discounts, without shipping (online: subtotal -
-- order discount; store: the sum of the sale lines' amounts).
with

shop_lines as (

    select * from {{ ref('stg_shop__order_lines') }}
    where not is_return_order

),

receipt_lines as (

    select * from {{ ref('stg_pos__receipt_lines') }}
    where line_type = 'sale'

),

shop_orders as (

    select
        -- ids
        order_name as order_id,
        'shop' as order_source,
        max(order_source) as channel,
        cast(null as {{ dbt.type_string() }}) as store_id,
        max(pickup_store_id) as pickup_store_id,

        -- order
        max(case when is_click_collect then 1 else 0 end) = 1 as is_click_collect,
        max(financial_status) as financial_status,
        max(fulfillment_status) as fulfillment_status,
        count(*) as line_count,
        sum(quantity) as units,

        -- amounts (order-level values repeat on every line)
        max(order_subtotal) as subtotal,
        max(order_discount) as discount_amount,
        max(order_subtotal) - max(order_discount) as gross_revenue,
        max(order_shipping) as shipping_amount,
        max(order_total) as order_total,

        -- timestamps
        min(created_at) as ordered_at,
        max(fulfilled_at) as fulfilled_at,
        max(delivered_at) as delivered_at,

        -- lineage: the latest delivery of any of its lines
        max(_partition_date) as delivered_on
    from shop_lines
    group by order_name

),

receipts as (

    select
        -- ids
        receipt_number as order_id,
        'pos' as order_source,
        'store' as channel,
        max(store_id) as store_id,
        cast(null as {{ dbt.type_string() }}) as pickup_store_id,

        -- order
        false as is_click_collect,
        cast(null as {{ dbt.type_string() }}) as financial_status,
        cast(null as {{ dbt.type_string() }}) as fulfillment_status,
        count(*) as line_count,
        sum(quantity) as units,

        -- amounts
        sum(quantity * unit_price) as subtotal,
        sum(line_discount) as discount_amount,
        sum(amount) as gross_revenue,
        0 as shipping_amount,
        sum(amount) as order_total,

        -- timestamps
        min(sold_at) as ordered_at,
        min(sold_at) as fulfilled_at,
        min(sold_at) as delivered_at,

        -- lineage
        max(_partition_date) as delivered_on
    from receipt_lines
    group by receipt_number

),

unioned as (

    select * from shop_orders
    union all
    select * from receipts

)

select
    order_id,
    order_source,
    channel,
    store_id,
    pickup_store_id,
    is_click_collect,
    financial_status,
    fulfillment_status,
    line_count,
    cast(units as {{ dbt.type_bigint() }}) as units,
    cast(subtotal as decimal(18, 2)) as subtotal,
    cast(discount_amount as decimal(18, 2)) as discount_amount,
    cast(gross_revenue as decimal(18, 2)) as gross_revenue,
    cast(shipping_amount as decimal(18, 2)) as shipping_amount,
    cast(order_total as decimal(18, 2)) as order_total,
    ordered_at,
    {{ local_date('ordered_at') }} as order_date,
    fulfilled_at,
    delivered_at,
    delivered_on
from unioned
