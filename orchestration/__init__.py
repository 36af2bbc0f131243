"""omnikpi: channel exports -> DuckDB -> dbt KPI marts, orchestrated by Dagster."""

__version__ = "0.1.0"
