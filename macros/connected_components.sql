{#- Connected components by minimum-label propagation, run to convergence: every node takes
    the smallest label among itself and its neighbours until nothing changes. Only nodes whose
    label changed in a pass propagate in the next, so each pass shrinks; passes needed = the
    largest component's diameter.
    `nodes`: a relation with node_id; `edges`: a relation with src, dst in both directions.
    Returns node_id, label, and pass: the pass in which the node took its final label (the
    largest is the number of passes the propagation needed). -#}
{% macro connected_components(nodes, edges) -%}
    {{ return(adapter.dispatch('connected_components', 'omnikpi')(nodes, edges)) }}
{%- endmacro %}

{% macro duckdb__connected_components(nodes, edges) -%}
    {#- USING KEY keeps one row per node (the latest label); recurring.labels is the whole
        current labelling, while labels alone is just the last pass's changes. -#}
    with recursive labels (node_id, label, pass) using key (node_id) as (
        select node_id, node_id, 0 from {{ nodes }}
        union
        select edges.dst, min(changed.label), max(changed.pass) + 1
        from labels as changed
        inner join {{ edges }} as edges on changed.node_id = edges.src
        inner join recurring.labels as current_labels on edges.dst = current_labels.node_id
        group by edges.dst, current_labels.label
        having min(changed.label) < current_labels.label
    )

    select node_id, label, pass from labels
{%- endmacro %}

{% macro default__connected_components(nodes, edges) -%}
    {{ exceptions.raise_compiler_error(
        "connected_components has no implementation for the " ~ adapter.type()
        ~ " adapter yet: add " ~ adapter.type() ~ "__connected_components in macros/"
    ) }}
{%- endmacro %}
