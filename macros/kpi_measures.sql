{#- Measure lists shared by a phase's marts at different grains (a day; a day and a channel),
    so that a KPI means the same thing in each. kpis.md defines them. -#}

{#- Decision: the additive parts of orders and sessions, the day's distinct visitors, and the
    ratios computed from those parts (never averaged from finer grains). -#}
{% macro decision_measures() -%}
    -- orders (additive)
    cast(orders as {{ dbt.type_bigint() }}) as orders,
    cast(gross_revenue as decimal(18, 2)) as gross_revenue,
    cast(units as {{ dbt.type_bigint() }}) as units,
    cast(returned_value as decimal(18, 2)) as returned_value,
    cast(net_revenue as decimal(18, 2)) as net_revenue,

    -- web and app sessions (additive)
    cast(sessions as {{ dbt.type_bigint() }}) as sessions,
    cast(purchase_sessions as {{ dbt.type_bigint() }}) as purchase_sessions,
    cast(cart_sessions as {{ dbt.type_bigint() }}) as cart_sessions,
    cast(checkout_sessions as {{ dbt.type_bigint() }}) as checkout_sessions,

    -- distinct visitors (not additive over days or channels)
    cast(users as {{ dbt.type_bigint() }}) as users,
    cast(purchasing_users as {{ dbt.type_bigint() }}) as purchasing_users,

    -- ratios of the parts above
    cast(net_revenue as {{ type_double() }}) / nullif(orders, 0) as aov,
    cast(purchase_sessions as {{ type_double() }}) / nullif(sessions, 0)
        as conversion_rate_session,
    cast(purchasing_users as {{ type_double() }}) / nullif(users, 0) as conversion_rate_user,
    1 - cast(purchase_sessions as {{ type_double() }}) / nullif(cart_sessions, 0)
        as cart_abandonment_rate,
    1 - cast(purchase_sessions as {{ type_double() }}) / nullif(checkout_sessions, 0)
        as checkout_abandonment_rate
{%- endmacro %}

{#- Service: a group's contacts, Zendesk reply and resolution times (minutes; medians and
    90th percentiles, not summable), and first-contact resolution over identified contacts. -#}
{% macro service_contact_measures() -%}
    count(*) as contacts,
    count(customer_key) as identified_contacts,
    count(first_reply_minutes) as replied_contacts,
    percentile_cont(0.5) within group (order by first_reply_minutes)
        as first_reply_minutes_median,
    percentile_cont(0.9) within group (order by first_reply_minutes)
        as first_reply_minutes_p90,
    count(resolution_minutes) as solved_contacts,
    percentile_cont(0.5) within group (order by resolution_minutes)
        as resolution_minutes_median,
    percentile_cont(0.9) within group (order by resolution_minutes)
        as resolution_minutes_p90,
    count(customer_key) filter (where is_followed_within_7d) as followed_up_contacts,
    count(customer_key) filter (where not is_followed_within_7d) as first_contact_resolutions
{%- endmacro %}
