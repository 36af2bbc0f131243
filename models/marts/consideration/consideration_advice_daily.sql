-- Advice contacts per day and contact channel: service contacts before a purchase (product
-- advice and stock questions; fct_service_contacts.contact_type = 'advice') in the store, by
-- phone, chat, e-mail, WhatsApp or social messaging.
with

contacts as (

    select * from {{ ref('fct_service_contacts') }}
    where contact_type = 'advice'

),

per_channel as (

    select
        contact_date as date_day,
        channel,
        count(*) as advice_contacts,
        sum(case when reason = 'product_advice' then 1 else 0 end) as product_advice_contacts,
        sum(case when reason = 'stock_question' then 1 else 0 end) as stock_question_contacts
    from contacts
    group by contact_date, channel

)

select
    -- ids
    {{ surrogate_key(['date_day', 'channel']) }} as channel_day_id,
    date_day,
    channel,

    -- counts (additive)
    cast(advice_contacts as {{ dbt.type_bigint() }}) as advice_contacts,
    cast(product_advice_contacts as {{ dbt.type_bigint() }}) as product_advice_contacts,
    cast(stock_question_contacts as {{ dbt.type_bigint() }}) as stock_question_contacts

from per_channel
