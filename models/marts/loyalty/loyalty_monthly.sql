-- Loyalty per calendar month (period KPIs, not summable over months): repeat purchase rate
-- (identified customers with >= 2 orders in the month / with >= 1), redemption rate (members
-- who redeemed in the month / members at the month's end) and points breakage (points
-- issued in the month and not redeemed / points issued).
with

orders as (

    select
        customer_key,
        order_id,
        cast({{ dbt.date_trunc('month', 'order_date') }} as date) as month_start
    from {{ ref('fct_orders') }}
    where customer_key is not null

),

ledger as (

    select
        *,
        cast({{ dbt.date_trunc('month', 'entry_date') }} as date) as month_start
    from {{ ref('fct_loyalty_ledger') }}

),

member_ids as (

    -- a customer is a member from the day their first member id was seen
    select
        customer_key,
        min({{ local_date('first_seen_at') }}) as member_since
    from {{ ref('dim_customer_identifiers') }}
    where identifier_type = 'member_id'
    group by customer_key

),

last_day as (

    select max(date_day) as last_date
    from (
        select max(order_date) as date_day from {{ ref('fct_orders') }}
        union all
        select max(entry_date) from {{ ref('fct_loyalty_ledger') }}
    ) as ends

),

months as (

    select
        months_seen.month_start,
        least(
            cast(
                {{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'months_seen.month_start')) }}
                as date
            ),
            last_day.last_date
        ) as as_of_date
    from (
        select month_start from orders
        union
        select month_start from ledger
    ) as months_seen
    cross join last_day

),

buyers as (

    select
        month_start,
        customer_key,
        count(*) as orders
    from orders
    group by month_start, customer_key

),

buying as (

    select
        month_start,
        count(*) as buying_customers,
        count(*) filter (where orders >= 2) as repeat_customers
    from buyers
    group by month_start

),

points as (

    select
        month_start,
        sum(points_earned) as points_issued,
        sum(points_redeemed) as points_redeemed,
        sum(points_expired) as points_expired,
        count(distinct customer_key) filter (where reason = 'redeem') as redeeming_members
    from ledger
    group by month_start

),

members as (

    select
        months.month_start,
        count(member_ids.customer_key) as members
    from months
    left join member_ids on months.as_of_date >= member_ids.member_since
    group by months.month_start

)

select
    -- grain
    months.month_start,
    months.as_of_date,

    -- repeat purchase
    coalesce(buying.buying_customers, 0) as buying_customers,
    coalesce(buying.repeat_customers, 0) as repeat_customers,
    buying.repeat_customers / nullif(buying.buying_customers, 0) as repeat_purchase_rate,

    -- redemption
    members.members,
    coalesce(points.redeeming_members, 0) as redeeming_members,
    coalesce(points.redeeming_members, 0) / nullif(members.members, 0) as redemption_rate,

    -- points and breakage
    cast(coalesce(points.points_issued, 0) as {{ dbt.type_bigint() }}) as points_issued,
    cast(coalesce(points.points_redeemed, 0) as {{ dbt.type_bigint() }}) as points_redeemed,
    cast(coalesce(points.points_expired, 0) as {{ dbt.type_bigint() }}) as points_expired,
    cast(
        coalesce(points.points_issued, 0) - coalesce(points.points_redeemed, 0)
        as {{ dbt.type_bigint() }}
    ) as points_unredeemed,
    (points.points_issued - points.points_redeemed)
    / nullif(points.points_issued, 0) as points_breakage

from months
left join buying on months.month_start = buying.month_start
left join points on months.month_start = points.month_start
left join members on months.month_start = members.month_start
