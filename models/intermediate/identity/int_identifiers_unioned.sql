-- union branches: only the first branch's aliases name columns
-- noqa: disable=AL03
-- Every identifier value any export showed, once, with when it was first and last seen:
-- the nodes of the identity graph (including values that never linked to anything, such as
-- an anonymous cookie or an address that only received newsletters).
with

links as (

    select * from {{ ref('int_identity_links_unioned') }}

),

observations as (

    select
        type_a as identifier_type,
        value_a as identifier_value,
        first_seen_at,
        last_seen_at
    from links
    union all
    select
        type_b,
        value_b,
        first_seen_at,
        last_seen_at
    from links
    union all
    select
        'cookie',
        cookie_id,
        min(first_seen_at),
        max(last_seen_at)
    from {{ ref('int_web_identifiers_daily') }}
    group by cookie_id
    union all
    select
        'email',
        email,
        min(occurred_at),
        max(occurred_at)
    from {{ ref('stg_email__events') }}
    where email is not null
    group by email
    union all
    select
        'order_ref',
        order_name,
        min(created_at),
        max(created_at)
    from {{ ref('stg_shop__order_lines') }}
    group by order_name
    union all
    select
        'order_ref',
        receipt_number,
        min(sold_at),
        max(sold_at)
    from {{ ref('stg_pos__receipt_lines') }}
    group by receipt_number

)

select
    identifier_type,
    identifier_value,
    identifier_type || ':' || identifier_value as identifier_id,
    min(first_seen_at) as first_seen_at,
    max(last_seen_at) as last_seen_at
from observations
where identifier_value is not null
group by identifier_type, identifier_value
