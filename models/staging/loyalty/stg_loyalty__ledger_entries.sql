with

source as (

    select * from {{ source('loyalty', 'ledger_entries') }}

),

renamed as (

    select
        -- ids
        trim(entry_id) as ledger_entry_id,
        {{ normalize_code('member_id') }} as loyalty_member_id,
        {{ normalize_card('card_number') }} as loyalty_card,
        nullif(trim(reference), '') as reference,

        -- entry
        reason,
        channel,

        -- amounts
        points,

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
        partition by ledger_entry_id order by _partition_date, _source_file, _source_line
    ) = 1

)

select * from deduplicated
