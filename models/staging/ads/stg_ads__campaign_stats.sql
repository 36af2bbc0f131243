with

source as (

    select * from {{ source('ads', 'campaign_stats') }}

),

renamed as (

    select
        -- ids
        {{ surrogate_key(['date', 'platform', 'campaign_id']) }} as campaign_day_id,
        trim(platform) as platform,
        trim(campaign_id) as campaign_id,
        campaign_name,

        -- amounts
        impressions,
        clicks,
        spend,
        currency,

        -- timestamps
        date as stat_date,

        -- lineage
        _source_file,
        _source_line,
        _loaded_at,
        _partition_date

    from source

),

latest as (

    -- a platform may restate a day in a later delivery: the latest figures count
    select * from renamed
    qualify row_number() over (
        partition by campaign_day_id order by _partition_date desc, _source_line desc
    ) = 1

)

select * from latest
