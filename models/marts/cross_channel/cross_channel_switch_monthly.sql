-- Channel-switch matrix (Adobe's flow): for consecutive interactions of one customer, the
-- pair (from channel and phase, to channel and phase), counted in the month of the second.
-- Interactions are the touchpoint types attribution counts (seeds/touchpoint_phases.csv
-- in_attribution: web/app sessions, e-mail clicks, store purchases and pickups, service
-- contacts) plus orders and returns; the events inside a session (product views, carts),
-- e-mail opens, deliveries and loyalty entries are not interactions of their own.
-- Anonymous touchpoints belong to no customer and take no part.
with

phases as (

    select * from {{ ref('touchpoint_phases') }}

),

interactions as (

    select
        touchpoints.touchpoint_id,
        touchpoints.customer_key,
        touchpoints.channel,
        touchpoints.journey_phase,
        touchpoints.occurred_at,
        touchpoints.touchpoint_date
    from {{ ref('fct_touchpoints') }} as touchpoints
    inner join phases on touchpoints.touchpoint_type = phases.touchpoint_type
    where
        touchpoints.customer_key is not null
        and (phases.in_attribution or touchpoints.touchpoint_type in ('order', 'return'))

),

pairs as (

    select
        touchpoint_date,
        channel as to_channel,
        journey_phase as to_phase,
        lag(channel) over customer_history as from_channel,
        lag(journey_phase) over customer_history as from_phase
    from interactions
    window customer_history as (
        partition by customer_key order by occurred_at, touchpoint_id
    )

),

monthly as (

    select
        cast({{ dbt.date_trunc('month', 'touchpoint_date') }} as date) as month_start,
        from_channel,
        from_phase,
        to_channel,
        to_phase
    from pairs
    where from_channel is not null

)

select
    -- grain
    {{ surrogate_key(['month_start', 'from_channel', 'from_phase', 'to_channel', 'to_phase']) }}
        as channel_switch_id,
    month_start,
    from_channel,
    from_phase,
    to_channel,
    to_phase,
    from_channel <> to_channel as is_channel_switch,

    -- pairs
    count(*) as transitions

from monthly
group by month_start, from_channel, from_phase, to_channel, to_phase
