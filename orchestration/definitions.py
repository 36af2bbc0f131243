"""The Dagster code location (found through [tool.dagster] in pyproject.toml)."""

from __future__ import annotations

import dagster as dg

from orchestration.defs.dbt_assets import dbt_resource, omnikpi_dbt_assets
from orchestration.defs.load_assets import load_assets

defs = dg.Definitions(
    assets=[*load_assets, omnikpi_dbt_assets],
    resources={"dbt": dbt_resource},
)
