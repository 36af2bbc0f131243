{#- Identifier normalisation: every channel writes e-mails, phones and cards its own way;
    these macros turn them into one canonical form so the identity graph can match them. -#}

{% macro digits_only(expression) -%}
    {{ return(adapter.dispatch('digits_only', 'omnikpi')(expression)) }}
{%- endmacro %}

{% macro default__digits_only(expression) -%}
    regexp_replace({{ expression }}, '[^0-9]', '', 'g')
{%- endmacro %}

{#- E-mail: trimmed and lower-cased; empty becomes null. -#}
{% macro normalize_email(expression) -%}
    nullif(lower(trim({{ expression }})), '')
{%- endmacro %}

{#- Phone to E.164: `+31 6 1234 5678`, `0031612345678`, `06-12345678` and `0612345678` all
    become `+31612345678`. Numbers without a country code take var('default_phone_country'). -#}
{% macro normalize_phone(expression) -%}
    {%- set digits = digits_only(expression) -%}
    {%- set country = var('default_phone_country') -%}
    case
        when {{ dbt.length(digits) }} < 8 then null
        when trim({{ expression }}) like '+%' then '+' || {{ digits }}
        when {{ digits }} like '00%'
            then '+' || {{ dbt.right(digits, dbt.length(digits) ~ ' - 2') }}
        when {{ digits }} like '0%'
            then '+{{ country }}' || {{ dbt.right(digits, dbt.length(digits) ~ ' - 1') }}
        else '+{{ country }}' || {{ digits }}
    end
{%- endmacro %}

{#- Loyalty cards are printed with spaces and scanned without: keep the digits. -#}
{% macro normalize_card(expression) -%}
    nullif({{ digits_only(expression) }}, '')
{%- endmacro %}

{#- System ids (CRM contact, loyalty member, web account): trimmed, upper-case. -#}
{% macro normalize_code(expression) -%}
    nullif(upper(trim({{ expression }})), '')
{%- endmacro %}

{#- A salted one-way hash: what BI sees instead of an e-mail, phone or card. The salt comes
    from the OMNIKPI_HASH_SALT environment variable (var('identity_hash_salt') by default). -#}
{% macro hash_identifier(expression) -%}
    {%- set salt = env_var('OMNIKPI_HASH_SALT', var('identity_hash_salt')) -%}
    {{ dbt.hash(dbt.concat(["'" ~ salt ~ "'", expression])) }}
{%- endmacro %}
