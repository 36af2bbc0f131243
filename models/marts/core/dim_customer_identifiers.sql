-- Which identifiers make up each customer, as salted hashes (no raw values reach BI).
select
    identifier_hash,
    identifier_type,
    customer_key,
    first_seen_at,
    last_seen_at
from {{ ref('int_identifiers_resolved') }}
where
    customer_key is not null
    and identifier_type in (
        'email', 'phone', 'card', 'member_id', 'crm_id', 'web_account', 'cookie'
    )
