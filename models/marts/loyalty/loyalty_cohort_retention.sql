-- Cohort retention (Adobe CJA cohort table): customers grouped by the month of their first
-- order in the warehouse; for every later month up to the last month of data, how many of
-- them ordered again. Anonymous receipts belong to no customer and take no part.
with

orders as (

    select
        customer_key,
        cast({{ dbt.date_trunc('month', 'order_date') }} as date) as month_start
    from {{ ref('fct_orders') }}
    where customer_key is not null

),

active as (

    select distinct
        customer_key,
        month_start
    from orders

),

cohorts as (

    select
        customer_key,
        min(month_start) as cohort_month
    from active
    group by customer_key

),

cohort_sizes as (

    select
        cohort_month,
        count(*) as cohort_customers
    from cohorts
    group by cohort_month

),

months as (

    select distinct month_start from active

),

cohort_months as (

    select
        cohort_sizes.cohort_month,
        cohort_sizes.cohort_customers,
        months.month_start
    from cohort_sizes
    inner join months on cohort_sizes.cohort_month <= months.month_start

),

retained as (

    select
        cohorts.cohort_month,
        active.month_start,
        count(*) as active_customers
    from active
    inner join cohorts on active.customer_key = cohorts.customer_key
    group by cohorts.cohort_month, active.month_start

)

select
    -- grain
    {{ surrogate_key(['cohort_months.cohort_month', 'cohort_months.month_start']) }}
        as cohort_month_id,
    cohort_months.cohort_month,
    cohort_months.month_start,
    cast(
        {{ dbt.datediff('cohort_months.cohort_month', 'cohort_months.month_start', 'month') }}
        as {{ dbt.type_bigint() }}
    ) as months_since_first_order,

    -- retention
    cohort_months.cohort_customers,
    coalesce(retained.active_customers, 0) as active_customers,
    coalesce(retained.active_customers, 0) / cohort_months.cohort_customers as retention_rate

from cohort_months
left join retained
    on
        cohort_months.cohort_month = retained.cohort_month
        and cohort_months.month_start = retained.month_start
