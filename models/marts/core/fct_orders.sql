{{
    config(
        materialized='incremental',
        unique_key='order_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

-- depends_on: {{ ref('int_customer_keys_changed') }}

-- Orders in every channel (web, app, social, store), one row each, with click & collect,
-- the session it was placed in, and net revenue after returns (a return is booked against
-- the order it returns, whatever channel it came back through). Test orders are excluded in
-- staging (stg_shop__test_orders lists them).
-- Incremental by order: an order is rebuilt when any of its lines, or a return of it, was
-- delivered in the window, when it was placed in the window or its purchase session
-- started there, and when its customer changed within the window. Orders change after the
-- day they were placed (fulfilled, collected, returned), so a date window alone would not do.
with

orders as (

    select * from {{ ref('int_orders_unioned') }}

),

returns as (

    select * from {{ ref('int_returns_unioned') }}

),

purchase_sessions as (

    select
        order_id,
        session_id,
        session_start_date
    from {{ ref('int_web_sessions_built') }}
    where order_id is not null
    qualify row_number() over (partition by order_id order by session_start_at, session_id) = 1

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

),

touched_orders as (

    select order_id from orders
    where {{ in_window('delivered_on') }} or {{ in_window('order_date') }}
    union
    select original_order_id from returns
    where {{ in_window('delivered_on') }} or {{ in_window('return_date') }}
    union
    select order_id from purchase_sessions
    where {{ in_window('session_start_date') }}
    union
    select order_id from orders
    where 'order_ref:' || order_id in (
        select changed_identifiers.identifier_id from changed_identifiers
    )

){% endif %},

in_scope as (

    select * from orders
    {% if is_incremental() -%}
        where order_id in (select touched_orders.order_id from touched_orders)
    {%- endif %}

),

returned as (

    select
        original_order_id as order_id,
        count(*) as return_count,
        sum(returned_units) as returned_units,
        sum(returned_value) as returned_value
    from returns
    where original_order_id in (select in_scope.order_id from in_scope)
    group by original_order_id

)

select
    -- ids
    in_scope.order_id,
    identifiers.customer_key,
    in_scope.order_source,
    in_scope.channel,
    in_scope.store_id,
    purchase_sessions.session_id,

    -- click & collect
    in_scope.is_click_collect,
    in_scope.pickup_store_id,

    -- status
    in_scope.financial_status,
    in_scope.fulfillment_status,

    -- timestamps
    in_scope.ordered_at,
    in_scope.order_date,
    in_scope.fulfilled_at,
    in_scope.delivered_at,

    -- quantities
    in_scope.line_count,
    in_scope.units,
    cast(coalesce(returned.returned_units, 0) as {{ dbt.type_bigint() }}) as returned_units,
    cast(coalesce(returned.return_count, 0) as {{ dbt.type_bigint() }}) as return_count,

    -- amounts, EUR
    in_scope.subtotal,
    in_scope.discount_amount,
    in_scope.gross_revenue,
    in_scope.shipping_amount,
    in_scope.order_total,
    cast(coalesce(returned.returned_value, 0) as decimal(18, 2)) as returned_value,
    cast(in_scope.gross_revenue - coalesce(returned.returned_value, 0) as decimal(18, 2))
        as net_revenue,

    -- when the run that last rebuilt the row started (the publish copies newer rows only)
    {{ built_at() }} as _built_at

from in_scope
left join returned on in_scope.order_id = returned.order_id
left join purchase_sessions on in_scope.order_id = purchase_sessions.order_id
left join identifiers on 'order_ref:' || in_scope.order_id = identifiers.identifier_id
