-- Walking-skeleton mart: issue 6 replaces it with the full order fact.
with

order_lines as (

    select * from {{ ref('stg_shop__order_lines') }}
    where not is_return_order

),

orders as (

    select
        order_name as order_id,
        count(*) as line_count,
        sum(quantity) as units,
        sum(quantity * unit_price) as gross_revenue
    from order_lines
    group by order_name

)

select * from orders
