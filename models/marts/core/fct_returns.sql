{{
    config(
        materialized='incremental',
        unique_key='return_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

-- depends_on: {{ ref('int_customer_keys_changed') }}

-- Returns, one row per return document and the purchase it returns, with the purchase
-- channel, the return channel and whether they differ: bought online and returned in a
-- store, or bought in a store and sent back through the web shop's returns portal.
-- Incremental by return: rebuilt when delivered or dated in the window, or when its
-- customer changed within the window.
with

returns as (

    select * from {{ ref('int_returns_unioned') }}

),

orders as (

    select
        order_id,
        channel,
        ordered_at,
        order_date
    from {{ ref('int_orders_unioned') }}

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

    select * from returns
    {% if is_incremental() -%}
        where
            {{ in_window('delivered_on') }}
            or {{ in_window('return_date') }}
            or 'order_ref:' || return_document in (
                select changed_identifiers.identifier_id from changed_identifiers
            )
    {%- endif %}

)

select
    -- ids
    in_scope.return_id,
    identifiers.customer_key,
    in_scope.return_document,
    in_scope.original_order_id,

    -- channels: a web order name starts with '#', a store receipt with the store code (the
    -- purchase is then known to be online or in a store even when it predates the data)
    orders.channel as purchase_channel,
    in_scope.return_channel,
    (in_scope.return_channel = 'store')
    <> coalesce(orders.channel = 'store', in_scope.original_order_id not like '#%')
        as is_cross_channel,
    in_scope.store_id,

    -- timestamps
    orders.ordered_at as purchased_at,
    in_scope.returned_at,
    in_scope.return_date,
    {{ dbt.datediff('orders.order_date', 'in_scope.return_date', 'day') }}
        as days_to_return,

    -- amounts
    in_scope.returned_units,
    in_scope.returned_value

from in_scope
left join orders on in_scope.original_order_id = orders.order_id
left join identifiers on 'order_ref:' || in_scope.return_document = identifiers.identifier_id
