{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_window('date_day') }}",
    )
}}

-- Distinct web and app visitors per day, and those of them who purchased: the figures of
-- the session marts that are not sums (a visitor on web and app is one user of the day).
-- Counting them takes every (day, visitor) pair, 7.6 M at size M; four marts did so over the
-- whole history in every run. A session's visitor, channel and purchases do not change once
-- its day is built (re-keying changes only its customer), so a run counts the days
-- fct_web_sessions rebuilt: the window's. int_web_channel_users_daily counts per channel.
with

sessions as (

    select * from {{ ref('fct_web_sessions') }}
    {% if is_incremental() -%}
        where {{ in_window('session_start_date') }}
    {%- endif %}

)

select
    session_start_date as date_day,
    count(distinct visitor_hash) as users,  -- noqa: RF04
    count(distinct case when purchase_count > 0 then visitor_hash end) as purchasing_users
from sessions
group by session_start_date
