{{
    config(
        materialized='incremental',
        unique_key='ticket_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

-- depends_on: {{ ref('int_customer_keys_changed') }}

-- Customer-service contacts (tickets, latest state), with first-reply and resolution times
-- and the repeat-contact flags: a contact is a repeat when the same customer got in touch
-- within var('repeat_contact_days') (7) before it, and the customer "had to repeat" when
-- that previous contact was on another channel. Anonymous contacts are never repeats.
-- Incremental: a new contact changes its customer's earlier contacts (followed within 7
-- days), so the run rebuilds every contact of each customer with a contact delivered or
-- dated in the window, or whose key changed within the window (old and new key).
with

tickets as (

    select * from {{ ref('stg_service__tickets') }}

),

identifiers as (

    -- only identifiers with a customer: the joins below are left joins for the key
    select
        identifier_id,
        customer_key
    from {{ ref('int_identifiers_resolved') }}
    where customer_key is not null

),

keyed as (

    select
        tickets.*,
        identifiers.customer_key
    from tickets
    left join identifiers
        on
            'ticket:' || cast(tickets.ticket_id as {{ dbt.type_string() }})
            = identifiers.identifier_id

){% if is_incremental() %},

changes as (

    select * from {{ ref('int_customer_keys_changed') }}
    where {{ in_window('changed_for') }}

),

window_tickets as (

    select ticket_id, customer_key from keyed
    where
        {{ in_window('_partition_date') }}
        or {{ in_window_local('created_at') }}
        or 'ticket:' || cast(ticket_id as {{ dbt.type_string() }}) in (
            select changes.identifier_id from changes
        )

),

affected_customers as (

    select customer_key from window_tickets where customer_key is not null
    union
    select customer_key from changes where customer_key is not null
    union
    select previous_customer_key from changes where previous_customer_key is not null

){% endif %},

in_scope as (

    select * from keyed
    {% if is_incremental() -%}
        where
            ticket_id in (select window_tickets.ticket_id from window_tickets)
            or customer_key in (select affected_customers.customer_key from affected_customers)
    {%- endif %}

),

sequenced as (

    select
        *,
        lag(created_at) over customer_contacts as previous_contact_at,
        lag(channel) over customer_contacts as previous_contact_channel,
        lead(created_at) over customer_contacts as next_contact_at
    from in_scope
    window customer_contacts as (
        partition by
            coalesce(customer_key, 'ticket:' || cast(ticket_id as {{ dbt.type_string() }}))
        order by created_at, ticket_id
    )

)

select
    -- ids
    ticket_id,
    customer_key,
    order_reference as order_id,

    -- contact
    channel,
    reason,
    case
        when reason in ('product_advice', 'stock_question') then 'advice'
        else 'service'
    end as contact_type,
    status,
    satisfaction_score,

    -- timestamps
    created_at,
    {{ local_date('created_at') }} as contact_date,
    first_reply_at,
    solved_at,

    -- service times (Zendesk's first reply time and full resolution time), minutes
    {{ seconds_between('created_at', 'first_reply_at') }} / 60.0 as first_reply_minutes,
    {{ seconds_between('created_at', 'solved_at') }} / 60.0 as resolution_minutes,

    -- repeat contacts
    previous_contact_at,
    previous_contact_channel,
    coalesce(
        previous_contact_at
        >= {{ dbt.dateadd('day', -1 * var('repeat_contact_days'), 'created_at') }},
        false
    ) as is_repeat_contact,
    coalesce(
        previous_contact_at
        >= {{ dbt.dateadd('day', -1 * var('repeat_contact_days'), 'created_at') }}
        and previous_contact_channel <> channel,
        false
    ) as is_repeat_on_other_channel,
    coalesce(
        next_contact_at
        <= {{ dbt.dateadd('day', var('repeat_contact_days'), 'created_at') }},
        false
    ) as is_followed_within_7d

from sequenced
