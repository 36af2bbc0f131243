-- Multi-touch attribution per day (the order's), touch channel, touch phase and order
-- channel: the orders and gross revenue each model credits to the touches (fct_attribution:
-- the customer's touches in the var('attribution_window_days') days up to the order, offline
-- touches - store visits, calls, chats, store advice - included), one column pair per model.
-- Each model's credits sum to 1 per order, so each model's attributed orders sum to the
-- orders over the touch channels and phases; never sum across models.
with

attribution as (

    select * from {{ ref('fct_attribution') }}

),

phases as (

    select
        touchpoint_type,
        journey_phase
    from {{ ref('touchpoint_phases') }}

),

per_touch_channel as (

    select
        attribution.order_date as date_day,
        attribution.touchpoint_channel as touch_channel,
        phases.journey_phase as touch_phase,
        attribution.order_channel,
        count(*) as touches,
        sum(attribution.credit_first) as attributed_orders_first,
        sum(attribution.credit_first * attribution.order_revenue)
            as attributed_revenue_first,
        sum(attribution.credit_last) as attributed_orders_last,
        sum(attribution.credit_last * attribution.order_revenue)
            as attributed_revenue_last,
        sum(attribution.credit_linear) as attributed_orders_linear,
        sum(attribution.credit_linear * attribution.order_revenue)
            as attributed_revenue_linear,
        sum(attribution.credit_position_based) as attributed_orders_position_based,
        sum(attribution.credit_position_based * attribution.order_revenue)
            as attributed_revenue_position_based,
        sum(attribution.credit_time_decay) as attributed_orders_time_decay,
        sum(attribution.credit_time_decay * attribution.order_revenue)
            as attributed_revenue_time_decay
    from attribution
    left join phases on attribution.touchpoint_type = phases.touchpoint_type
    group by
        attribution.order_date,
        attribution.touchpoint_channel,
        phases.journey_phase,
        attribution.order_channel

)

select
    -- ids
    {{ surrogate_key(['date_day', 'touch_channel', 'touch_phase', 'order_channel']) }}
        as attribution_day_id,
    date_day,
    touch_channel,
    touch_phase,
    order_channel,

    -- touches credited (additive)
    cast(touches as {{ dbt.type_bigint() }}) as touches,

    -- credited orders and revenue per model (additive within a model)
    cast(attributed_orders_first as {{ type_double() }}) as attributed_orders_first,
    cast(attributed_revenue_first as {{ type_double() }})
        as attributed_revenue_first,
    cast(attributed_orders_last as {{ type_double() }}) as attributed_orders_last,
    cast(attributed_revenue_last as {{ type_double() }})
        as attributed_revenue_last,
    cast(attributed_orders_linear as {{ type_double() }}) as attributed_orders_linear,
    cast(attributed_revenue_linear as {{ type_double() }})
        as attributed_revenue_linear,
    cast(attributed_orders_position_based as {{ type_double() }})
        as attributed_orders_position_based,
    cast(attributed_revenue_position_based as {{ type_double() }})
        as attributed_revenue_position_based,
    cast(attributed_orders_time_decay as {{ type_double() }}) as attributed_orders_time_decay,
    cast(attributed_revenue_time_decay as {{ type_double() }})
        as attributed_revenue_time_decay

from per_touch_channel
