-- Service contacts per local day, contact channel and reason (kpis.md: contacts per day x
-- channel x reason). Advice contacts (product advice, stock questions: before a purchase)
-- belong to the consideration phase, all others to the service phase.
with

contacts as (

    select * from {{ ref('fct_service_contacts') }}

)

select
    -- grain
    {{ surrogate_key(['contact_date', 'channel', 'reason']) }} as service_contact_day_id,
    contact_date as date_day,
    channel,
    reason,

    -- the reason's contact type and journey phase
    contact_type,
    case when contact_type = 'advice' then 'consideration' else 'service' end as journey_phase,

    -- counts
    count(*) as contacts,
    count(customer_key) as identified_contacts

from contacts
group by contact_date, channel, reason, contact_type
