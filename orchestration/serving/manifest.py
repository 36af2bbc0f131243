"""What the dbt manifest says about public marts and journey phases."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

JOURNEY_PHASES = ("awareness", "consideration", "decision", "service", "loyalty")


@dataclass(frozen=True)
class PublicModel:
    """A dbt model with `access: public`: what the serving database holds."""

    unique_id: str
    name: str
    schema: str
    alias: str
    fqn: tuple[str, ...]
    columns: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # the incremental model's delete+insert key (one column), else None
    unique_key: str | None = None
    # the column its primary-key tests name (unique and not_null on every row), else None
    primary_key: str | None = None

    @property
    def folder(self) -> str | None:
        """`models/marts/<folder>/...` -> folder (`core`, `awareness`...); None elsewhere."""
        parts = self.fqn[1:-1]  # drop the project name and the model name
        if "marts" in parts:
            index = parts.index("marts")
            if index + 1 < len(parts):
                return parts[index + 1]
        return None

    @property
    def phase(self) -> str | None:
        return self.folder if self.folder in JOURNEY_PHASES else None

    @property
    def relation(self) -> str:
        return f'"{self.schema}"."{self.alias}"'


def _single_unique_key(config: Mapping[str, Any]) -> str | None:
    if config.get("materialized") != "incremental":
        return None
    key = config.get("unique_key")
    if isinstance(key, list):
        key = key[0] if len(key) == 1 else None
    return key if isinstance(key, str) and key else None


def _primary_keys(manifest: Mapping[str, Any]) -> dict[str, str]:
    """model id -> a column that error-severity `unique` and `not_null` tests check on every
    row (style.md: every model has them), so the publish gate guarantees it is a key."""
    tests: dict[tuple[str, str], set[str]] = {}
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "test":
            continue
        kind = (node.get("test_metadata") or {}).get("name")
        model, column = node.get("attached_node"), node.get("column_name")
        config = node.get("config") or {}
        if kind not in ("unique", "not_null") or not model or not column:
            continue
        if config.get("where") or str(config.get("severity", "error")).lower() != "error":
            continue  # a test of some rows only, or one that does not block the publish
        tests.setdefault((model, column), set()).add(kind)
    keys: dict[str, str] = {}
    for (model, column), kinds in sorted(tests.items()):
        if kinds == {"unique", "not_null"}:
            keys.setdefault(model, column)
    return keys


def public_models(manifest: Mapping[str, Any]) -> list[PublicModel]:
    """Every enabled, non-ephemeral model with access public, in a stable order."""
    primary_keys = _primary_keys(manifest)
    models = []
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "model":
            continue
        config = node.get("config", {})
        access = node.get("access") or config.get("access")
        if access != "public" or config.get("materialized") == "ephemeral":
            continue
        if config.get("enabled") is False:
            continue
        models.append(
            PublicModel(
                unique_id=node["unique_id"],
                name=node["name"],
                schema=node["schema"],
                alias=node.get("alias") or node["name"],
                fqn=tuple(node.get("fqn", [])),
                columns=node.get("columns", {}),
                unique_key=_single_unique_key(config),
                primary_key=primary_keys.get(node["unique_id"]),
            )
        )
    return sorted(models, key=lambda m: (m.schema, m.alias))


def manifest_node_ids(manifest: Mapping[str, Any]) -> set[str]:
    """Models, tests, seeds, snapshots and unit tests that exist in this project version."""
    ids = set(manifest.get("nodes", {}))
    ids.update(manifest.get("unit_tests", {}))
    return ids
