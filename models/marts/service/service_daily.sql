-- Service per local day over all channels: the contact KPIs of service_channel_daily, contacts
-- per order, return rates (returns booked against the order's day) and fulfilment. Medians and
-- p90s are recomputed from the facts for the day, never averaged over channels.
with

contacts as (

    select * from {{ ref('fct_service_contacts') }}

),

orders as (

    select
        *,
        coalesce(
            is_click_collect
            and delivered_at
            <= {{ dbt.dateadd('day', var('pickup_window_days'), 'fulfilled_at') }},
            false
        ) as is_on_time_pickup,
        case
            when order_source = 'shop' and not is_click_collect
                then {{ seconds_between('ordered_at', 'delivered_at') }} / 3600.0
        end as delivery_hours
    from {{ ref('fct_orders') }}

),

contact_days as (

    select
        contact_date as date_day,
        {{ service_contact_measures() }},
        count(*) filter (where is_repeat_contact) as repeat_contacts,
        count(*) filter (where is_repeat_on_other_channel) as had_to_repeat_contacts,
        count(*) filter (where satisfaction_score in ('good', 'bad')) as rated_contacts,
        count(*) filter (where satisfaction_score = 'good') as satisfied_contacts
    from contacts
    group by contact_date

),

order_days as (

    select
        order_date as date_day,
        count(*) as orders,
        cast(sum(units) as {{ dbt.type_bigint() }}) as sold_units,
        cast(sum(gross_revenue) as decimal(18, 2)) as sold_value,
        cast(sum(returned_units) as {{ dbt.type_bigint() }}) as returned_units,
        cast(sum(returned_value) as decimal(18, 2)) as returned_value,
        count(*) filter (where order_source = 'shop') as online_orders,
        count(*) filter (where is_click_collect) as click_collect_orders,
        count(*) filter (where is_on_time_pickup) as on_time_pickups,
        count(delivery_hours) as delivered_orders,
        percentile_cont(0.5) within group (order by delivery_hours) as delivery_hours_median,
        percentile_cont(0.9) within group (order by delivery_hours) as delivery_hours_p90
    from orders
    group by order_date

),

days as (

    select date_day from contact_days
    union
    select date_day from order_days

)

select
    -- grain
    days.date_day,

    -- contacts
    coalesce(contact_days.contacts, 0) as contacts,
    coalesce(contact_days.identified_contacts, 0) as identified_contacts,
    coalesce(order_days.orders, 0) as orders,
    coalesce(contact_days.contacts, 0) / nullif(order_days.orders, 0) as contacts_per_order,

    -- Zendesk times, minutes (not summable)
    coalesce(contact_days.replied_contacts, 0) as replied_contacts,
    contact_days.first_reply_minutes_median,
    contact_days.first_reply_minutes_p90,
    coalesce(contact_days.solved_contacts, 0) as solved_contacts,
    contact_days.resolution_minutes_median,
    contact_days.resolution_minutes_p90,

    -- first-contact resolution, repeats, had to repeat
    coalesce(contact_days.followed_up_contacts, 0) as followed_up_contacts,
    coalesce(contact_days.first_contact_resolutions, 0) as first_contact_resolutions,
    contact_days.first_contact_resolutions
    / nullif(contact_days.identified_contacts, 0) as first_contact_resolution_rate,
    coalesce(contact_days.repeat_contacts, 0) as repeat_contacts,
    contact_days.repeat_contacts
    / nullif(contact_days.identified_contacts, 0) as repeat_contact_rate,
    coalesce(contact_days.had_to_repeat_contacts, 0) as had_to_repeat_contacts,
    contact_days.had_to_repeat_contacts
    / nullif(contact_days.repeat_contacts, 0) as had_to_repeat_rate,

    -- CSAT
    coalesce(contact_days.rated_contacts, 0) as rated_contacts,
    coalesce(contact_days.satisfied_contacts, 0) as satisfied_contacts,
    contact_days.satisfied_contacts / nullif(contact_days.rated_contacts, 0) as csat,

    -- returns of the day's orders
    coalesce(order_days.sold_units, 0) as sold_units,
    coalesce(order_days.sold_value, 0) as sold_value,
    coalesce(order_days.returned_units, 0) as returned_units,
    coalesce(order_days.returned_value, 0) as returned_value,
    order_days.returned_units / nullif(order_days.sold_units, 0) as return_rate_units,
    cast(order_days.returned_value as {{ type_double() }})
    / nullif(order_days.sold_value, 0) as return_rate_value,

    -- fulfilment of the day's online orders
    coalesce(order_days.online_orders, 0) as online_orders,
    coalesce(order_days.click_collect_orders, 0) as click_collect_orders,
    order_days.click_collect_orders
    / nullif(order_days.online_orders, 0) as click_collect_share,
    coalesce(order_days.on_time_pickups, 0) as on_time_pickups,
    order_days.on_time_pickups
    / nullif(order_days.click_collect_orders, 0) as on_time_pickup_rate,
    coalesce(order_days.delivered_orders, 0) as delivered_orders,
    order_days.delivery_hours_median,
    order_days.delivery_hours_p90

from days
left join contact_days on days.date_day = contact_days.date_day
left join order_days on days.date_day = order_days.date_day
