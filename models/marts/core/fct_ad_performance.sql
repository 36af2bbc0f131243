{{
    config(
        materialized='incremental',
        unique_key='campaign_day_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

-- Paid media per platform, campaign and day (the latest figures a platform delivered for
-- the day), with CTR, CPC and CPM, and the sessions analytics saw landing from the campaign
-- that day (platforms report more clicks than sessions arrive). Incremental: days in the
-- window, and days a platform restated in a delivery in the window.
with

ad_stats as (

    select * from {{ ref('stg_ads__campaign_stats') }}
    {% if is_incremental() -%}
        where {{ in_window('stat_date') }} or {{ in_window('_partition_date') }}
    {%- endif %}

),

channels as (

    select * from {{ ref('channels') }}

),

sessions as (

    select
        session_start_date,
        ad_channel,
        session_campaign,
        count(*) as sessions,
        sum(case when is_engaged then 1 else 0 end) as engaged_sessions
    from {{ ref('int_web_sessions_built') }}
    where
        ad_channel is not null
        and session_start_date in (select ad_stats.stat_date from ad_stats)
    group by session_start_date, ad_channel, session_campaign

)

select
    -- ids
    ad_stats.campaign_day_id,
    ad_stats.platform,
    channels.channel,
    ad_stats.campaign_id,
    ad_stats.campaign_name,

    -- timestamps
    ad_stats.stat_date,

    -- delivery and spend
    ad_stats.impressions,
    ad_stats.clicks,
    cast(ad_stats.spend as decimal(18, 2)) as spend,
    ad_stats.currency,
    cast(ad_stats.clicks as {{ type_double() }}) / nullif(ad_stats.impressions, 0) as ctr,
    cast(ad_stats.spend as {{ type_double() }}) / nullif(ad_stats.clicks, 0) as cpc,
    1000 * cast(ad_stats.spend as {{ type_double() }}) / nullif(ad_stats.impressions, 0)
        as cpm,

    -- what analytics saw
    cast(coalesce(sessions.sessions, 0) as {{ dbt.type_bigint() }}) as sessions,
    cast(coalesce(sessions.engaged_sessions, 0) as {{ dbt.type_bigint() }}) as engaged_sessions

from ad_stats
left join channels on ad_stats.platform = channels.ad_platform
left join sessions
    on
        ad_stats.stat_date = sessions.session_start_date
        and channels.channel = sessions.ad_channel
        and lower(ad_stats.campaign_name) = sessions.session_campaign
