{{
    config(
        materialized='incremental',
        unique_key='retired_customer_key',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
    )
}}

-- Keys that stopped existing because their customer merged into another: BI users' saved
-- customer lists keep working by following retired -> surviving. A chain (A merged into B,
-- later B into C) always points at the newest survivor.
with

assignments as (

    select * from {{ ref('int_customer_key_assignments') }}

),

live_keys as (

    select distinct customer_key
    from assignments
    where customer_key is not null

),

moves as (

    -- where the identifiers of a key that no longer exists went
    select
        assignments.previous_customer_key as retired_customer_key,
        assignments.customer_key as surviving_customer_key,
        count(*) as identifiers
    from assignments
    left join live_keys on assignments.previous_customer_key = live_keys.customer_key
    where
        assignments.previous_customer_key is not null
        and assignments.customer_key is not null
        and live_keys.customer_key is null
    group by assignments.previous_customer_key, assignments.customer_key

),

retired as (

    -- most of its identifiers decide the survivor (a merge moves them all)
    select
        retired_customer_key,
        surviving_customer_key,
        cast('{{ run_var('max_date') }}' as date) as retired_for
    from moves
    qualify row_number() over (
        partition by retired_customer_key order by identifiers desc, surviving_customer_key asc
    ) = 1

){% if is_incremental() %},

rechained as (

    select
        history.retired_customer_key,
        retired.surviving_customer_key,
        history.retired_for
    from {{ this }} as history
    inner join retired on history.surviving_customer_key = retired.retired_customer_key

){% endif %}

select * from retired
{% if is_incremental() -%}
    union all
    select * from rechained
{%- endif %}
