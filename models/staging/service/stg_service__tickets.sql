with

source as (

    select * from {{ source('service', 'tickets') }}

),

renamed as (

    select
        -- ids
        ticket_id,
        nullif(trim(order_reference), '') as order_reference,

        -- who asked (the desk sees an e-mail address or a phone number)
        {{ normalize_email('requester_email') }} as requester_email,
        {{ normalize_phone('requester_phone') }} as requester_phone,

        -- ticket
        channel,
        reason,
        status,
        satisfaction_score,

        -- timestamps
        created_at,
        updated_at,
        first_reply_at,
        solved_at,

        -- lineage
        _source_file,
        _source_line,
        _loaded_at,
        _partition_date

    from source

),

latest as (

    -- a ticket is exported again when it changes: keep its latest state
    select * from renamed
    qualify row_number() over (
        partition by ticket_id
        order by updated_at desc, _partition_date desc, _source_line desc
    ) = 1

)

select * from latest
