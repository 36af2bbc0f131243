{#- Use the configured schema name as is (staging, marts...) rather than dbt's
    default <target_schema>_<custom_schema>: the build database is ours alone. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
