"""Loaders: landing files -> typed raw tables in the build database (or quarantine).

`SOURCES` declares every channel export; `load_partition` loads one source for one date,
`load_partitions` a range of dates.
"""

from orchestration.loaders.engine import LoadReport, connect, load_partition, load_partitions
from orchestration.loaders.sources import SOURCES

__all__ = ["SOURCES", "LoadReport", "connect", "load_partition", "load_partitions"]
