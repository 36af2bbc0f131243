{{
    config(
        materialized='incremental',
        unique_key=['identifier_id', 'changed_for'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

-- A log of customer-key changes, for re-keying the facts: one row per identifier whose
-- customer key changed in a run (a cookie that logged in and now belongs to a customer,
-- two customers merged, a shared identifier split off), stamped with the run's max_date.
-- int_customer_key_assignments holds each identifier's key after this run and the previous
-- one; keeping the changes with their date lets every run re-key what changed within its
-- window, so a run that failed after identity moved on is caught up by the next run (or
-- by rerunning its dates).
with

assignments as (

    select * from {{ ref('int_customer_key_assignments') }}

)

select
    {{ surrogate_key(['identifier_id', "'" ~ run_var('max_date') ~ "'"]) }} as change_id,
    identifier_id,
    {{ hash_identifier('identifier_id') }} as identifier_hash,
    customer_key,
    previous_customer_key,
    cast('{{ run_var('max_date') }}' as date) as changed_for
from assignments
where
    -- the first build logs nothing: every fact is then built from scratch
    {{ 'true' if is_incremental() else 'false' }}
    and (
        customer_key <> previous_customer_key
        or (customer_key is null and previous_customer_key is not null)
        or (customer_key is not null and previous_customer_key is null)
    )
