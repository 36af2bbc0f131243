-- Marketing e-mail per day and campaign: messages sent, bounced and delivered, and of the
-- delivered messages those opened by a person, opened by Apple Mail Privacy Protection's
-- proxy, and clicked. Each open or click answers the latest delivery of its campaign to the
-- same address at or before it; a message counts once however often it was opened or
-- clicked (unique opens and clicks), on the day it was delivered, so open and click rates
-- are shares of that day's deliveries and a recent day's rates still grow as late opens and
-- clicks arrive. Machine opens (every message Apple Mail delivers is opened by its proxy)
-- are kept apart: the open rate counts opens by people only.
with

events as (

    select * from {{ ref('fct_email_events') }}

),

campaigns as (

    select
        campaign_id,
        max(campaign_name) as campaign_name
    from events
    group by campaign_id

),

deliveries as (

    select
        email_event_id as delivery_id,
        campaign_id,
        recipient_hash,
        occurred_at as delivered_at,
        event_date as delivery_date
    from events
    where event_type = 'delivered'

),

responses as (

    -- each open and click with the delivery it answers
    select
        events.email_event_id,
        events.event_type,
        events.is_machine_open,
        deliveries.delivery_id
    from events
    inner join deliveries
        on
            events.campaign_id = deliveries.campaign_id
            and events.recipient_hash = deliveries.recipient_hash
            and events.occurred_at >= deliveries.delivered_at
    where events.event_type in ('open', 'click')
    qualify row_number() over (
        partition by events.email_event_id
        order by deliveries.delivered_at desc, deliveries.delivery_id desc
    ) = 1

),

per_delivery as (

    select
        delivery_id,
        max(case when event_type = 'open' and not is_machine_open then 1 else 0 end)
            as opened_by_person,
        max(case when event_type = 'open' and is_machine_open then 1 else 0 end)
            as opened_by_machine,
        max(case when event_type = 'open' then 1 else 0 end) as opened,
        max(case when event_type = 'click' then 1 else 0 end) as clicked
    from responses
    group by delivery_id

),

delivered as (

    select
        deliveries.delivery_date as date_day,
        deliveries.campaign_id,
        count(*) as delivered,
        sum(coalesce(per_delivery.opened_by_person, 0)) as unique_opens,
        sum(coalesce(per_delivery.opened_by_machine, 0)) as machine_opened,
        sum(coalesce(per_delivery.opened, 0)) as unique_opens_with_machine,
        sum(coalesce(per_delivery.clicked, 0)) as unique_clicks
    from deliveries
    left join per_delivery on deliveries.delivery_id = per_delivery.delivery_id
    group by deliveries.delivery_date, deliveries.campaign_id

),

sent as (

    select
        event_date as date_day,
        campaign_id,
        sum(case when event_type = 'send' then 1 else 0 end) as sends,
        sum(case when event_type = 'bounce' then 1 else 0 end) as bounces
    from events
    where event_type in ('send', 'bounce')
    group by event_date, campaign_id

),

campaign_days as (

    select
        date_day,
        campaign_id
    from delivered
    union
    select
        date_day,
        campaign_id
    from sent

)

select
    -- ids
    {{ surrogate_key(['campaign_days.date_day', 'campaign_days.campaign_id']) }}
        as campaign_day_id,
    campaign_days.date_day,
    campaign_days.campaign_id,
    campaigns.campaign_name,

    -- messages (additive)
    cast(coalesce(sent.sends, 0) as {{ dbt.type_bigint() }}) as sends,
    cast(coalesce(sent.bounces, 0) as {{ dbt.type_bigint() }}) as bounces,
    cast(coalesce(delivered.delivered, 0) as {{ dbt.type_bigint() }}) as delivered,
    cast(coalesce(delivered.unique_opens, 0) as {{ dbt.type_bigint() }}) as unique_opens,
    cast(coalesce(delivered.machine_opened, 0) as {{ dbt.type_bigint() }}) as machine_opened,
    cast(coalesce(delivered.unique_opens_with_machine, 0) as {{ dbt.type_bigint() }})
        as unique_opens_with_machine,
    cast(coalesce(delivered.unique_clicks, 0) as {{ dbt.type_bigint() }}) as unique_clicks,

    -- ratios of the parts above
    cast(delivered.unique_opens as {{ type_double() }}) / nullif(delivered.delivered, 0)
        as open_rate,
    cast(delivered.unique_opens_with_machine as {{ type_double() }})
    / nullif(delivered.delivered, 0) as open_rate_with_machine,
    cast(delivered.unique_clicks as {{ type_double() }}) / nullif(delivered.delivered, 0)
        as click_rate

from campaign_days
inner join campaigns on campaign_days.campaign_id = campaigns.campaign_id
left join delivered
    on
        campaign_days.date_day = delivered.date_day
        and campaign_days.campaign_id = delivered.campaign_id
left join sent
    on
        campaign_days.date_day = sent.date_day
        and campaign_days.campaign_id = sent.campaign_id
