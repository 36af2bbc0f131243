-- One row per day: MetricFlow's time spine (metric_time), covering any history we hold.
{{ config(materialized='table') }}

with days as (

    {{ dbt.date_spine(
        datepart="day",
        start_date="cast('2020-01-01' as date)",
        end_date="cast('2031-01-01' as date)"
    ) }}

)

select cast(date_day as date) as date_day
from days
