-- ROPO (research online, purchase offline) and receipt identification per local day and
-- store. A store purchase is ROPO when its customer is known and the same customer started
-- a web or app session with a product view or a store-locator search in the
-- var('ropo_window_days') (7) days before it: from exactly 7 x 24 hours before the purchase
-- (inclusive) up to the purchase (exclusive). Only identified purchases can be ROPO: an
-- anonymous receipt has no history to look at.
with

receipts as (

    select
        order_id,
        customer_key,
        store_id,
        ordered_at,
        order_date
    from {{ ref('fct_orders') }}
    where channel = 'store'

),

research_sessions as (

    select
        customer_key,
        session_start_at
    from {{ ref('fct_web_sessions') }}
    where
        customer_key is not null
        and (view_item_count > 0 or store_locator_search_count > 0)

),

ropo as (

    select distinct receipts.order_id
    from receipts
    inner join research_sessions
        on
            receipts.customer_key = research_sessions.customer_key
            and receipts.ordered_at > research_sessions.session_start_at
            and {{ dbt.dateadd('day', -1 * var('ropo_window_days'), 'receipts.ordered_at') }}
            <= research_sessions.session_start_at

)

select
    -- grain
    {{ surrogate_key(['receipts.order_date', 'receipts.store_id']) }} as store_day_id,
    receipts.order_date as date_day,
    receipts.store_id,
    'store' as channel,

    -- receipts and identity
    count(*) as store_purchases,
    count(receipts.customer_key) as identified_store_purchases,
    count(receipts.customer_key) / count(*) as identified_receipt_share,

    -- ROPO
    count(ropo.order_id) as ropo_purchases,
    count(ropo.order_id) / nullif(count(receipts.customer_key), 0) as ropo_rate

from receipts
left join ropo on receipts.order_id = ropo.order_id
group by receipts.order_date, receipts.store_id
