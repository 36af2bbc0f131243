-- One cluster per person: connected components of the guarded identity graph.
-- The propagation runs on integers, not on the identifiers' text: each identifier is
-- numbered in its sort order, so the smallest number in a component is its smallest
-- identifier, the cluster id. Joining integers is cheaper: 7.4 -> 6.2 s in a size-M daily
-- build (2.6 M identifiers, 1.8 M links, 8 passes).
with

numbered as (

    select
        identifier_id,
        row_number() over (order by identifier_id) as node_id
    from {{ ref('int_identifiers_unioned') }}

),

kept as (

    select
        side_a.node_id as node_a,
        side_b.node_id as node_b
    from {{ ref('int_identity_edges_guarded') }} as edges
    inner join numbered as side_a on edges.identifier_id_a = side_a.identifier_id
    inner join numbered as side_b on edges.identifier_id_b = side_b.identifier_id
    where edges.dropped_reason is null

),

edges as (

    select
        node_a as src,
        node_b as dst
    from kept
    union all
    select
        node_b as src,
        node_a as dst
    from kept

),

labels as (

    {{ connected_components('numbered', 'edges') }}

)

select
    numbered.identifier_id,
    smallest.identifier_id as cluster_id,
    labels.pass as converged_at_pass
from labels
inner join numbered on labels.node_id = numbered.node_id
inner join numbered as smallest on labels.label = smallest.node_id
