{{ config(meta={'dagster': {'ref': {'name': 'fct_attribution'}}}) }}

-- Every order in fct_orders has attribution rows, and each model's credits sum to 1 per
-- order. Returns the offending orders; none is the pass.
with

orders as (

    select order_id from {{ ref('fct_orders') }}

),

credits as (

    select
        order_id,
        sum(credit_first) as credit_first,
        sum(credit_last) as credit_last,
        sum(credit_linear) as credit_linear,
        sum(credit_position_based) as credit_position_based,
        sum(credit_time_decay) as credit_time_decay
    from {{ ref('fct_attribution') }}
    group by order_id

)

select
    orders.order_id,
    credits.credit_first,
    credits.credit_last,
    credits.credit_linear,
    credits.credit_position_based,
    credits.credit_time_decay
from orders
left join credits on orders.order_id = credits.order_id
where
    credits.order_id is null
    or abs(credits.credit_first - 1) > 1e-9
    or abs(credits.credit_last - 1) > 1e-9
    or abs(credits.credit_linear - 1) > 1e-9
    or abs(credits.credit_position_based - 1) > 1e-9
    or abs(credits.credit_time_decay - 1) > 1e-9
