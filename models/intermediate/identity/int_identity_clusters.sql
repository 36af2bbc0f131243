-- One cluster per person: connected components of the guarded identity graph.
with

nodes as (

    select identifier_id as node_id from {{ ref('int_identifiers_unioned') }}

),

kept as (

    select identifier_id_a, identifier_id_b
    from {{ ref('int_identity_edges_guarded') }}
    where dropped_reason is null

),

edges as (

    select identifier_id_a as src, identifier_id_b as dst from kept
    union all
    select identifier_id_b as src, identifier_id_a as dst from kept

),

labels as (

    {{ connected_components('nodes', 'edges') }}

)

select
    node_id as identifier_id,
    label as cluster_id,
    pass as converged_at_pass
from labels
