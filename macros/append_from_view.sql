{#- An incremental run of an append model inserts straight from its select.

    dbt-duckdb's incremental materialization builds the run's rows into a temporary table,
    then inserts that table into the target: every row is written twice, and a chunk's
    temporary table (millions of web events) spills past memory_limit. With the append
    strategy the temporary relation is read once, by the insert, so a temporary view of the
    select does the same work in one pass (docs/benchmarks.md, "sixth run": a chunk of web
    events took 47-54 s through the table, 37-40 s straight from the select). The
    delete+insert and merge strategies read the temporary relation twice, and keep the table.

    dbt resolves an adapter macro in the root project before the adapter's own; every case
    but an append run of a SQL model goes to dbt-duckdb's macro unchanged. -#}
{% macro duckdb__create_table_as(
    temporary, relation, compiled_code, language='sql', partitioned_by=none, sorted_by=none
) -%}
    {%- if temporary and is_append_run(language) -%}
        create temporary view {{ relation.include(database=false, schema=false) }} as (
            {{ compiled_code }}
        )
    {%- else -%}
        {{- dbt.duckdb__create_table_as(
            temporary, relation, compiled_code, language,
            partitioned_by=partitioned_by, sorted_by=sorted_by
        ) -}}
    {%- endif -%}
{%- endmacro %}

{% macro is_append_run(language) -%}
    {{- return(
        language == 'sql'
        and model.resource_type == 'model'
        and config.get('materialized') == 'incremental'
        and config.get('incremental_strategy') == 'append'
    ) -}}
{%- endmacro %}
