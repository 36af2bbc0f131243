with

source as (

    select * from {{ source('shop', 'orders') }}

),

renamed as (

    select
        -- ids
        order_name as order_id,
        sku,

        -- amounts
        cast(quantity as integer) as quantity,
        cast(price as decimal(12, 2)) as unit_price,

        -- lineage
        _source_file,
        _source_line

    from source

)

select * from renamed
