with

source as (

    select * from {{ source('shop', 'orders') }}

),

renamed as (

    select
        -- timestamps
        created_at,
        _partition_date,

        -- ids
        trim(name) as order_name,

        -- why it is a test order
        case
            when tags like '%test%' then 'tagged test'
            else 'test e-mail address'
        end as exclusion_reason

    from source
    where
        coalesce(tags like '%test%', false)
        or coalesce(lower(email) like '%@test.omnishop.nl%', false)

)

-- one row per test order: the orders every other shop model leaves out
select
    order_name,
    min(exclusion_reason) as exclusion_reason,
    min(created_at) as created_at,
    min(_partition_date) as first_delivered_on
from renamed
group by order_name
