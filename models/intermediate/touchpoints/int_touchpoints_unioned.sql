-- `source` names the export, as in fct_touchpoints
-- noqa: disable=RF04
{{
    config(
        materialized='incremental',
        unique_key='touchpoint_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        pre_hook="{{ delete_window('touchpoint_date') }}",
        tags=['chunked'],
    )
}}

-- Every interaction from every source, one row each, with the identifier its customer is
-- resolved through (no customer keys here: they change as identity learns; fct_touchpoints
-- resolves and re-keys). Types and their journey phases: seeds/touchpoint_phases.csv.
--
-- Incremental: the window's dates are rebuilt whole (pre-hook), and so is every touchpoint
-- of a record delivered in the window (an order collected days after it was placed, a
-- ticket solved later): `delivered_on` is the delivery date of the record version a
-- touchpoint was built from, so fct_touchpoints can pick up the same rows.
with

sessions as (

    select * from {{ ref('int_web_sessions_built') }}
    {% if is_incremental() -%}
        -- an event early on a window day can belong to a session begun the day before
        where {{ in_window('session_start_date', days_before=1) }}
    {%- endif %}

),

purchase_sessions as (

    -- the session an online order was placed in (its purchase event names the order)
    select
        order_id,
        session_id
    from {{ ref('int_web_sessions_built') }}
    where order_id is not null
    qualify row_number() over (partition by order_id order by session_start_at, session_id) = 1

),

web_events as (

    select * from {{ ref('stg_web__events') }}
    where
        {% if is_incremental() -%}
            {{ in_window('event_date') }} and
        {% endif -%}
        event_name in (
            'view_item', 'search', 'store_locator_search', 'sign_up', 'login', 'add_to_cart',
            'begin_checkout'
        )

),

shop_lines as (

    select * from {{ ref('stg_shop__order_lines') }}

),

receipt_lines as (

    select * from {{ ref('stg_pos__receipt_lines') }}

),

tickets as (

    select * from {{ ref('stg_service__tickets') }}

),

ledger as (

    select * from {{ ref('stg_loyalty__ledger_entries') }}

),

email_events as (

    select * from {{ ref('stg_email__events') }}
    where event_type = 'click' or (event_type = 'open' and not is_machine_open)

),

ad_stats as (

    select * from {{ ref('stg_ads__campaign_stats') }}
    where clicks > 0

),

channels as (

    select * from {{ ref('channels') }}

),

-- web and app ------------------------------------------------------------------------------

session_touches as (

    -- one touch per session: a click on an ad (the session's channel group is a paid one),
    -- a new visitor's first visit, or a visit
    select
        'web' as source,
        case
            when ad_channel is not null then 'ad_click'
            when is_new_visitor then 'first_visit'
            else 'visit'
        end as touchpoint_type,
        session_id as record_id,
        coalesce(ad_channel, case when platform = 'WEB' then 'web' else 'app' end) as channel,
        session_start_at as occurred_at,
        session_start_date as touchpoint_date,
        'web_account:' || web_account_id as account_identifier_id,
        'cookie:' || cookie_id as visitor_id,
        session_id,
        order_id,
        cast(null as {{ dbt.type_string() }}) as store_id,
        session_campaign as campaign_name,
        cast(null as {{ dbt.type_numeric() }}) as revenue,
        1 as interactions,
        session_start_date as delivered_on
    from sessions
    {% if is_incremental() -%}
        where {{ in_window('session_start_date') }}
    {%- endif %}

),

event_touches as (

    select
        'web' as source,
        case web_events.event_name
            when 'view_item' then 'product_view'
            when 'search' then 'site_search'
            else web_events.event_name
        end as touchpoint_type,
        web_events.event_id as record_id,
        case when web_events.platform = 'WEB' then 'web' else 'app' end as channel,
        web_events.occurred_at,
        web_events.event_date as touchpoint_date,
        'web_account:' || web_events.web_account_id as account_identifier_id,
        'cookie:' || web_events.cookie_id as visitor_id,
        sessions.session_id,
        cast(null as {{ dbt.type_string() }}) as order_id,
        nullif(trim(web_events.locator_store_id), '') as store_id,
        sessions.session_campaign as campaign_name,
        cast(null as {{ dbt.type_numeric() }}) as revenue,
        1 as interactions,
        web_events._partition_date as delivered_on
    from web_events
    left join sessions
        on
            web_events.cookie_id = sessions.cookie_id
            and web_events.occurred_at >= sessions.session_start_at
            and web_events.occurred_at <= sessions.session_end_at

),

-- web shop ---------------------------------------------------------------------------------

shop_orders as (

    select
        order_name,
        max(order_source) as order_source,
        max(case when is_return_order then 1 else 0 end) = 1 as is_return_order,
        max(return_reference) as return_reference,
        max(case when is_click_collect then 1 else 0 end) = 1 as is_click_collect,
        max(pickup_store_id) as pickup_store_id,
        min(created_at) as created_at,
        max(delivered_at) as delivered_at,
        max(order_subtotal) - max(order_discount) as merchandise,
        sum(quantity * unit_price) as line_value,
        max(_partition_date) as delivered_on
    from shop_lines
    group by order_name

),

shop_orders_in_scope as (

    select * from shop_orders
    {% if is_incremental() -%}
        where
            {{ in_window_local('created_at') }}
            or {{ in_window_local('delivered_at') }}
            or {{ in_window('delivered_on') }}
    {%- endif %}

),

shop_touches as (

    -- the order (a returns-portal parcel is a return), and its pickup or home delivery
    select
        'shop' as source,
        case when shop_orders.is_return_order then 'return' else 'order' end as touchpoint_type,
        shop_orders.order_name as record_id,
        case when shop_orders.is_return_order then 'web' else shop_orders.order_source end
            as channel,
        shop_orders.created_at as occurred_at,
        {{ local_date('shop_orders.created_at') }} as touchpoint_date,
        'order_ref:' || shop_orders.order_name as account_identifier_id,
        cast(null as {{ dbt.type_string() }}) as visitor_id,
        purchase_sessions.session_id,
        case
            when shop_orders.is_return_order then shop_orders.return_reference
            else shop_orders.order_name
        end as order_id,
        cast(null as {{ dbt.type_string() }}) as store_id,
        cast(null as {{ dbt.type_string() }}) as campaign_name,
        case
            when shop_orders.is_return_order then shop_orders.line_value
            else shop_orders.merchandise
        end as revenue,
        1 as interactions,
        shop_orders.delivered_on
    from shop_orders_in_scope as shop_orders
    left join purchase_sessions on shop_orders.order_name = purchase_sessions.order_id
    union all
    select
        'shop' as source,
        case when is_click_collect then 'click_collect_pickup' else 'home_delivery' end
            as touchpoint_type,
        order_name as record_id,
        case when is_click_collect then 'store' else order_source end as channel,
        delivered_at as occurred_at,
        {{ local_date('delivered_at') }} as touchpoint_date,
        'order_ref:' || order_name as account_identifier_id,
        cast(null as {{ dbt.type_string() }}) as visitor_id,
        cast(null as {{ dbt.type_string() }}) as session_id,
        order_name as order_id,
        case when is_click_collect then pickup_store_id end as store_id,
        cast(null as {{ dbt.type_string() }}) as campaign_name,
        cast(null as {{ dbt.type_numeric() }}) as revenue,
        1 as interactions,
        delivered_on
    from shop_orders_in_scope
    where delivered_at is not null and not is_return_order

),

-- stores -----------------------------------------------------------------------------------

receipts as (

    -- a receipt's sale lines are a store purchase, its return lines a return
    select
        receipt_number,
        line_type,
        max(store_id) as store_id,
        max(original_reference) as original_reference,
        min(sold_at) as sold_at,
        sum(amount) as amount,
        max(_partition_date) as delivered_on
    from receipt_lines
    group by receipt_number, line_type

),

store_touches as (

    select
        'pos' as source,
        case when line_type = 'sale' then 'store_purchase' else 'return' end as touchpoint_type,
        receipt_number as record_id,
        'store' as channel,
        sold_at as occurred_at,
        {{ local_date('sold_at') }} as touchpoint_date,
        'order_ref:' || receipt_number as account_identifier_id,
        cast(null as {{ dbt.type_string() }}) as visitor_id,
        cast(null as {{ dbt.type_string() }}) as session_id,
        case when line_type = 'sale' then receipt_number else original_reference end as order_id,
        store_id,
        cast(null as {{ dbt.type_string() }}) as campaign_name,
        amount as revenue,
        1 as interactions,
        delivered_on
    from receipts
    {% if is_incremental() -%}
        where {{ in_window_local('sold_at') }} or {{ in_window('delivered_on') }}
    {%- endif %}

),

-- customer service -------------------------------------------------------------------------

ticket_touches as (

    select
        'service' as source,
        case
            when reason in ('product_advice', 'stock_question') then 'advice_contact'
            else 'service_contact'
        end as touchpoint_type,
        cast(ticket_id as {{ dbt.type_string() }}) as record_id,
        channel,
        created_at as occurred_at,
        {{ local_date('created_at') }} as touchpoint_date,
        'ticket:' || cast(ticket_id as {{ dbt.type_string() }}) as account_identifier_id,
        cast(null as {{ dbt.type_string() }}) as visitor_id,
        cast(null as {{ dbt.type_string() }}) as session_id,
        order_reference as order_id,
        cast(null as {{ dbt.type_string() }}) as store_id,
        cast(null as {{ dbt.type_string() }}) as campaign_name,
        cast(null as {{ dbt.type_numeric() }}) as revenue,
        1 as interactions,
        _partition_date as delivered_on
    from tickets
    {% if is_incremental() -%}
        where {{ in_window_local('created_at') }} or {{ in_window('_partition_date') }}
    {%- endif %}

),

-- loyalty ----------------------------------------------------------------------------------

ledger_touches as (

    select
        'loyalty' as source,
        case reason
            when 'earn' then 'points_earned'
            when 'redeem' then 'points_redeemed'
            when 'bonus' then 'points_bonus'
            when 'expire' then 'points_expired'
        end as touchpoint_type,
        ledger_entry_id as record_id,
        channel,
        occurred_at,
        {{ local_date('occurred_at') }} as touchpoint_date,
        'member_id:' || loyalty_member_id as account_identifier_id,
        cast(null as {{ dbt.type_string() }}) as visitor_id,
        cast(null as {{ dbt.type_string() }}) as session_id,
        case when reason in ('earn', 'redeem') then reference end as order_id,
        cast(null as {{ dbt.type_string() }}) as store_id,
        case when reason not in ('earn', 'redeem') then reference end as campaign_name,
        cast(null as {{ dbt.type_numeric() }}) as revenue,
        1 as interactions,
        _partition_date as delivered_on
    from ledger
    {% if is_incremental() -%}
        where {{ in_window_local('occurred_at') }} or {{ in_window('_partition_date') }}
    {%- endif %}

),

-- e-mail -----------------------------------------------------------------------------------

email_touches as (

    select
        'email' as source,
        'email_' || event_type as touchpoint_type,
        email_event_id as record_id,
        'email' as channel,
        occurred_at,
        {{ local_date('occurred_at') }} as touchpoint_date,
        'email:' || email as account_identifier_id,
        cast(null as {{ dbt.type_string() }}) as visitor_id,
        cast(null as {{ dbt.type_string() }}) as session_id,
        cast(null as {{ dbt.type_string() }}) as order_id,
        cast(null as {{ dbt.type_string() }}) as store_id,
        campaign_name,
        cast(null as {{ dbt.type_numeric() }}) as revenue,
        1 as interactions,
        _partition_date as delivered_on
    from email_events
    {% if is_incremental() -%}
        where {{ in_window_local('occurred_at') }} or {{ in_window('_partition_date') }}
    {%- endif %}

),

-- paid media (campaign level: the platforms do not say who clicked) ------------------------

ad_touches as (

    select
        'ads' as source,
        'ad_campaign_clicks' as touchpoint_type,
        ad_stats.campaign_day_id as record_id,
        channels.channel,
        {{ local_day_start_utc('ad_stats.stat_date') }} as occurred_at,
        ad_stats.stat_date as touchpoint_date,
        cast(null as {{ dbt.type_string() }}) as account_identifier_id,
        cast(null as {{ dbt.type_string() }}) as visitor_id,
        cast(null as {{ dbt.type_string() }}) as session_id,
        cast(null as {{ dbt.type_string() }}) as order_id,
        cast(null as {{ dbt.type_string() }}) as store_id,
        ad_stats.campaign_name,
        cast(null as {{ dbt.type_numeric() }}) as revenue,
        ad_stats.clicks as interactions,
        ad_stats._partition_date as delivered_on
    from ad_stats
    left join channels on ad_stats.platform = channels.ad_platform
    {% if is_incremental() -%}
        where {{ in_window('ad_stats.stat_date') }} or {{ in_window('ad_stats._partition_date') }}
    {%- endif %}

),

unioned as (

    select * from session_touches
    union all
    select * from event_touches
    union all
    select * from shop_touches
    union all
    select * from store_touches
    union all
    select * from ticket_touches
    union all
    select * from ledger_touches
    union all
    select * from email_touches
    union all
    select * from ad_touches

)

select
    -- ids: a contact's type follows its reason, which a later version of the ticket may
    -- change, so the id names the ticket, not the type
    {{ surrogate_key([
        'source',
        "case when source = 'service' then 'contact' else touchpoint_type end",
        'record_id',
    ]) }} as touchpoint_id,
    source,
    touchpoint_type,
    record_id,

    -- who: the identifier the customer is resolved through (a web event's account if it has
    -- one, else its cookie) and, for web and app, the cookie
    coalesce(account_identifier_id, visitor_id) as identifier_id,
    visitor_id,

    -- where and when
    channel,
    occurred_at,
    touchpoint_date,

    -- context
    session_id,
    order_id,
    store_id,
    campaign_name,
    cast(revenue as decimal(18, 2)) as revenue,
    cast(interactions as {{ dbt.type_bigint() }}) as interactions,

    -- lineage
    delivered_on

from unioned
