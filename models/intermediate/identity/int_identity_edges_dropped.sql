-- Audit: every link the guards dropped, and why.
select
    link_id,
    identifier_id_a,
    identifier_id_b,
    type_a,
    type_b,
    link_source,
    link_kind,
    records,
    dropped_reason
from {{ ref('int_identity_edges_guarded') }}
where dropped_reason is not null
