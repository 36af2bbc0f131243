{{
    config(
        materialized='incremental',
        unique_key='order_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

-- depends_on: {{ ref('int_customer_keys_changed') }}

-- Multi-touch attribution: for every order, the touches of its customer in the
-- var('attribution_window_days') (30) days up to the order (seeds/touchpoint_phases.csv
-- `in_attribution`: sessions, e-mail clicks, store purchases and pickups - store visits -
-- and service contacts: offline touches take part), and each touch's credit under five
-- models: first, last, linear (1/n), position-based 40-20-40 (n = 2: 0.5 each) and
-- time-decay (weight 2^(-days before the order / var('attribution_half_life_days')),
-- normalised). Each model's credits sum to 1 per order. An order without such a touch
-- (an anonymous receipt, a social-commerce order of a customer never seen before) credits
-- its own touchpoint (the order or the store purchase).
-- Incremental by order: orders dated in the window or up to the attribution window after it
-- (a touch in the window counts for them), and every order of a customer whose identity
-- changed within the window (touches stitched to or split from them).
with

orders as (

    select
        order_id,
        customer_key,
        channel,
        ordered_at,
        order_date,
        gross_revenue
    from {{ ref('fct_orders') }}

),

touchpoints as {{ inlined_cte() }} (

    -- read where used, never stored: both uses filter it, but DuckDB stored all 21 M rows
    -- once for them (size M daily: 9.8 -> 2.1 CPU-s)
    select
        touchpoint_id,
        customer_key,
        touchpoint_type,
        channel,
        occurred_at,
        order_id
    from {{ ref('fct_touchpoints') }}

),

phases as (

    select * from {{ ref('touchpoint_phases') }}

){% if is_incremental() %},

changes as (

    select * from {{ ref('int_customer_keys_changed') }}
    where {{ in_window('changed_for') }}

),

affected_customers as (

    select customer_key from changes where customer_key is not null
    union
    select previous_customer_key from changes where previous_customer_key is not null

){% endif %},

in_scope as (

    select * from orders
    {% if is_incremental() -%}
        where
            {{ in_window('order_date', days_after=var('attribution_window_days')) }}
            or customer_key in (select affected_customers.customer_key from affected_customers)
    {%- endif %}

),

eligible_touches as (

    select touchpoints.*
    from touchpoints
    inner join phases on touchpoints.touchpoint_type = phases.touchpoint_type
    where
        phases.in_attribution
        and touchpoints.customer_key in (select in_scope.customer_key from in_scope)

),

matched as (

    select
        in_scope.order_id,
        eligible_touches.touchpoint_id,
        eligible_touches.touchpoint_type,
        eligible_touches.channel as touchpoint_channel,
        eligible_touches.occurred_at as touchpoint_occurred_at,
        false as is_own_touchpoint
    from in_scope
    inner join eligible_touches
        on
            in_scope.customer_key = eligible_touches.customer_key
            and in_scope.ordered_at >= eligible_touches.occurred_at
            and {{ dbt.dateadd('day', -1 * var('attribution_window_days'), 'in_scope.ordered_at') }}
            <= eligible_touches.occurred_at

),

own_touches as (

    -- the order's own touchpoint, credited when no touch came before it
    select
        in_scope.order_id,
        touchpoints.touchpoint_id,
        touchpoints.touchpoint_type,
        touchpoints.channel as touchpoint_channel,
        touchpoints.occurred_at as touchpoint_occurred_at,
        true as is_own_touchpoint
    from in_scope
    inner join touchpoints
        on
            in_scope.order_id = touchpoints.order_id
            and touchpoints.touchpoint_type in ('order', 'store_purchase')
    where in_scope.order_id not in (select matched.order_id from matched)

),

touches as (

    select * from matched
    union all
    select * from own_touches

),

positioned as (

    select
        touches.*,
        in_scope.customer_key,
        in_scope.channel as order_channel,
        in_scope.ordered_at,
        in_scope.order_date,
        in_scope.gross_revenue,
        row_number() over (
            partition by touches.order_id
            order by touches.touchpoint_occurred_at, touches.touchpoint_id
        ) as touch_position,
        count(*) over (partition by touches.order_id) as touch_count,
        {{ seconds_between('touches.touchpoint_occurred_at', 'in_scope.ordered_at') }} / 86400.0
            as days_before_order
    from touches
    inner join in_scope on touches.order_id = in_scope.order_id

),

weighted as (

    select
        *,
        power(
            2.0, -1.0 * days_before_order / {{ var('attribution_half_life_days') }}
        ) as decay_weight
    from positioned

)

select
    -- ids
    {{ surrogate_key(['order_id', 'touchpoint_id']) }} as attribution_id,
    order_id,
    touchpoint_id,
    customer_key,

    -- the order
    order_channel,
    ordered_at,
    order_date,
    gross_revenue as order_revenue,

    -- the touch
    touchpoint_type,
    touchpoint_channel,
    touchpoint_occurred_at,
    cast(touch_position as {{ dbt.type_bigint() }}) as touch_position,
    cast(touch_count as {{ dbt.type_bigint() }}) as touch_count,
    cast(days_before_order as {{ type_double() }}) as days_before_order,
    is_own_touchpoint,

    -- credits: each model's credits sum to 1 per order
    cast(case when touch_position = 1 then 1 else 0 end as {{ type_double() }}) as credit_first,
    cast(case when touch_position = touch_count then 1 else 0 end as {{ type_double() }})
        as credit_last,
    cast(1.0 / touch_count as {{ type_double() }}) as credit_linear,
    cast(
        case
            when touch_count = 1 then 1.0
            when touch_count = 2 then 0.5
            when touch_position = 1 or touch_position = touch_count then 0.4
            else 0.2 / (touch_count - 2)
        end as {{ type_double() }}
    ) as credit_position_based,
    cast(
        decay_weight / sum(decay_weight) over (partition by order_id) as {{ type_double() }}
    ) as credit_time_decay,

    -- when the run that last rebuilt the row started (the publish copies newer rows only)
    {{ built_at() }} as _built_at

from weighted
