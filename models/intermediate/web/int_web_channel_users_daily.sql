{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_window('date_day') }}",
    )
}}

-- Distinct visitors per day and channel (web, app), and those of them who purchased: as
-- int_web_users_daily (which says why these are counted incrementally), per channel.
with

sessions as (

    select * from {{ ref('fct_web_sessions') }}
    {% if is_incremental() -%}
        where {{ in_window('session_start_date') }}
    {%- endif %}

)

select
    {{ surrogate_key(['session_start_date', 'channel']) }} as channel_day_id,
    session_start_date as date_day,
    channel,
    count(distinct visitor_hash) as users,  -- noqa: RF04
    count(distinct case when purchase_count > 0 then visitor_hash end) as purchasing_users
from sessions
group by session_start_date, channel
