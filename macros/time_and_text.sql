{#- Local time: every timestamp is stored in UTC; days are reporting days in
    var('reporting_timezone') (Europe/Amsterdam, the GA4 property's and the tills' zone). -#}

{#- The local wall-clock time of a UTC timestamp (without time zone). -#}
{% macro to_local_time(utc_timestamp) -%}
    {{ return(adapter.dispatch('to_local_time', 'omnikpi')(utc_timestamp)) }}
{%- endmacro %}

{% macro duckdb__to_local_time(utc_timestamp) -%}
    timezone('{{ var("reporting_timezone") }}', timezone('UTC', {{ utc_timestamp }}))
{%- endmacro %}

{% macro default__to_local_time(utc_timestamp) -%}
    convert_timezone('UTC', '{{ var("reporting_timezone") }}', {{ utc_timestamp }})
{%- endmacro %}

{#- The reporting day of a UTC timestamp. -#}
{% macro local_date(utc_timestamp) -%}
    cast({{ to_local_time(utc_timestamp) }} as date)
{%- endmacro %}

{#- The UTC instant at which a reporting day starts (for day-level records). -#}
{% macro local_day_start_utc(day) -%}
    {{ return(adapter.dispatch('local_day_start_utc', 'omnikpi')(day)) }}
{%- endmacro %}

{% macro duckdb__local_day_start_utc(day) -%}
    timezone('UTC', timezone('{{ var("reporting_timezone") }}', cast({{ day }} as timestamp)))
{%- endmacro %}

{% macro default__local_day_start_utc(day) -%}
    convert_timezone('{{ var("reporting_timezone") }}', 'UTC', cast({{ day }} as timestamp))
{%- endmacro %}

{#- Seconds between two timestamps, with fractions (dbt.datediff counts whole units). -#}
{% macro seconds_between(start_timestamp, end_timestamp) -%}
    {{ return(adapter.dispatch('seconds_between', 'omnikpi')(start_timestamp, end_timestamp)) }}
{%- endmacro %}

{% macro duckdb__seconds_between(start_timestamp, end_timestamp) -%}
    {#- whole microseconds first: subtracting epoch seconds as doubles loses about 1e-7 s -#}
    ((epoch_us({{ end_timestamp }}) - epoch_us({{ start_timestamp }})) / 1000000.0)
{%- endmacro %}

{% macro default__seconds_between(start_timestamp, end_timestamp) -%}
    ({{ dbt.datediff(start_timestamp, end_timestamp, 'millisecond') }} / 1000.0)
{%- endmacro %}

{#- A regular expression that must match somewhere in the value (anchor it with ^...$). -#}
{% macro regex_matches(value, pattern) -%}
    {{ return(adapter.dispatch('regex_matches', 'omnikpi')(value, pattern)) }}
{%- endmacro %}

{% macro duckdb__regex_matches(value, pattern) -%}
    regexp_matches({{ value }}, {{ pattern }})
{%- endmacro %}

{% macro default__regex_matches(value, pattern) -%}
    regexp_like({{ value }}, {{ pattern }})
{%- endmacro %}

{#- A double-precision float (dbt.type_float() is DuckDB's 4-byte FLOAT). -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'omnikpi')()) }}
{%- endmacro %}

{% macro duckdb__type_double() -%}
    double
{%- endmacro %}

{% macro default__type_double() -%}
    {{ dbt.type_float() }}
{%- endmacro %}
