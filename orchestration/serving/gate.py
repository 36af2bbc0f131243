"""The audit step of write-audit-publish: every dbt node's latest result, kept in the build DB.

The dbt asset records each node's latest status from `run_results.json` into
`audit.dbt_node_results`. Publishing refuses while any node that still exists in the
project is in a failing state (`fail` = error-severity test failed, `error` = a model,
test or unit test errored). A test with `severity: warn` ends as `warn`: recorded and
shown, never blocking. Keeping the state in the build database (next to the data it
describes) means a later run that publishes without rebuilding still sees a failure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa

from orchestration.serving.db import has_table
from orchestration.serving.manifest import manifest_node_ids

TABLE = "audit.dbt_node_results"
BLOCKING_STATUSES = ("fail", "error", "runtime error")
WARNING_STATUSES = ("warn",)

# The table's columns in order: SQL type, and the Arrow type a batch of results arrives in
# (min_date/max_date as ISO text, cast on insert).
_COLUMNS = [
    ("unique_id", "varchar primary key", pa.string()),
    ("resource_type", "varchar", pa.string()),
    ("name", "varchar", pa.string()),
    ("attached_to", "varchar", pa.string()),
    ("status", "varchar", pa.string()),
    ("failures", "bigint", pa.int64()),
    ("message", "varchar", pa.string()),
    ("invocation_id", "varchar", pa.string()),
    ("dagster_run_id", "varchar", pa.string()),
    ("min_date", "date", pa.string()),
    ("max_date", "date", pa.string()),
    ("recorded_at", "timestamp", pa.timestamp("us")),
]
_DDL = (
    f"create table if not exists {TABLE} ("
    + ", ".join(f"{name} {sql_type}" for name, sql_type, _ in _COLUMNS)
    + ")"
)


@dataclass(frozen=True)
class NodeResult:
    unique_id: str
    name: str
    attached_to: str | None
    status: str
    failures: int | None
    message: str | None

    def one_line(self) -> str:
        target = self.attached_to.split(".")[-1] if self.attached_to else "?"
        detail = f"{self.failures} failing rows" if self.failures else (self.message or "")
        detail = " ".join(detail.split())[:120]
        return f"{self.name} on {target} ({self.status}: {detail})"


def _node(manifest: Mapping[str, Any], unique_id: str) -> Mapping[str, Any]:
    return manifest.get("nodes", {}).get(unique_id) or manifest.get("unit_tests", {}).get(
        unique_id, {}
    )


def _attached_to(node: Mapping[str, Any]) -> str | None:
    if node.get("attached_node"):
        return node["attached_node"]
    parents = [p for p in node.get("depends_on", {}).get("nodes", []) if p.startswith("model.")]
    return parents[0] if parents else None


def record_dbt_results(
    con: duckdb.DuckDBPyConnection,
    run_results: Mapping[str, Any],
    manifest: Mapping[str, Any],
    *,
    dagster_run_id: str | None,
    min_date: str | None,
    max_date: str | None,
) -> list[NodeResult]:
    """Upsert every node of one dbt invocation; return what was recorded."""
    con.execute("create schema if not exists audit")
    con.execute(_DDL)
    invocation_id = run_results.get("metadata", {}).get("invocation_id")
    now = datetime.now(UTC).replace(tzinfo=None)
    recorded: list[NodeResult] = []
    rows = []
    for result in run_results.get("results", []):
        unique_id = result["unique_id"]
        node = _node(manifest, unique_id)
        resource_type = node.get("resource_type") or unique_id.split(".")[0]
        item = NodeResult(
            unique_id=unique_id,
            name=node.get("name") or unique_id.split(".")[-1],
            attached_to=_attached_to(node) if resource_type in ("test", "unit_test") else None,
            status=str(result.get("status")),
            failures=result.get("failures"),
            message=result.get("message"),
        )
        recorded.append(item)
        rows.append(
            (
                item.unique_id,
                resource_type,
                item.name,
                item.attached_to,
                item.status,
                item.failures,
                item.message,
                invocation_id,
                dagster_run_id,
                min_date,
                max_date,
                now,
            )
        )
    if rows:
        # one statement over an Arrow table: executemany upserts row by row (6 s for 400)
        columns = [name for name, _, _ in _COLUMNS]
        schema = pa.schema([(name, arrow_type) for name, _, arrow_type in _COLUMNS])
        table = pa.Table.from_pylist([dict(zip(columns, r, strict=True)) for r in rows], schema)
        con.register("_dbt_node_results_batch", table)
        try:
            con.execute(f"insert or replace into {TABLE} select * from _dbt_node_results_batch")
        finally:
            con.unregister("_dbt_node_results_batch")
    return recorded


def _current(
    con: duckdb.DuckDBPyConnection, manifest: Mapping[str, Any], statuses: Sequence[str], db: str
) -> list[NodeResult]:
    if not has_table(con, TABLE, db):
        return []
    rows = con.execute(
        f"select unique_id, name, attached_to, status, failures, message "
        f"from {db}.{TABLE} where status in ({', '.join('?' for _ in statuses)}) "
        f"order by unique_id",
        list(statuses),
    ).fetchall()
    ids = manifest_node_ids(manifest)
    # a failure of a test that was since removed from the project no longer counts
    return [NodeResult(*row) for row in rows if row[0] in ids]


def blocking_failures(
    con: duckdb.DuckDBPyConnection, manifest: Mapping[str, Any], db: str = "wh"
) -> list[NodeResult]:
    return _current(con, manifest, BLOCKING_STATUSES, db)


def current_warnings(
    con: duckdb.DuckDBPyConnection, manifest: Mapping[str, Any], db: str = "wh"
) -> list[NodeResult]:
    return _current(con, manifest, WARNING_STATUSES, db)


def summarise(results: Sequence[NodeResult]) -> str:
    """One line: `2 failing: a on x (...); b on y (...)`."""
    if not results:
        return "none"
    shown = "; ".join(r.one_line() for r in results[:3])
    more = f"; and {len(results) - 3} more" if len(results) > 3 else ""
    return f"{len(results)}: {shown}{more}"
