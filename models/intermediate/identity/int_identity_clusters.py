"""One cluster per person: connected components of the guarded identity graph.

Minimum-label propagation run to convergence, as the SQL version did (a recursive CTE),
but over numpy arrays: every identifier starts with its own number as its label and takes
the smallest label among its neighbours; only identifiers whose label changed in a pass
propagate in the next. Identifiers are numbered in their sort order, so a component's
label is its smallest identifier, the cluster id. Same rows as the recursive CTE it
replaced (size M daily build, 2.6 M identifiers, 1.8 M kept links, 8 passes: the node
4.0-4.9 -> 2.5-2.9 s, the propagation itself 0.2 s; docs/identity.md). The graph crosses
from DuckDB to numpy as two integer arrays, never as text.

A Python model: SQL has no loop but recursion, and DuckDB's recursive CTE re-joined the
whole labelling in every pass. `propagate` is a plain function, tested on its own
(tests/models/test_identity_clusters.py), since dbt unit tests cover SQL models only.
"""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def propagate(node_count: int, side_a: np.ndarray, side_b: np.ndarray) -> tuple:
    """Labels and passes of minimum-label propagation over undirected edges (a[i], b[i]).

    Nodes are 0 .. node_count - 1. Returns (label, converged_at_pass): each node's final
    label (the smallest node of its component) and the pass in which it took it (0 = its
    own). Passes are synchronous: a pass reads the labels as the previous pass left them.
    """
    src = np.concatenate([side_a, side_b]).astype(np.int64, copy=False)
    dst = np.concatenate([side_b, side_a]).astype(np.int64, copy=False)
    label = np.arange(node_count, dtype=np.int64)
    converged_at = np.zeros(node_count, dtype=np.int32)
    changed = np.ones(node_count, dtype=bool)  # pass 0: every node "changed" to itself
    current_pass = 0
    while True:
        current_pass += 1
        from_changed = changed[src]
        offered = np.full(node_count, node_count, dtype=np.int64)  # node_count = no offer
        np.minimum.at(offered, dst[from_changed], label[src[from_changed]])
        changed = offered < label
        if not changed.any():
            return label, converged_at
        label[changed] = offered[changed]
        converged_at[changed] = current_pass


def integer_graph(session, identifiers, edges) -> tuple:
    """The graph as integers: (numbered, node_a, node_b).

    `numbered` is an Arrow table of identifier_id and node_id (0.., in identifier order);
    node_a and node_b are the kept links' ends as two integer arrays. Relations and Arrow
    tables, not SQL text: no temporary table or view is left on dbt's connection, which
    later models reuse. The identity benchmark builds scipy's graph with this too.
    """
    numbered = identifiers.project(
        "identifier_id, cast(row_number() over (order by identifier_id) - 1 as bigint) as node_id"
    ).to_arrow_table()
    side_a = session.from_arrow(numbered).set_alias("side_a")
    side_b = session.from_arrow(numbered).set_alias("side_b")
    kept = (
        edges.filter("dropped_reason is null")
        .set_alias("edges")
        .join(side_a, "edges.identifier_id_a = side_a.identifier_id")
        .join(side_b, "edges.identifier_id_b = side_b.identifier_id")
        .project("side_a.node_id as node_a, side_b.node_id as node_b")
        .fetchnumpy()
    )
    return numbered, kept["node_a"], kept["node_b"]


def model(dbt, session):
    dbt.config(materialized="table")
    identifiers = dbt.ref("int_identifiers_unioned")
    edges = dbt.ref("int_identity_edges_guarded")

    numbered, node_a, node_b = integer_graph(session, identifiers, edges)
    label, converged_at = propagate(numbered.num_rows, node_a, node_b)
    identifier_ids = numbered.column("identifier_id")
    return pa.table(
        {
            "identifier_id": identifier_ids,
            # node i is the i-th identifier in sort order: a label names its identifier
            "cluster_id": pc.take(identifier_ids, pa.array(label)),
            "converged_at_pass": converged_at,
        }
    )
