{#- A hash of several columns: surrogate keys, and fingerprints that recognise exact duplicate
    rows (the same record exported twice). Nulls and empty strings hash differently. -#}
{% macro surrogate_key(columns) -%}
    {{ dbt.hash(fingerprint_text(columns)) }}
{%- endmacro %}

{#- The text surrogate_key() hashes: equal texts, equal keys. -#}
{% macro fingerprint_text(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- if not loop.first -%}{%- do parts.append("'|'") -%}{%- endif -%}
        {%- do parts.append(
            "coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '<null>')"
        ) -%}
    {%- endfor -%}
    {{ concat_parts(parts) }}
{%- endmacro %}

{#- Concatenate parts that are never null (fingerprint_text coalesces each one). DuckDB builds
    concat()'s result once; a chain of || builds every intermediate string, which took half
    the time of a fingerprint (docs/benchmarks.md). concat() skips nulls where || yields null:
    equal for these parts only. -#}
{% macro concat_parts(parts) -%}
    {{ return(adapter.dispatch('concat_parts', 'omnikpi')(parts)) }}
{%- endmacro %}

{% macro duckdb__concat_parts(parts) -%}
    concat({{ parts | join(', ') }})
{%- endmacro %}

{% macro default__concat_parts(parts) -%}
    {{ dbt.concat(parts) }}
{%- endmacro %}

{#- A cheap hash to bucket rows by (equal values, equal hashes; unequal values may share one),
    never an identifier: DuckDB's 64-bit hash() is several times cheaper than md5. -#}
{% macro bucket_hash(expression) -%}
    {{ return(adapter.dispatch('bucket_hash', 'omnikpi')(expression)) }}
{%- endmacro %}

{% macro duckdb__bucket_hash(expression) -%}
    hash({{ expression }})
{%- endmacro %}

{% macro default__bucket_hash(expression) -%}
    {{ dbt.hash(expression) }}
{%- endmacro %}
