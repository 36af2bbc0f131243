{{
    config(
        materialized='incremental',
        unique_key='ledger_entry_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

-- depends_on: {{ ref('int_customer_keys_changed') }}

-- The loyalty points ledger, one row per entry, with its customer (through the member id),
-- the order or receipt the points were earned or redeemed on, and the points split by kind
-- (positive numbers, as the KPIs sum them). Incremental: entries delivered or dated in the
-- window, and entries whose member's customer changed within the window.
with

ledger as (

    select * from {{ ref('stg_loyalty__ledger_entries') }}

),

identifiers as (

    -- only identifiers with a customer: the joins below are left joins for the key
    select
        identifier_id,
        customer_key
    from {{ ref('int_identifiers_resolved') }}
    where customer_key is not null

){% if is_incremental() %},

changed_identifiers as (

    select distinct identifier_id
    from {{ ref('int_customer_keys_changed') }}
    where {{ in_window('changed_for') }}

){% endif %},

in_scope as (

    select * from ledger
    {% if is_incremental() -%}
        where
            {{ in_window('_partition_date') }}
            or {{ in_window_local('occurred_at') }}
            or 'member_id:' || loyalty_member_id in (
                select changed_identifiers.identifier_id from changed_identifiers
            )
    {%- endif %}

)

select
    -- ids
    in_scope.ledger_entry_id,
    identifiers.customer_key,
    case when in_scope.reason in ('earn', 'redeem') then in_scope.reference end as order_id,
    case when in_scope.reason not in ('earn', 'redeem') then in_scope.reference end
        as campaign_code,

    -- entry
    in_scope.reason,
    in_scope.channel,

    -- timestamps
    in_scope.occurred_at,
    {{ local_date('in_scope.occurred_at') }} as entry_date,

    -- points: signed, and split into positive earned (earn and bonus), redeemed, expired
    cast(in_scope.points as {{ dbt.type_bigint() }}) as points,
    cast(
        case when in_scope.reason in ('earn', 'bonus') then in_scope.points else 0 end
        as {{ dbt.type_bigint() }}
    ) as points_earned,
    cast(
        case when in_scope.reason = 'redeem' then -in_scope.points else 0 end
        as {{ dbt.type_bigint() }}
    ) as points_redeemed,
    cast(
        case when in_scope.reason = 'expire' then -in_scope.points else 0 end
        as {{ dbt.type_bigint() }}
    ) as points_expired

from in_scope
left join identifiers
    on 'member_id:' || in_scope.loyalty_member_id = identifiers.identifier_id
