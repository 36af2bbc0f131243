{{
    config(
        materialized='incremental',
        unique_key='email_event_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

-- depends_on: {{ ref('int_customer_keys_changed') }}

-- E-mail events (send, delivered, open, click, bounce, unsubscribe), one row each, with the
-- recipient's customer and a salted hash of the address (unique opens and clicks per
-- recipient). Apple Mail Privacy Protection's machine opens are flagged, not dropped.
-- Incremental: events delivered or dated in the window; re-keying rewrites the stored rows
-- of recipients whose customer changed within the window (the ESP export is large, so the
-- history is not read again).
with

events as (

    select * from {{ ref('stg_email__events') }}
    {% if is_incremental() -%}
        where
            {{ in_window('_partition_date') }}
            or {{ in_window_local('occurred_at') }}
    {%- endif %}

),

identifiers as (

    -- only identifiers with a customer: the joins below are left joins for the key
    select
        identifier_id,
        customer_key
    from {{ ref('int_identifiers_resolved') }}
    where customer_key is not null

),

new_rows as (

    select
        -- ids
        events.email_event_id,
        identifiers.customer_key,
        case
            when events.email is not null then {{ hash_identifier("'email:' || events.email") }}
        end as recipient_hash,
        events.campaign_id,

        -- event
        events.campaign_name,
        events.event_type,
        events.is_machine_open,

        -- timestamps
        events.occurred_at,
        {{ local_date('events.occurred_at') }} as event_date,

        -- when the run that last rebuilt the row started (the publish copies newer rows only)
        {{ built_at() }} as _built_at
    from events
    left join identifiers on 'email:' || events.email = identifiers.identifier_id

){% if is_incremental() %},

changes as (

    select distinct identifier_hash
    from {{ ref('int_customer_keys_changed') }}
    where {{ in_window('changed_for') }} and identifier_id like 'email:%'

),

rekeyed as (

    select
        current_rows.email_event_id,
        current_keys.customer_key,
        current_rows.recipient_hash,
        current_rows.campaign_id,
        current_rows.campaign_name,
        current_rows.event_type,
        current_rows.is_machine_open,
        current_rows.occurred_at,
        current_rows.event_date,
        {{ built_at() }} as _built_at
    from {{ this }} as current_rows
    inner join changes on current_rows.recipient_hash = changes.identifier_hash
    inner join {{ ref('int_identifiers_resolved') }} as current_keys
        on current_rows.recipient_hash = current_keys.identifier_hash
    where current_rows.email_event_id not in (select new_rows.email_event_id from new_rows)

){% endif %}

select * from new_rows
{% if is_incremental() -%}
    union all
    select * from rekeyed
{%- endif %}
