-- Service per local day and contact channel: Zendesk's first reply and resolution times
-- (median and p90, not summable), first-contact resolution, repeat contacts, had-to-repeat
-- contacts and CSAT, every ratio beside its additive parts.
--
-- Repeats need the customer: a contact without requester e-mail, phone or order (most chats
-- and walk-ins) belongs to nobody, can never be a repeat and is never followed. FCR and the
-- repeat-contact rate are therefore computed over identified contacts; the rate over all
-- contacts would understate repeats by the anonymous share (docs/service_loyalty_cross_channel.md).
with

contacts as (

    select * from {{ ref('fct_service_contacts') }}

)

select
    -- grain
    {{ surrogate_key(['contact_date', 'channel']) }} as service_channel_day_id,
    contact_date as date_day,
    channel,

    -- volume, reply and resolution times, first-contact resolution (macros/kpi_measures.sql)
    {{ service_contact_measures() }},
    count(customer_key) filter (where not is_followed_within_7d)
    / nullif(count(customer_key), 0) as first_contact_resolution_rate,

    -- repeat contacts and contacts repeated on another channel
    count(*) filter (where is_repeat_contact) as repeat_contacts,
    count(*) filter (where is_repeat_contact)
    / nullif(count(customer_key), 0) as repeat_contact_rate,
    count(*) filter (where is_repeat_on_other_channel) as had_to_repeat_contacts,
    count(*) filter (where is_repeat_on_other_channel)
    / nullif(count(*) filter (where is_repeat_contact), 0) as had_to_repeat_rate,

    -- CSAT: good ratings / rated contacts (good or bad)
    count(*) filter (where satisfaction_score in ('good', 'bad')) as rated_contacts,
    count(*) filter (where satisfaction_score = 'good') as satisfied_contacts,
    count(*) filter (where satisfaction_score = 'good')
    / nullif(count(*) filter (where satisfaction_score in ('good', 'bad')), 0) as csat

from contacts
group by contact_date, channel
