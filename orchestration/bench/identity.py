"""Benchmark: identity clustering (the dbt model's own code) vs scipy on the same edges.

Needs a build database in which the identity models were built (`omnikpi refresh`, or
`dbt build -s +int_identity_clusters`). Runs the model's `model()` (a dbt Python model:
numpy minimum-label propagation) on that database, read-only, then scipy's
connected_components on the same nodes and kept edges. Prints the graph's size, the number
of propagation passes, both times, the ratio, and whether both find the same components.

    uv run python -m orchestration.bench.identity [--build-db PATH] [--json out.json]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path
from types import ModuleType

import duckdb
import numpy as np
import pyarrow as pa

from orchestration.config import PROJECT_DIR, settings

MODEL = PROJECT_DIR / "models" / "intermediate" / "identity" / "int_identity_clusters.py"
SCHEMA = "intermediate"


def clustering_model() -> ModuleType:
    """The model file dbt runs, imported as a module (so the benchmark runs dbt's code)."""
    spec = importlib.util.spec_from_file_location("int_identity_clusters", MODEL)
    if spec is None or spec.loader is None:
        raise FileNotFoundError(MODEL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class DbtRefs:
    """What the model asks of dbt: `config` (ignored here) and `ref` (a table of `schema`).

    Also the model's tests' stand-in for dbt (tests/models/test_identity_clusters.py).
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, schema: str = SCHEMA) -> None:
        self.con = con
        self.schema = schema

    def config(self, **_: object) -> None:
        return None

    def ref(self, name: str) -> duckdb.DuckDBPyRelation:
        return self.con.table(f"{self.schema}.{name}")


def scipy_components(
    con: duckdb.DuckDBPyConnection, model: ModuleType
) -> tuple[dict[str, float], pa.Table]:
    """scipy's components on the same graph, built by the model's own `integer_graph`."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    began = time.perf_counter()
    refs = DbtRefs(con)
    numbered, node_a, node_b = model.integer_graph(
        con, refs.ref("int_identifiers_unioned"), refs.ref("int_identity_edges_guarded")
    )
    prepared = time.perf_counter()
    size = numbered.num_rows
    a, b = np.asarray(node_a), np.asarray(node_b)
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(size, size))
    count, labels = connected_components(graph.tocsr(), directed=False)
    done = time.perf_counter()
    times = {"scipy_prepare_s": prepared - began, "scipy_components_s": done - prepared}
    components = pa.table(
        {"identifier_id": numbered.column("identifier_id"), "component": labels.astype(np.int64)}
    )
    return times | {"scipy_components": count}, components


def run(build_db: Path) -> dict[str, object]:
    model = clustering_model()
    con = duckdb.connect(str(build_db), read_only=True)
    con.execute(f"set threads = {settings().duckdb_threads}")
    stats = dict(
        zip(
            ["nodes", "kept_edges"],
            con.execute(
                f"select (select count(*) from {SCHEMA}.int_identifiers_unioned), "
                f"(select count(*) from {SCHEMA}.int_identity_edges_guarded "
                "where dropped_reason is null)"
            ).fetchall()[0],
            strict=True,
        )
    )
    began = time.perf_counter()
    clusters = model.model(DbtRefs(con), con)
    model_seconds = time.perf_counter() - began
    model_clusters = con.from_arrow(clusters).set_alias("model_clusters")
    passes, components, largest = model_clusters.query(
        "model_clusters",
        "select max(converged_at_pass), count(distinct cluster_id), "
        "(select max(n) from (select count(*) as n from model_clusters group by cluster_id)) "
        "from model_clusters",
    ).fetchall()[0]
    scipy_times, scipy_table = scipy_components(con, model)
    scipy_labels = con.from_arrow(scipy_table).set_alias("scipy_labels")
    # the same partition: each model cluster is exactly one scipy component and vice versa
    pairs, model_labels, scipy_count = (
        model_clusters.join(
            scipy_labels, "model_clusters.identifier_id = scipy_labels.identifier_id"
        )
        .aggregate(
            "count(distinct (cluster_id, component)), count(distinct cluster_id), "
            "count(distinct component)"
        )
        .fetchall()[0]
    )
    con.close()
    return {
        **stats,
        "components": components,
        "largest_component": largest,
        "passes": passes,
        "model_seconds": round(model_seconds, 3),
        **{k: round(v, 3) if isinstance(v, float) else v for k, v in scipy_times.items()},
        "ratio_model_to_scipy_components": round(
            model_seconds / scipy_times["scipy_components_s"], 1
        ),
        "ratio_model_to_scipy_total": round(
            model_seconds / (scipy_times["scipy_prepare_s"] + scipy_times["scipy_components_s"]),
            2,
        ),
        "same_components": pairs == model_labels == scipy_count,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-db", type=Path, default=settings().build_db)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    figures = run(args.build_db)
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0 if figures["same_components"] else 1


if __name__ == "__main__":
    sys.exit(main())
