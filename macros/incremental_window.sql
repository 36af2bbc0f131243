{#- The run's window: min_date and max_date (inclusive dates) and, in the last step of a
    chunked backfill, chunked_from. `--vars` set them when dbt is run by hand; orchestration
    sets OMNIKPI_DBT_MIN_DATE, OMNIKPI_DBT_MAX_DATE and OMNIKPI_DBT_CHUNKED_FROM instead.
    dbt tracks the environment variables each file read while parsing, so a new window
    re-parses only those files, where a new `--vars` re-parses the whole project (about 5 s a
    run at size M). Without either, the window is all of history. The test `where` configs in
    staging/web/_web.yml and staging/email/_email.yml repeat this lookup for min_date: dbt
    cannot call project macros in test configs. -#}
{% macro run_var(name) -%}
    {%- set defaults = {'min_date': '1900-01-01', 'max_date': '2999-12-31', 'chunked_from': none} -%}
    {%- if name not in defaults -%}
        {{ exceptions.raise_compiler_error("run_var: unknown window variable " ~ name) }}
    {%- endif -%}
    {%- set from_env = env_var('OMNIKPI_DBT_' ~ name | upper, '') -%}
    {{- return(var(name, from_env or defaults[name])) -}}
{%- endmacro %}

{#- The window an incremental run rebuilds: the run's dates (min_date..max_date, inclusive,
    macro run_var) widened backwards by var('lookback_days').

    lookback_days = 3: a delivery dated D holds records of D, and late records of D-1 and D-2
    (the exports are at most 2 days late; docs/sources.md), and a late web event of D-2 can
    extend a session that started on D-3 before midnight (sessions do not break at midnight).
    So the run for D must rebuild D-3..D; older dates cannot change because of D's files. -#}

{% macro window_start() -%}
    {%- set start = modules.datetime.date.fromisoformat(window_min_date())
        - modules.datetime.timedelta(days=var('lookback_days') | int) -%}
    {{- return(start.isoformat()) -}}
{%- endmacro %}

{#- The first date of the run's window before the lookback: run_var('min_date'), except in the
    last step of a long backfill built in chunks (orchestration/defs/build_chunks.py). Earlier
    steps have run the models tagged `chunked` (the event-volume ones) chunk by chunk up to
    run_var('chunked_from') - 1; the last step's window for them starts at that date,
    as if it were a daily run after those chunks. -#}
{% macro window_min_date() -%}
    {%- set min_date = run_var('min_date') -%}
    {%- set chunked_from = run_var('chunked_from') -%}
    {%- if chunked_from and 'chunked' in (model.tags or []) and chunked_from > min_date -%}
        {%- set min_date = chunked_from -%}
    {%- endif -%}
    {{- return(min_date) -}}
{%- endmacro %}

{% macro window_end(days_after=0) -%}
    {%- set end = modules.datetime.date.fromisoformat(run_var('max_date'))
        + modules.datetime.timedelta(days=days_after | int) -%}
    {{- return(end.isoformat()) -}}
{%- endmacro %}

{#- `expression` (a date) lies in the run's window; `days_before`/`days_after` widen it. -#}
{% macro in_window(expression, days_before=0, days_after=0) -%}
    {%- set start = modules.datetime.date.fromisoformat(window_start())
        - modules.datetime.timedelta(days=days_before | int) -%}
    {{ expression }} between cast('{{ start.isoformat() }}' as date)
    and cast('{{ window_end(days_after) }}' as date)
{%- endmacro %}

{#- The dates a run builds: its window on an incremental run; on the first build (no table
    yet) every date up to the window's end, so that the first chunk of a chunked backfill
    (orchestration/defs/build_chunks.py) does not build the later chunks' dates. -#}
{% macro in_build_window(expression, days_after=0) -%}
    {%- if is_incremental() -%}
        {{ in_window(expression, days_after=days_after) }}
    {%- else -%}
        {{ expression }} <= cast('{{ window_end(days_after) }}' as date)
    {%- endif -%}
{%- endmacro %}

{#- The reporting day (macro local_date) of `utc_timestamp` lies in the run's window: the same
    truth value as in_window(local_date(utc_timestamp)), null included, but a plain UTC range
    that holds every such timestamp is checked first. A comparison costs far less than the
    time zone conversion (size M, a daily's e-mail staging: 1.55 -> 0.17 CPU-s), and the
    scan can skip row groups by it. A reporting day lies within a day of its UTC date (any
    zone's offset is under 24 hours), so the range is the window widened by a day each side. -#}
{% macro in_window_local(utc_timestamp, days_before=0, days_after=0) -%}
    {%- set start = modules.datetime.date.fromisoformat(window_start())
        - modules.datetime.timedelta(days=days_before | int) -%}
    ({{ utc_range_check(utc_timestamp, start.isoformat(), window_end(days_after)) }}
    and {{ in_window(local_date(utc_timestamp), days_before=days_before, days_after=days_after) }})
{%- endmacro %}

{#- in_build_window of the reporting day of `utc_timestamp`, with the same UTC range first
    (open at the start when in_build_window is). -#}
{% macro in_build_window_local(utc_timestamp, days_after=0) -%}
    {%- set first_day = window_start() if is_incremental() else none -%}
    ({{ utc_range_check(utc_timestamp, first_day, window_end(days_after)) }}
    and {{ in_build_window(local_date(utc_timestamp), days_after=days_after) }})
{%- endmacro %}

{#- UTC timestamps that can have a reporting day from `first_day` to `last_day` (inclusive
    ISO dates; none = unbounded): from the day before `first_day` to the end of the day
    after `last_day`. -#}
{% macro utc_range_check(utc_timestamp, first_day, last_day) -%}
    {%- set day = modules.datetime.timedelta(days=1) -%}
    {%- set checks = [] -%}
    {%- if first_day is not none -%}
        {%- set first = modules.datetime.date.fromisoformat(first_day) - day -%}
        {%- do checks.append(utc_timestamp ~ " >= cast('" ~ first.isoformat() ~ "' as timestamp)") -%}
    {%- endif -%}
    {%- if last_day is not none -%}
        {%- set after = modules.datetime.date.fromisoformat(last_day) + day + day -%}
        {%- do checks.append(utc_timestamp ~ " < cast('" ~ after.isoformat() ~ "' as timestamp)") -%}
    {%- endif -%}
    {{ checks | join(' and ') }}
{%- endmacro %}

{#- Pre-hook of the date-partitioned incremental models: an incremental run first deletes
    the window's dates, then inserts them rebuilt (delete+insert on the row id replaces the
    rows outside the window that the run also rebuilds). Deleting the dates themselves, not
    only the ids the run produces, removes rows that no longer exist: two web sessions that
    a late event merges into one leave one session id behind.

    The deleted range is logged in audit.dbt_window_deletes, stamped like the rows the run
    builds (built_at): the publish replays it on the serving copy, which carries the rows
    the run did not touch forward (orchestration/serving/publish.py). -#}
{% macro delete_window(date_column, days_after=0) -%}
    {%- if is_incremental() -%}
        insert into audit.dbt_window_deletes values (
            '{{ this.schema }}',
            '{{ this.identifier }}',
            '{{ date_column }}',
            cast('{{ window_start() }}' as date),
            cast('{{ window_end(days_after) }}' as date),
            {{ built_at() }}
        );
        delete from {{ this }} where {{ in_window(date_column, days_after=days_after) }}
    {%- endif -%}
{%- endmacro %}

{#- on-run-start: the log delete_window writes to. Created before the models run, as two
    threads creating it in their pre-hooks at once conflict in DuckDB's catalog. -#}
{% macro create_window_delete_log() -%}
    create schema if not exists audit;
    create table if not exists audit.dbt_window_deletes (
        schema_name varchar,
        table_name varchar,
        date_column varchar,
        from_date date,
        to_date date,
        deleted_at timestamp
    )
{%- endmacro %}

{#- When this dbt invocation built a row: its start time (UTC), one value for every model of
    the run. Facts stamped with it (column `_built_at`) are published incrementally: the
    publish copies the rows stamped after the serving file's watermark and keeps the rest. -#}
{% macro built_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}

{#- The run's window, lookback included, is longer than var('long_window_days'): a rebuild
    of history (a backfill, a rerun of a range), not a daily run. -#}
{% macro is_long_window() -%}
    {%- set days = (modules.datetime.date.fromisoformat(window_end())
        - modules.datetime.date.fromisoformat(window_start())).days + 1 -%}
    {{- return(days > var('long_window_days') | int) -}}
{%- endmacro %}
