"""Dagster definitions, one module per kind of thing (partitions, resources, assets...)."""
