{#- The value of `value` on the row that sorts first by the expressions in `order_by`, among
    the rows of the group that meet `where` (SQL text, optional); a NULL value is returned
    as it is. An aggregate: where a window's row_number() = 1 would take each group's first
    row, this reads the rows once in the group's hash aggregate, with no sort and no join
    back (docs/benchmarks.md: int_web_sessions_built). Ties on the whole order: any row. -#}
{% macro first_by(value, order_by, where=none) -%}
    {{ return(adapter.dispatch('first_by', 'omnikpi')(value, order_by, where)) }}
{%- endmacro %}

{% macro duckdb__first_by(value, order_by, where) -%}
    arg_min_null({{ value }}, ({{ order_by | join(', ') }}))
    {%- if where %} filter (where {{ where }}){% endif %}
{%- endmacro %}

{% macro default__first_by(value, order_by, where) -%}
    (array_agg({{ value }} order by {{ order_by | join(', ') }})
    {%- if where %} filter (where {{ where }}){% endif %})[1]
{%- endmacro %}
