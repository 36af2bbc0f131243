{#- After a CTE's `as`: read the CTE where it is used, never store it. DuckDB stores a CTE that
    several parts of a query read, which for a whole chunk of raw web events is gigabytes
    written to memory and disk to save a scan that costs a second. -#}
{% macro inlined_cte() -%}
    {{ return(adapter.dispatch('inlined_cte', 'omnikpi')()) }}
{%- endmacro %}

{% macro duckdb__inlined_cte() -%}
    not materialized
{%- endmacro %}

{% macro default__inlined_cte() -%}
{%- endmacro %}
