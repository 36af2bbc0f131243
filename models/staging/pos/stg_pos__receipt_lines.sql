{{ config(materialized='table') }}

-- A table, not a view like most staging models: the dedupe below runs over every receipt line of
-- every delivery, and a daily build reads this model thirteen times (six models, the rest its
-- tests). Built once per run, it saves the build about 7 CPU-seconds at size M (docs/benchmarks.md,
-- DECISIONLOG).
with

source as (

    select * from {{ source('pos', 'receipt_lines') }}

),

renamed as (

    select
        -- ids
        {{ surrogate_key(['receipt_number', 'line_number']) }} as receipt_line_id,
        trim(receipt_number) as receipt_number,
        line_number,
        trim(store_id) as store_id,
        trim(sku) as sku,
        nullif(trim(original_receipt_number), '') as original_reference,

        -- customer, if the card was scanned or an e-receipt asked for
        {{ normalize_card('loyalty_card') }} as loyalty_card,
        {{ normalize_email('ereceipt_email') }} as ereceipt_email,

        -- line
        case transaction_type when 'V' then 'sale' when 'R' then 'return' end as line_type,
        description as product_name,
        quantity,
        payment_method,

        -- amounts (negative on returns)
        unit_price,
        discount as line_discount,
        amount,

        -- timestamps: the till writes local time; the loader converted it to UTC
        sold_at,
        sold_at_local,

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
        partition by receipt_line_id order by _partition_date, _source_file, _source_line
    ) = 1

)

select * from deduplicated
