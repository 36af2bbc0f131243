-- Each known customer's lifecycle stage at the end of every month of the observation window
-- (kpis.md, thresholds are vars), from the purchases the warehouse holds (distinct local
-- purchase days, any channel). Rules, in order (the first that holds wins), at as_of_date:
--   acquisition      known, no purchase yet
--   recovery         last purchase more than lifecycle_recovery_days ago
--   retention_risk   last purchase more than lifecycle_risk_days ago, or more than
--                    lifecycle_risk_multiplier x the customer's median days between purchases
--   loyalty          two or more purchase days (and not at risk)
--   experimentation  one purchase day, at most lifecycle_experimentation_days ago
--   retention_risk   one purchase day, older than that (the trial ended without a repeat)
-- A purchase in a month that began in recovery is a win-back.
with

customers as (

    select
        customer_key,
        min({{ local_date('first_seen_at') }}) as first_seen_date
    from {{ ref('dim_customer_identifiers') }}
    group by customer_key

),

orders as (

    select * from {{ ref('fct_orders') }}

),

purchase_days as (

    select distinct
        customer_key,
        order_date as purchase_date
    from orders
    where customer_key is not null

),

purchase_gaps as (

    select
        customer_key,
        purchase_date,
        {{ dbt.datediff(
            'lag(purchase_date) over (partition by customer_key order by purchase_date)',
            'purchase_date',
            'day'
        ) }} as days_since_previous
    from purchase_days

),

first_purchases as (

    select
        customer_key,
        min(purchase_date) as first_purchase_date
    from purchase_days
    group by customer_key

),

known as (

    -- known from the first sighting of an identifier (or the first purchase, if earlier)
    select
        coalesce(customers.customer_key, first_purchases.customer_key) as customer_key,
        least(
            coalesce(customers.first_seen_date, first_purchases.first_purchase_date),
            coalesce(first_purchases.first_purchase_date, customers.first_seen_date)
        ) as known_since
    from customers
    full outer join first_purchases on customers.customer_key = first_purchases.customer_key

),

observation as (

    select
        min(order_date) as first_date,
        max(order_date) as end_date
    from orders

),

spine_months as (

    select distinct cast({{ dbt.date_trunc('month', 'spine.date_day') }} as date) as month_start
    from {{ ref('metricflow_time_spine') }} as spine
    cross join observation
    where spine.date_day between observation.first_date and observation.end_date

),

months as (

    select
        spine_months.month_start,
        least(
            cast(
                {{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'spine_months.month_start')) }}
                as date
            ),
            observation.end_date
        ) as as_of_date
    from spine_months
    cross join observation

),

customer_months as (

    select
        known.customer_key,
        months.month_start,
        months.as_of_date
    from known
    inner join months on known.known_since <= months.as_of_date

),

history as (

    select
        customer_months.customer_key,
        customer_months.month_start,
        customer_months.as_of_date,
        count(purchase_gaps.purchase_date) as purchase_days_to_date,
        count(purchase_gaps.purchase_date) filter (
            where purchase_gaps.purchase_date >= customer_months.month_start
        ) as purchase_days_in_month,
        min(purchase_gaps.purchase_date) as first_purchase_date,
        max(purchase_gaps.purchase_date) as last_purchase_date,
        percentile_cont(0.5) within group (order by purchase_gaps.days_since_previous)
            as median_days_between_purchases
    from customer_months
    left join purchase_gaps
        on
            customer_months.customer_key = purchase_gaps.customer_key
            and customer_months.as_of_date >= purchase_gaps.purchase_date
    group by customer_months.customer_key, customer_months.month_start, customer_months.as_of_date

),

measured as (

    select
        *,
        {{ dbt.datediff('first_purchase_date', 'as_of_date', 'day') }}
            as days_since_first_purchase,
        {{ dbt.datediff('last_purchase_date', 'as_of_date', 'day') }}
            as days_since_last_purchase,
        least(
            {{ var('lifecycle_risk_days') }},
            coalesce(
                {{ var('lifecycle_risk_multiplier') }} * median_days_between_purchases,
                {{ var('lifecycle_risk_days') }}
            )
        ) as risk_after_days
    from history

),

staged as (

    select
        *,
        case
            when purchase_days_to_date = 0 then 'acquisition'
            when days_since_last_purchase > {{ var('lifecycle_recovery_days') }} then 'recovery'
            when days_since_last_purchase > risk_after_days then 'retention_risk'
            when purchase_days_to_date >= 2 then 'loyalty'
            when days_since_first_purchase <= {{ var('lifecycle_experimentation_days') }}
                then 'experimentation'
            else 'retention_risk'
        end as lifecycle_stage
    from measured

),

sequenced as (

    select
        *,
        lag(lifecycle_stage) over (partition by customer_key order by month_start)
            as previous_stage
    from staged

)

select
    -- grain
    {{ surrogate_key(['customer_key', 'month_start']) }} as customer_month_id,
    customer_key,
    month_start,
    as_of_date,

    -- stage
    lifecycle_stage,
    previous_stage,
    coalesce(previous_stage = 'recovery' and purchase_days_in_month > 0, false) as is_win_back,

    -- inputs, at as_of_date
    cast(purchase_days_to_date as {{ dbt.type_bigint() }}) as purchase_days_to_date,
    cast(purchase_days_in_month as {{ dbt.type_bigint() }}) as purchase_days_in_month,
    first_purchase_date,
    last_purchase_date,
    cast(days_since_first_purchase as {{ dbt.type_bigint() }}) as days_since_first_purchase,
    cast(days_since_last_purchase as {{ dbt.type_bigint() }}) as days_since_last_purchase,
    cast(median_days_between_purchases as {{ type_double() }}) as median_days_between_purchases,
    cast(risk_after_days as {{ type_double() }}) as risk_after_days

from sequenced
