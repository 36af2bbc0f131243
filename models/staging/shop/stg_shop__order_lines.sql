{{ config(materialized='table') }}

-- A table, not a view like most staging models: the dedupe below runs over every version of every
-- order line the exports repeated, and a daily build reads this model eleven times (six models, the
-- rest its tests). Built once per run, it saves the build about 7 CPU-seconds at size M
-- (docs/benchmarks.md, DECISIONLOG).
with

source as (

    select * from {{ source('shop', 'orders') }}

),

renamed as (

    select
        -- ids
        {{ surrogate_key(['name', 'lineitem_sku']) }} as order_line_id,
        trim(name) as order_name,
        trim(lineitem_sku) as sku,
        trim(return_reference) as return_reference,

        -- customer, as typed at checkout
        {{ normalize_email('email') }} as email,
        {{ normalize_phone('phone') }} as phone,

        -- order
        source as order_source,
        financial_status,
        fulfillment_status,
        shipping_method,
        shipping_method = 'Click & Collect' as is_click_collect,
        nullif(trim(pickup_location), '') as pickup_store_id,
        nullif(trim(discount_code), '') as discount_code,
        tags,
        trim(name) like '#R%' or source = 'returns_portal' as is_return_order,
        coalesce(tags like '%test%', false)
        or coalesce(lower(email) like '%@test.omnishop.nl%', false) as is_test_order,

        -- line
        lineitem_name as product_name,
        lineitem_quantity as quantity,

        -- amounts
        currency,
        lineitem_price as unit_price,
        lineitem_discount as line_discount,
        subtotal as order_subtotal,
        shipping as order_shipping,
        discount_amount as order_discount,
        total as order_total,

        -- timestamps
        created_at,
        updated_at,
        fulfilled_at,
        delivered_at,

        -- lineage
        _source_file,
        _source_line,
        _loaded_at,
        _partition_date

    from source

),

latest as (

    -- the export repeats an order on every day it changes: keep each line's latest state
    select * from renamed
    qualify row_number() over (
        partition by order_line_id
        order by updated_at desc, _partition_date desc, _source_line desc
    ) = 1

)

select * from latest
where not is_test_order
