-- Awareness per day over all channels: the sums of awareness_campaign_daily (paid media)
-- and awareness_channel_daily (sessions, new visitors), with the ratios recomputed from the
-- summed parts (never an average of the campaigns' ratios).
with

campaigns as (

    select
        date_day,
        sum(impressions) as impressions,
        sum(clicks) as clicks,
        sum(spend) as spend,
        sum(attributed_orders) as attributed_orders,
        sum(attributed_revenue) as attributed_revenue
    from {{ ref('awareness_campaign_daily') }}
    group by date_day

),

channel_groups as (

    select
        date_day,
        sum(sessions) as sessions,
        sum(new_visitors) as new_visitors
    from {{ ref('awareness_channel_daily') }}
    group by date_day

),

days as (

    select date_day from campaigns
    union
    select date_day from channel_groups

),

joined as (

    select
        days.date_day,
        coalesce(campaigns.impressions, 0) as impressions,
        coalesce(campaigns.clicks, 0) as clicks,
        coalesce(campaigns.spend, 0) as spend,
        coalesce(campaigns.attributed_orders, 0) as attributed_orders,
        coalesce(campaigns.attributed_revenue, 0) as attributed_revenue,
        coalesce(channel_groups.sessions, 0) as sessions,
        coalesce(channel_groups.new_visitors, 0) as new_visitors
    from days
    left join campaigns on days.date_day = campaigns.date_day
    left join channel_groups on days.date_day = channel_groups.date_day

)

select
    -- ids
    date_day,

    -- paid media (additive)
    cast(impressions as {{ dbt.type_bigint() }}) as impressions,
    cast(clicks as {{ dbt.type_bigint() }}) as clicks,
    cast(spend as decimal(18, 2)) as spend,
    cast(attributed_orders as {{ type_double() }}) as attributed_orders,
    cast(attributed_revenue as {{ type_double() }}) as attributed_revenue,

    -- web and app (additive)
    cast(sessions as {{ dbt.type_bigint() }}) as sessions,
    cast(new_visitors as {{ dbt.type_bigint() }}) as new_visitors,

    -- ratios of the parts above
    cast(clicks as {{ type_double() }}) / nullif(impressions, 0) as ctr,
    cast(spend as {{ type_double() }}) / nullif(clicks, 0) as cpc,
    1000 * cast(spend as {{ type_double() }}) / nullif(impressions, 0) as cpm,
    cast(attributed_revenue as {{ type_double() }}) / nullif(spend, 0) as roas,
    cast(spend as {{ type_double() }}) / nullif(attributed_orders, 0) as cpa

from joined
