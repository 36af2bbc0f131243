with

source as (

    select * from {{ source('crm', 'contacts') }}

),

latest_snapshot as (

    -- the CRM delivers its full state every day: the latest delivery in the window is the
    -- current state (names are not carried forward: no model needs them). A scalar
    -- subquery, not a join: DuckDB then skips the other deliveries' row groups (size M:
    -- 0.004 s instead of 11.7 s through a join over 19 M rows)
    select *
    from source
    where _partition_date = (
        -- the relation itself: a second reference to the CTE would materialise it
        select max(deliveries._partition_date)
        from {{ source('crm', 'contacts') }} as deliveries
        where deliveries._partition_date <= cast('{{ run_var('max_date') }}' as date)
    )

),

renamed as (

    select
        -- ids
        {{ normalize_code('contact_id') }} as contact_id,
        {{ normalize_code('loyalty_member_id') }} as loyalty_member_id,
        {{ normalize_code('web_account_id') }} as web_account_id,
        {{ normalize_card('loyalty_card_number') }} as loyalty_card,

        -- contact points
        {{ normalize_email('email') }} as email,
        {{ normalize_phone('phone') }} as phone,

        -- consents and preferences
        not has_opted_out_of_email as email_opt_in,
        sms_opt_in,
        nullif(trim(preferred_store), '') as preferred_store_id,

        -- timestamps
        created_date as created_at,
        last_modified_date as last_modified_at,
        _partition_date as snapshot_date,

        -- lineage
        _source_file,
        _source_line,
        _loaded_at

    from latest_snapshot

),

deduplicated as (

    select * from renamed
    qualify row_number() over (partition by contact_id order by _source_line) = 1

)

select * from deduplicated
