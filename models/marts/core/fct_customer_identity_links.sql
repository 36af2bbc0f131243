-- Why is this one person? Every link that joined a customer's identifiers, with the record
-- that showed them together (an order, a receipt, a CRM contact, a ticket, a ledger entry,
-- or a login, whose reference is hashed because it names a browser and an account).
with

edges as (

    select * from {{ ref('int_identity_edges_guarded') }}
    where dropped_reason is null

),

identifiers as (

    -- a kept link joins two identifiers of one cluster, so both have the customer or neither
    select * from {{ ref('int_identifiers_resolved') }}
    where customer_key is not null

)

select
    edges.link_id,
    side_a.customer_key,
    side_a.identifier_type as identifier_type_a,
    side_a.identifier_hash as identifier_hash_a,
    side_b.identifier_type as identifier_type_b,
    side_b.identifier_hash as identifier_hash_b,
    edges.link_source,
    edges.link_kind,
    case
        when edges.link_kind = 'login' then {{ hash_identifier('edges.example_record') }}
        else edges.example_record
    end as evidence_record,
    edges.records,
    edges.first_seen_at,
    edges.last_seen_at
from edges
inner join identifiers as side_a on edges.identifier_id_a = side_a.identifier_id
inner join identifiers as side_b on edges.identifier_id_b = side_b.identifier_id
