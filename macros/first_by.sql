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

{#- Several values of the row that sorts first, as one struct (`fields`: a list of
    (name, value) pairs); read them with struct_field(). One comparison of the order per row
    instead of one per value: six first_by() on the same order, with their values transformed
    on every row, cost the session aggregate twice its time (docs/benchmarks.md). -#}
{% macro first_row(fields, order_by, where=none) -%}
    {{ return(adapter.dispatch('first_row', 'omnikpi')(fields, order_by, where)) }}
{%- endmacro %}

{% macro duckdb__first_row(fields, order_by, where) -%}
    {%- set packed -%}
        struct_pack({% for name, value in fields %}{{ name }} := {{ value }}{{ ', ' if not loop.last }}{% endfor %})
    {%- endset -%}
    {{ duckdb__first_by(packed, order_by, where) }}
{%- endmacro %}

{% macro default__first_row(fields, order_by, where) -%}
    {%- set packed -%}
        struct({% for name, value in fields %}{{ value }} as {{ name }}{{ ', ' if not loop.last }}{% endfor %})
    {%- endset -%}
    {{ default__first_by(packed, order_by, where) }}
{%- endmacro %}

{#- A field of a struct column (first_row's result). -#}
{% macro struct_field(column, name) -%}
    {{ return(adapter.dispatch('struct_field', 'omnikpi')(column, name)) }}
{%- endmacro %}

{% macro default__struct_field(column, name) -%}
    {{ column }}.{{ name }}
{%- endmacro %}
