{#- The fct_attribution credit column of the attribution model var('attribution_model')
    names (first, last, linear, position_based or time_decay): ROAS and CPA credit orders
    with it. Any other value stops the build. -#}
{% macro attribution_credit_column() -%}
    {%- set models = ['first', 'last', 'linear', 'position_based', 'time_decay'] -%}
    {%- set model = var('attribution_model') -%}
    {%- if model not in models -%}
        {{ exceptions.raise_compiler_error(
            "var('attribution_model') is '" ~ model ~ "'; expected one of " ~ models | join(', ')
        ) }}
    {%- endif -%}
    credit_{{ model }}
{%- endmacro %}
