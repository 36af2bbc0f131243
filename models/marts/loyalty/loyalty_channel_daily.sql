-- Loyalty points per local day and ledger channel (store, web, app; system for expiry runs
-- and sign-up bonuses): earned (earn and bonus), redeemed and expired, as positive sums.
with

ledger as (

    select * from {{ ref('fct_loyalty_ledger') }}

)

select
    -- grain
    {{ surrogate_key(['entry_date', 'channel']) }} as loyalty_channel_day_id,
    entry_date as date_day,
    channel,

    -- entries
    count(*) as ledger_entries,
    count(*) filter (where reason = 'redeem') as redemptions,

    -- points
    cast(sum(points_earned) as {{ dbt.type_bigint() }}) as points_earned,
    cast(sum(points_redeemed) as {{ dbt.type_bigint() }}) as points_redeemed,
    cast(sum(points_expired) as {{ dbt.type_bigint() }}) as points_expired

from ledger
group by entry_date, channel
