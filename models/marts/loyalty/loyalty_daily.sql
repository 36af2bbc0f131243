-- Loyalty points per local day over all channels, with the members who earned and redeemed
-- that day (distinct customers: not summable over days).
with

ledger as (

    select * from {{ ref('fct_loyalty_ledger') }}

)

select
    -- grain
    entry_date as date_day,

    -- entries
    count(*) as ledger_entries,
    count(*) filter (where reason = 'redeem') as redemptions,

    -- points
    cast(sum(points_earned) as {{ dbt.type_bigint() }}) as points_earned,
    cast(sum(points_redeemed) as {{ dbt.type_bigint() }}) as points_redeemed,
    cast(sum(points_expired) as {{ dbt.type_bigint() }}) as points_expired,
    cast(sum(points) as {{ dbt.type_bigint() }}) as points_net_change,

    -- members (distinct customers of the day)
    count(distinct customer_key) filter (where reason in ('earn', 'bonus')) as earning_members,
    count(distinct customer_key) filter (where reason = 'redeem') as redeeming_members

from ledger
group by entry_date
