{#- `unique` for the big date-partitioned incremental tables: every key of a row the run
    rebuilt (dated from run_var('min_date') less the lookback on) occurs once in the whole table.

    A daily run rebuilds four days of a year: looking up their keys in the table scans one
    column and aggregates the few matches, where dbt's `unique` aggregates every key of the
    year on every run. Rows dated before the window did not change in this run (they were
    checked when they were built). A long window (a backfill, more than
    `full_check_after_days` days) checks every key the plain way, which is then cheaper.

    `constant_per_key` (optional) names a not-null column the key is built from, so that rows
    sharing a key share its value (a fingerprint of the event time, of the session start).
    Only rows holding one of the rebuilt rows' values can then hold a rebuilt key, and the
    table's zone maps skip every row group outside those values: at 100,000 customers x 365
    days the check on 58 M web events took 0.35 s instead of 5.4 s from a cold cache.

    The full check first finds the 64-bit hashes seen twice (bucket_hash), then counts the
    keys of those rows only: grouping 55 M md5 strings took 17 CPU-s, this 12. -#}
{% test unique_in_run_window(
    model, column_name, date_column, constant_per_key=none, full_check_after_days=31
) %}

{%- set first = modules.datetime.date.fromisoformat(run_var('min_date')) -%}
{%- set last = modules.datetime.date.fromisoformat(run_var('max_date')) -%}
{%- set since = first - modules.datetime.timedelta(days=var('lookback_days') | int) %}

{%- set full_check = (last - first).days >= full_check_after_days | int %}

with

{% if full_check -%}
repeated_buckets as (

    select {{ bucket_hash(column_name) }} as bucket
    from {{ model }}
    where {{ column_name }} is not null
    group by {{ bucket_hash(column_name) }}
    having count(*) > 1

),

{% endif -%}
checked as (

    select {{ column_name }} as key_value
    from {{ model }}
    where
        {{ column_name }} is not null
        {%- if full_check %}
            and {{ bucket_hash(column_name) }} in (select bucket from repeated_buckets)
        {%- else %}
            {%- if constant_per_key %}
            and {{ constant_per_key }} in (
                select rebuilt.{{ constant_per_key }}
                from {{ model }} as rebuilt
                where rebuilt.{{ date_column }} >= cast('{{ since.isoformat() }}' as date)
            )
            {%- endif %}
            and {{ column_name }} in (
                select rebuilt.{{ column_name }}
                from {{ model }} as rebuilt
                where rebuilt.{{ date_column }} >= cast('{{ since.isoformat() }}' as date)
            )
        {%- endif %}

)

select
    key_value,
    count(*) as copies
from checked
group by key_value
having count(*) > 1

{% endtest %}
