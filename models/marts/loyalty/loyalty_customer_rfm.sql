-- RFM inputs per customer with the definitions of the `lifetimes` package
-- (summary_data_from_transaction_data, daily periods), and a simple historical 12-month CLV.
-- Purchases are a customer's orders in every channel, summed per local day (net revenue:
-- after returns); the observation runs from the first to the last day with orders in the
-- warehouse. Anonymous receipts belong to no customer.
{%- set observed_days = (
    '(' ~ dbt.datediff('observation.first_date', 'observation.end_date', 'day') ~ ' + 1)'
) %}

with

orders as (

    select * from {{ ref('fct_orders') }}

),

observation as (

    select
        min(order_date) as first_date,
        max(order_date) as end_date
    from orders

),

purchase_days as (

    -- lifetimes aggregates transactions per period (here a day)
    select
        customer_key,
        order_date,
        count(*) as orders,
        sum(net_revenue) as net_revenue,
        row_number() over (partition by customer_key order by order_date) as purchase_number
    from orders
    where customer_key is not null
    group by customer_key, order_date

),

customers as (

    select
        customer_key,
        min(order_date) as first_purchase_date,
        max(order_date) as last_purchase_date,
        count(*) as purchase_days,
        sum(orders) as orders,
        sum(net_revenue) as net_revenue,
        avg(net_revenue) filter (where purchase_number > 1) as repeat_purchase_value
    from purchase_days
    group by customer_key

)

select
    -- grain
    customers.customer_key,

    -- history
    customers.first_purchase_date,
    customers.last_purchase_date,
    observation.end_date as observation_end_date,
    cast(customers.orders as {{ dbt.type_bigint() }}) as orders,
    customers.purchase_days,
    cast(customers.net_revenue as decimal(18, 2)) as net_revenue,

    -- lifetimes RFM: frequency = repeat purchase days, recency = last - first purchase,
    -- T = end of observation - first purchase (days), monetary = mean value of repeat
    -- purchase days (0 without a repeat, as lifetimes does)
    customers.purchase_days - 1 as frequency,
    cast(
        {{ dbt.datediff('customers.first_purchase_date', 'customers.last_purchase_date', 'day') }}
        as {{ dbt.type_bigint() }}
    ) as recency_days,
    cast(
        {{ dbt.datediff('customers.first_purchase_date', 'observation.end_date', 'day') }}
        as {{ dbt.type_bigint() }}
    ) as t_days,
    cast(coalesce(customers.repeat_purchase_value, 0) as decimal(18, 2)) as monetary_value,

    -- historical CLV: the customer's net revenue per observed day, projected over the
    -- horizon (var clv_horizon_months x 365.25 / 12 days)
    cast(
        customers.net_revenue
        * ({{ var('clv_horizon_months') }} * 365.25 / 12)
        / {{ observed_days }}
        as decimal(18, 2)
    ) as clv_12m

from customers
cross join observation
