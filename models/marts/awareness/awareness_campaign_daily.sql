-- Paid media per day, platform and campaign: the platforms' impressions, clicks and spend,
-- CTR, CPC and CPM, the sessions analytics saw landing from the campaign, and ROAS and CPA.
-- ROAS and CPA credit orders to the campaign's ad clicks (sessions that landed from its ads)
-- under the attribution model var('attribution_model') (fct_attribution's credit column),
-- booked on the day of the click, as ad platforms report conversions: a day's spend is
-- compared with what that day's clicks won, so a recent day's ROAS still grows while its
-- clicks keep converting (up to var('attribution_window_days') days later).
with

ads as (

    select * from {{ ref('fct_ad_performance') }}

),

ad_click_credits as (

    -- each ad click's share of the orders it took part in, by the click's day and campaign
    select
        touchpoints.touchpoint_date,
        touchpoints.channel,
        touchpoints.campaign_name,
        sum(attribution.{{ attribution_credit_column() }}) as attributed_orders,
        sum(attribution.{{ attribution_credit_column() }} * attribution.order_revenue)
            as attributed_revenue
    from {{ ref('fct_attribution') }} as attribution
    inner join {{ ref('fct_touchpoints') }} as touchpoints
        on attribution.touchpoint_id = touchpoints.touchpoint_id
    where attribution.touchpoint_type = 'ad_click'
    group by touchpoints.touchpoint_date, touchpoints.channel, touchpoints.campaign_name

),

joined as (

    select
        ads.campaign_day_id,
        ads.stat_date as date_day,
        ads.platform,
        ads.channel,
        ads.campaign_id,
        ads.campaign_name,
        coalesce(ads.impressions, 0) as impressions,
        coalesce(ads.clicks, 0) as clicks,
        coalesce(ads.spend, 0) as spend,
        coalesce(ads.sessions, 0) as sessions,
        coalesce(ads.engaged_sessions, 0) as engaged_sessions,
        coalesce(ad_click_credits.attributed_orders, 0) as attributed_orders,
        coalesce(ad_click_credits.attributed_revenue, 0) as attributed_revenue
    from ads
    left join ad_click_credits
        on
            ads.stat_date = ad_click_credits.touchpoint_date
            and ads.channel = ad_click_credits.channel
            and lower(ads.campaign_name) = ad_click_credits.campaign_name

)

select
    -- ids
    campaign_day_id,
    date_day,
    platform,
    channel,
    campaign_id,
    campaign_name,

    -- delivery and spend (additive)
    cast(impressions as {{ dbt.type_bigint() }}) as impressions,
    cast(clicks as {{ dbt.type_bigint() }}) as clicks,
    cast(spend as decimal(18, 2)) as spend,

    -- what analytics saw (additive)
    cast(sessions as {{ dbt.type_bigint() }}) as sessions,
    cast(engaged_sessions as {{ dbt.type_bigint() }}) as engaged_sessions,

    -- attributed to the campaign's ad clicks (additive)
    cast(attributed_orders as {{ type_double() }}) as attributed_orders,
    cast(attributed_revenue as {{ type_double() }}) as attributed_revenue,

    -- ratios of the parts above
    cast(clicks as {{ type_double() }}) / nullif(impressions, 0) as ctr,
    cast(spend as {{ type_double() }}) / nullif(clicks, 0) as cpc,
    1000 * cast(spend as {{ type_double() }}) / nullif(impressions, 0) as cpm,
    cast(attributed_revenue as {{ type_double() }}) / nullif(spend, 0) as roas,
    cast(spend as {{ type_double() }}) / nullif(attributed_orders, 0) as cpa

from joined
