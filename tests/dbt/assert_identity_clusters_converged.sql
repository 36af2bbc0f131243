{{ config(meta={'dagster': {'ref': {'name': 'int_identity_clusters'}}}) }}

-- Minimum-label propagation has converged: no identifier has a neighbour (over the edges
-- kept) with another label. Returns the offending edges; none is the pass.
with

clusters as (

    select * from {{ ref('int_identity_clusters') }}

),

kept as (

    select * from {{ ref('int_identity_edges_guarded') }}
    where dropped_reason is null

)

select
    kept.identifier_id_a,
    kept.identifier_id_b,
    cluster_a.cluster_id as cluster_a,
    cluster_b.cluster_id as cluster_b
from kept
inner join clusters as cluster_a on kept.identifier_id_a = cluster_a.identifier_id
inner join clusters as cluster_b on kept.identifier_id_b = cluster_b.identifier_id
where cluster_a.cluster_id <> cluster_b.cluster_id
