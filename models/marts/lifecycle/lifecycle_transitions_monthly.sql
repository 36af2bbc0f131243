-- Lifecycle stage transitions per month: how many customers moved from their stage at the
-- end of the previous month to their stage at the end of this one (staying counts too).
-- Customers first known this month come from 'new'.
with

customer_months as (

    select * from {{ ref('lifecycle_customer_monthly') }}

)

select
    -- grain
    {{ surrogate_key(['month_start', "coalesce(previous_stage, 'new')", 'lifecycle_stage']) }}
        as stage_transition_id,
    month_start,
    coalesce(previous_stage, 'new') as from_stage,
    lifecycle_stage as to_stage,

    -- customers
    count(*) as customers,
    count(*) filter (where is_win_back) as win_backs

from customer_months
group by month_start, coalesce(previous_stage, 'new'), lifecycle_stage
