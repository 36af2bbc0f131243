with

source as (

    select * from {{ source('email', 'events') }}

),

renamed as (

    select
        -- ids
        trim(event_id) as email_event_id,
        trim(campaign_id) as campaign_id,

        -- event
        event_type,
        campaign_name,
        {{ normalize_email('email') }} as email,
        nullif(url, '') as clicked_url,
        nullif(user_agent, '') as user_agent,
        -- Apple Mail Privacy Protection opens every message it delivers: not a human open
        coalesce(user_agent = 'apple-mpp-proxy', false) as is_machine_open,

        -- timestamps
        occurred_at,

        -- lineage
        _source_file,
        _source_line,
        _loaded_at,
        _partition_date

    from source

),

deduplicated as (

    select * from renamed
    qualify row_number() over (
        partition by email_event_id order by _partition_date, _source_file, _source_line
    ) = 1

)

select * from deduplicated
