{{
    config(
        materialized='incremental',
        unique_key='session_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        pre_hook="{{ delete_window('session_start_date') }}",
    )
}}

-- depends_on: {{ ref('int_customer_keys_changed') }}

-- Web and app sessions (30-minute inactivity rule, int_web_sessions_built) with their
-- customer and visitor. Incremental: the window's dates, plus sessions whose account's or
-- cookie's customer changed within the window (re-keyed).
with

sessions as (

    select * from {{ ref('int_web_sessions_built') }}

),

identifiers as (

    -- only identifiers with a customer: the joins below are left joins for the key
    select
        identifier_id,
        customer_key
    from {{ ref('int_identifiers_resolved') }}
    where customer_key is not null

){% if is_incremental() %},

changed_identifiers as (

    select distinct identifier_id
    from {{ ref('int_customer_keys_changed') }}
    where {{ in_window('changed_for') }}

),

changed_accounts as (

    -- the changed ids as the sessions' own values: looking up a session's column costs
    -- less than prefixing every session's ids to look them up (two string copies each)
    select
        {{ dbt.right('identifier_id', dbt.length('identifier_id') ~ ' - ' ~ 'web_account:' | length) }}
            as web_account_id
    from changed_identifiers
    where {{ dbt.split_part('identifier_id', "':'", 1) }} = 'web_account'

),

changed_cookies as (

    select
        {{ dbt.right('identifier_id', dbt.length('identifier_id') ~ ' - ' ~ 'cookie:' | length) }}
            as cookie_id
    from changed_identifiers
    where {{ dbt.split_part('identifier_id', "':'", 1) }} = 'cookie'

){% endif %},

in_scope as (

    select
        *,
        'web_account:' || web_account_id as account_identifier_id,
        'cookie:' || cookie_id as visitor_identifier_id
    from sessions
    {% if is_incremental() -%}
        where
            {{ in_window('session_start_date') }}
            or web_account_id in (select changed_accounts.web_account_id from changed_accounts)
            or cookie_id in (select changed_cookies.cookie_id from changed_cookies)
    {%- endif %}

)

select
    -- ids
    in_scope.session_id,
    -- the account's customer, else the cookie's (null: an anonymous or shared device)
    coalesce(by_account.customer_key, by_visitor.customer_key) as customer_key,
    {{ hash_identifier('in_scope.visitor_identifier_id') }} as visitor_hash,
    in_scope.order_id,

    -- device
    in_scope.platform,
    case when in_scope.platform = 'WEB' then 'web' else 'app' end as channel,
    in_scope.device_category,

    -- traffic
    in_scope.default_channel_group,
    in_scope.session_source,
    in_scope.session_medium,
    in_scope.session_campaign,
    in_scope.has_gclid,
    in_scope.landing_page,

    -- timestamps
    in_scope.session_start_at,
    in_scope.session_end_at,
    in_scope.session_start_date,
    in_scope.duration_seconds,

    -- engagement
    in_scope.is_engaged,
    in_scope.is_new_visitor,
    in_scope.event_count,
    in_scope.page_view_count,
    in_scope.engagement_time_msec,
    in_scope.view_item_count,
    in_scope.add_to_cart_count,
    in_scope.begin_checkout_count,
    in_scope.purchase_count,
    in_scope.search_count,
    in_scope.store_locator_search_count,

    -- when the run that last rebuilt the row started (the publish copies newer rows only)
    {{ built_at() }} as _built_at

from in_scope
left join identifiers as by_account on in_scope.account_identifier_id = by_account.identifier_id
left join identifiers as by_visitor on in_scope.visitor_identifier_id = by_visitor.identifier_id
