-- One row per customer: when we first saw them, what they bought where, how they can be
-- reached, which identifiers make them up, and their latest CRM consents.
with

identifiers as (

    select * from {{ ref('int_identifiers_resolved') }}
    where customer_key is not null

),

orders as (

    select * from {{ ref('fct_orders') }}
    where customer_key is not null

),

touchpoints as (

    select * from {{ ref('fct_touchpoints') }}
    where customer_key is not null

),

contacts as (

    select * from {{ ref('fct_service_contacts') }}
    where customer_key is not null

),

crm_now as (

    -- the current version of each CRM contact (dbt snapshot), with its customer
    select
        identifiers.customer_key,
        crm_versions.email_opt_in,
        crm_versions.sms_opt_in,
        crm_versions.preferred_store_id,
        crm_versions.last_modified_at
    from {{ ref('crm_contacts_snapshot') }} as crm_versions
    inner join identifiers on identifiers.identifier_id = 'crm_id:' || crm_versions.contact_id
    where crm_versions.dbt_valid_to is null

),

consents as (

    -- a customer with several CRM contacts takes the most recently changed one
    select
        customer_key,
        email_opt_in,
        sms_opt_in,
        preferred_store_id
    from crm_now
    qualify row_number() over (
        partition by customer_key order by last_modified_at desc
    ) = 1

),

identity as (

    select
        customer_key,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at,
        sum(case when identifier_type = 'email' then 1 else 0 end) as email_count,
        sum(case when identifier_type = 'phone' then 1 else 0 end) as phone_count,
        sum(case when identifier_type = 'card' then 1 else 0 end) as loyalty_card_count,
        sum(case when identifier_type = 'member_id' then 1 else 0 end) as loyalty_member_count,
        sum(case when identifier_type = 'crm_id' then 1 else 0 end) as crm_contact_count,
        sum(case when identifier_type = 'web_account' then 1 else 0 end) as web_account_count,
        sum(case when identifier_type = 'cookie' then 1 else 0 end) as cookie_count
    from identifiers
    group by customer_key

),

purchases as (

    select
        customer_key,
        min(ordered_at) as first_purchase_at,
        max(ordered_at) as last_purchase_at,
        count(*) as lifetime_orders,
        sum(gross_revenue) as lifetime_gross_revenue,
        sum(net_revenue) as lifetime_net_revenue,
        count(distinct channel) as purchase_channel_count
    from orders
    group by customer_key

),

home_stores as (

    -- where the customer buys most in store (most recent purchase breaks ties)
    select
        customer_key,
        store_id
    from orders
    where channel = 'store'
    group by customer_key, store_id
    qualify row_number() over (
        partition by customer_key order by count(*) desc, max(ordered_at) desc, store_id asc
    ) = 1

),

customer_channels as (

    select distinct
        customer_key,
        channel
    from touchpoints
    where channel <> 'system'

),

channels_used as (

    select
        customer_key,
        {{ dbt.listagg('channel', "','", 'order by channel') }} as channels_used,
        count(*) as channels_used_count
    from customer_channels
    group by customer_key

),

contact_preference as (

    -- the channel the customer chooses most when they get in touch with service
    select
        customer_key,
        channel
    from contacts
    group by customer_key, channel
    qualify row_number() over (
        partition by customer_key order by count(*) desc, max(created_at) desc, channel asc
    ) = 1

)

select
    identity.customer_key,
    identity.first_seen_at,
    identity.last_seen_at,
    purchases.first_purchase_at,
    purchases.last_purchase_at,
    channels_used.channels_used,
    identity.email_count,
    identity.phone_count,
    identity.loyalty_card_count,
    identity.loyalty_member_count,
    identity.crm_contact_count,
    identity.web_account_count,
    identity.cookie_count,
    consents.email_opt_in,
    consents.sms_opt_in,
    coalesce(purchases.lifetime_orders, 0) as lifetime_orders,
    coalesce(purchases.lifetime_gross_revenue, 0) as lifetime_gross_revenue,
    coalesce(purchases.lifetime_net_revenue, 0) as lifetime_net_revenue,
    coalesce(purchases.purchase_channel_count, 0) as purchase_channel_count,
    coalesce(channels_used.channels_used_count, 0) as channels_used_count,
    identity.web_account_count > 0 as is_registered,
    -- registered: has a web-shop account; identified: known by card, e-mail or phone only
    case when identity.web_account_count > 0 then 'registered' else 'identified' end
        as registration_status,
    identity.loyalty_card_count + identity.loyalty_member_count > 0 as is_loyalty_member,
    case
        when contact_preference.channel is not null then contact_preference.channel
        when consents.email_opt_in then 'email'
        when consents.sms_opt_in then 'sms'
    end as preferred_contact_channel,
    coalesce(consents.preferred_store_id, home_stores.store_id) as home_store_id
from identity
left join purchases on identity.customer_key = purchases.customer_key
left join channels_used on identity.customer_key = channels_used.customer_key
left join consents on identity.customer_key = consents.customer_key
left join home_stores on identity.customer_key = home_stores.customer_key
left join contact_preference on identity.customer_key = contact_preference.customer_key
