with

source as (

    select * from {{ source('shop', 'orders') }}

),

renamed as (

    select
        -- ids
        name as order_id,
        lineitem_sku as sku,

        -- amounts
        lineitem_quantity as quantity,
        lineitem_price as unit_price,

        -- lineage
        _source_file,
        _source_line

    from source

)

select * from renamed
