{{
    config(
        materialized='incremental',
        unique_key='identifier_id',
        incremental_strategy='delete+insert',
    )
}}

-- The customer each identifier belongs to now, and the one it belonged to after the
-- previous run: where they differ, customers merged (or an override split one).
-- Incremental on purpose: the previous run's state is this table before the run.
with

current_keys as (

    select
        identifier_id,
        customer_key
    from {{ ref('int_identifiers_resolved') }}

){% if is_incremental() %},

previous_keys as (

    select
        identifier_id,
        customer_key as previous_customer_key
    from {{ this }}

){% endif %}

select
    current_keys.identifier_id,
    current_keys.customer_key,
    {% if is_incremental() -%}
        previous_keys.previous_customer_key,
    {%- else -%}
    cast(null as {{ dbt.type_string() }}) as previous_customer_key,
    {%- endif %}
    cast('{{ run_var('max_date') }}' as date) as assigned_for
from current_keys
{% if is_incremental() -%}
    left join previous_keys on current_keys.identifier_id = previous_keys.identifier_id
{%- endif %}
