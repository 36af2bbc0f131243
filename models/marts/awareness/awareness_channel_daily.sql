-- Web and app sessions per day and GA4 default channel group (the first matching rule of
-- seeds/channel_grouping_rules.csv on the session's source, medium and campaign), and the new
-- visitors each group brought: sessions that were a cookie's or app install's first ever
-- (GA4 first_visit), so the group is the visitor's acquisition channel group.
with

sessions as (

    select * from {{ ref('fct_web_sessions') }}

),

per_group as (

    select
        session_start_date as date_day,
        default_channel_group,
        count(*) as sessions,
        sum(case when is_new_visitor then 1 else 0 end) as new_visitors
    from sessions
    group by session_start_date, default_channel_group

)

select
    -- ids
    {{ surrogate_key(['date_day', 'default_channel_group']) }} as channel_group_day_id,
    date_day,
    default_channel_group,

    -- counts (additive)
    cast(sessions as {{ dbt.type_bigint() }}) as sessions,
    cast(new_visitors as {{ dbt.type_bigint() }}) as new_visitors

from per_group
