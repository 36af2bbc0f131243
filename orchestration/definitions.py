"""The Dagster code location (found through [tool.dagster] in pyproject.toml).

One asset graph: load assets -> dbt assets (sources mapped to the load assets) -> publish,
with the daily job, its schedule, the late-files sensor and the checks (defs/build.py).
"""

from orchestration.defs.build import build_defs

defs = build_defs()
