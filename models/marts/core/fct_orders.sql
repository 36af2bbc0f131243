with

order_lines as (

    select * from {{ ref('stg_shop__orders') }}

),

orders as (

    select
        order_id,
        count(*) as line_count,
        sum(quantity) as units,
        sum(quantity * unit_price) as gross_revenue
    from order_lines
    group by order_id

)

select * from orders
