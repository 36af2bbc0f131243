{{
    config(
        materialized='incremental',
        unique_key='order_line_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

-- Order lines in every channel: a web-shop order's line items (latest version) and a store
-- receipt's sale lines, with what came back of each (returns name the order or receipt and
-- the SKU). Incremental like fct_orders: the lines of every order touched in the window.
with

shop_lines as (

    select * from {{ ref('stg_shop__order_lines') }}

),

receipt_lines as (

    select * from {{ ref('stg_pos__receipt_lines') }}

),

products as (

    select * from {{ ref('products') }}

),

lines as (

    select
        order_line_id,
        order_name as order_id,
        'shop' as order_source,
        order_source as channel,
        sku,
        quantity,
        unit_price,
        line_discount,
        quantity * unit_price - line_discount as line_amount,
        created_at as ordered_at,
        _partition_date as delivered_on
    from shop_lines
    where not is_return_order
    union all
    select
        receipt_line_id as order_line_id,
        receipt_number as order_id,
        'pos' as order_source,
        'store' as channel,
        sku,
        quantity,
        unit_price,
        line_discount,
        amount as line_amount,
        sold_at as ordered_at,
        _partition_date as delivered_on
    from receipt_lines
    where line_type = 'sale'

),

return_lines as (

    -- returned units and value per original order and SKU, from both return channels
    select
        return_reference as order_id,
        sku,
        -quantity as returned_units,
        -quantity * unit_price as returned_value,
        created_at as returned_at,
        _partition_date as delivered_on
    from shop_lines
    where is_return_order
    union all
    select
        original_reference as order_id,
        sku,
        -quantity as returned_units,
        -amount as returned_value,
        sold_at as returned_at,
        _partition_date as delivered_on
    from receipt_lines
    where line_type = 'return'

){% if is_incremental() %},

touched_orders as (

    select order_id from lines
    where {{ in_window('delivered_on') }} or {{ in_window_local('ordered_at') }}
    union
    select order_id from return_lines
    where {{ in_window('delivered_on') }} or {{ in_window_local('returned_at') }}

){% endif %},

in_scope as (

    select * from lines
    {% if is_incremental() -%}
        where order_id in (select touched_orders.order_id from touched_orders)
    {%- endif %}

),

returned as (

    select
        order_id,
        sku,
        sum(returned_units) as returned_units,
        sum(returned_value) as returned_value
    from return_lines
    group by order_id, sku

)

select
    -- ids
    in_scope.order_line_id,
    in_scope.order_id,
    in_scope.order_source,
    in_scope.channel,

    -- product
    in_scope.sku,
    products.category as product_category,

    -- timestamps
    in_scope.ordered_at,
    {{ local_date('in_scope.ordered_at') }} as order_date,

    -- quantities and amounts, EUR
    cast(in_scope.quantity as {{ dbt.type_bigint() }}) as quantity,
    cast(in_scope.unit_price as decimal(18, 2)) as unit_price,
    cast(in_scope.line_discount as decimal(18, 2)) as line_discount,
    cast(in_scope.line_amount as decimal(18, 2)) as line_amount,
    cast(coalesce(returned.returned_units, 0) as {{ dbt.type_bigint() }}) as returned_units,
    cast(coalesce(returned.returned_value, 0) as decimal(18, 2)) as returned_value,

    -- when the run that last rebuilt the row started (the publish copies newer rows only)
    {{ built_at() }} as _built_at

from in_scope
left join returned
    on in_scope.order_id = returned.order_id and in_scope.sku = returned.sku
left join products on in_scope.sku = products.sku
