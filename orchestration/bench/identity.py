"""Benchmark: identity clustering in SQL vs scipy on the same edges (issue 5).

Needs a build database in which the identity models were built (`omnikpi refresh`, or
`dbt build -s +int_identity_clusters`). Prints the graph's size, the number of propagation
passes, the time of the clustering SQL alone (the compiled model run directly in DuckDB) and
of scipy's connected_components, the ratio, and whether both find the same components.

    uv run python -m orchestration.bench.identity [--build-db PATH] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from orchestration.config import PROJECT_DIR, settings

KEPT_EDGES = """
    select identifier_id_a, identifier_id_b from intermediate.int_identity_edges_guarded
    where dropped_reason is null
"""


def compiled_clustering_sql() -> str:
    """The model's SELECT as dbt compiles it (so the benchmark runs exactly what dbt runs)."""
    dbt = Path(sys.executable).parent / "dbt"
    subprocess.run(
        [str(dbt), "compile", "-q", "-s", "int_identity_clusters"],
        cwd=PROJECT_DIR,
        check=True,
        capture_output=True,
    )
    matches = list((PROJECT_DIR / "target" / "compiled").rglob("int_identity_clusters.sql"))
    if not matches:
        raise FileNotFoundError("dbt compile did not write int_identity_clusters.sql")
    return matches[0].read_text()


def scipy_components(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, float], np.ndarray, list]:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    began = time.perf_counter()
    nodes = [r[0] for r in con.execute(
        "select identifier_id from intermediate.int_identifiers_unioned order by 1"
    ).fetchall()]  # fmt: skip
    index = {node: i for i, node in enumerate(nodes)}
    edges = con.execute(KEPT_EDGES).fetchall()
    a = np.fromiter((index[x] for x, _ in edges), dtype=np.int64, count=len(edges))
    b = np.fromiter((index[y] for _, y in edges), dtype=np.int64, count=len(edges))
    prepared = time.perf_counter()
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(len(nodes), len(nodes)))
    count, labels = connected_components(graph.tocsr(), directed=False)
    done = time.perf_counter()
    times = {"scipy_prepare_s": prepared - began, "scipy_components_s": done - prepared}
    return times | {"scipy_components": count}, labels, nodes


def run(build_db: Path) -> dict[str, object]:
    sql = compiled_clustering_sql()
    con = duckdb.connect(str(build_db), read_only=True)
    con.execute(f"set threads = {settings().duckdb_threads}")
    stats = dict(
        zip(
            ["nodes", "kept_edges"],
            con.execute(
                "select (select count(*) from intermediate.int_identifiers_unioned), "
                f"(select count(*) from ({KEPT_EDGES}))"
            ).fetchone(),
            strict=True,
        )
    )
    began = time.perf_counter()
    con.execute(f"create temp table sql_clusters as {sql}")
    sql_seconds = time.perf_counter() - began
    passes, components, largest = con.execute(
        "select max(converged_at_pass), count(distinct cluster_id), "
        "(select max(n) from (select count(*) as n from sql_clusters group by cluster_id)) "
        "from sql_clusters"
    ).fetchone()
    scipy_times, labels, nodes = scipy_components(con)
    # one Arrow table, not a row-by-row insert: at 100,000 x 365 (2.6 M identifiers) an
    # executemany took over 20 minutes
    scipy_table = pa.table({"identifier_id": nodes, "component": labels.astype(np.int64)})
    con.register("scipy_table", scipy_table)
    con.execute("create temp table scipy_labels as select * from scipy_table")
    # the same partition: each SQL cluster is exactly one scipy component and vice versa
    pairs, sql_labels, scipy_labels = con.execute(
        "select count(distinct (c.cluster_id, s.component)), count(distinct c.cluster_id), "
        "count(distinct s.component) from sql_clusters c join scipy_labels s using (identifier_id)"
    ).fetchone()
    con.close()
    return {
        **stats,
        "components": components,
        "largest_component": largest,
        "passes": passes,
        "sql_seconds": round(sql_seconds, 3),
        **{k: round(v, 3) if isinstance(v, float) else v for k, v in scipy_times.items()},
        "ratio_sql_to_scipy_components": round(sql_seconds / scipy_times["scipy_components_s"], 1),
        "ratio_sql_to_scipy_total": round(
            sql_seconds / (scipy_times["scipy_prepare_s"] + scipy_times["scipy_components_s"]), 2
        ),
        "same_components": pairs == sql_labels == scipy_labels,
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
