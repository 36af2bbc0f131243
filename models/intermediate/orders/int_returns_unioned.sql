-- Every return, one row per return document and the purchase it returns: parcels sent back
-- through the web shop's returns portal (`#R...` orders, negative quantities; channel web)
-- and return lines at a store till (channel store). Either can return a web order or a
-- store receipt. Value and units are positive.
with

portal_lines as (

    select * from {{ ref('stg_shop__order_lines') }}
    where is_return_order

),

store_return_lines as (

    select * from {{ ref('stg_pos__receipt_lines') }}
    where line_type = 'return'

),

portal_returns as (

    select
        order_name as return_document,
        return_reference as original_order_id,
        'shop' as return_source,
        'web' as return_channel,
        cast(null as {{ dbt.type_string() }}) as store_id,
        min(created_at) as returned_at,
        -sum(quantity) as returned_units,
        -sum(quantity * unit_price) as returned_value,
        max(_partition_date) as delivered_on
    from portal_lines
    group by order_name, return_reference

),

store_returns as (

    select
        receipt_number as return_document,
        original_reference as original_order_id,
        'pos' as return_source,
        'store' as return_channel,
        max(store_id) as store_id,
        min(sold_at) as returned_at,
        -sum(quantity) as returned_units,
        -sum(amount) as returned_value,
        max(_partition_date) as delivered_on
    from store_return_lines
    group by receipt_number, original_reference

),

unioned as (

    select * from portal_returns
    union all
    select * from store_returns

)

select
    {{ surrogate_key(['return_document', 'original_order_id']) }} as return_id,
    return_document,
    original_order_id,
    return_source,
    return_channel,
    store_id,
    returned_at,
    {{ local_date('returned_at') }} as return_date,
    cast(returned_units as {{ dbt.type_bigint() }}) as returned_units,
    cast(returned_value as decimal(18, 2)) as returned_value,
    delivered_on
from unioned
