"""The identity clustering model (models/intermediate/identity/int_identity_clusters.py).

A Python model, which dbt's unit tests do not cover: its propagation is checked here against
two independent computations (scipy's connected components for the partition, a plain
dictionary-based propagation for the passes), and the model itself runs on a real DuckDB
database with a small stand-in for dbt's `ref`. The slow warehouse tests build it with dbt
and check the clusters against the simulator's truth (tests/warehouse/test_identity.py).
"""

from __future__ import annotations

from types import ModuleType

import duckdb
import numpy as np
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from orchestration.bench.identity import DbtRefs, clustering_model


@pytest.fixture(scope="module")
def clusters() -> ModuleType:
    return clustering_model()  # the model file dbt runs, imported as a module


def naive_propagation(node_count: int, edges: list[tuple[int, int]]) -> tuple[list, list]:
    """Synchronous minimum-label propagation, one node at a time (the reference)."""
    neighbours: dict[int, set[int]] = {n: set() for n in range(node_count)}
    for a, b in edges:
        neighbours[a].add(b)
        neighbours[b].add(a)
    label = list(range(node_count))
    passes = [0] * node_count
    changed = set(range(node_count))
    current = 0
    while changed:
        current += 1
        offers: dict[int, int] = {}
        for node in changed:
            for other in neighbours[node]:
                offers[other] = min(offers.get(other, node_count), label[node])
        changed = {n for n, offer in offers.items() if offer < label[n]}
        for n in changed:
            label[n], passes[n] = offers[n], current
    return label, passes


def test_a_path_converges_one_pass_per_step_from_its_smallest_node(clusters: ModuleType) -> None:
    # 3 - 1 - 4 - 0 - 2: node 0 is in the middle; labels travel one link per pass
    a = np.array([3, 1, 4, 0])
    b = np.array([1, 4, 0, 2])
    label, passes = clusters.propagate(5, a, b)
    assert label.tolist() == [0, 0, 0, 0, 0]
    # 4 and 2 take 0 in pass 1; 1 takes 1 from 3 in pass 1, then 0 in pass 2; 3 in pass 3
    assert passes.tolist() == [0, 2, 1, 3, 1]


def test_isolated_nodes_and_no_edges_keep_their_own_label(clusters: ModuleType) -> None:
    label, passes = clusters.propagate(
        3, np.array([], dtype=np.int64), np.array([], dtype=np.int64)
    )
    assert label.tolist() == [0, 1, 2]
    assert passes.tolist() == [0, 0, 0]
    label, passes = clusters.propagate(
        0, np.array([], dtype=np.int64), np.array([], dtype=np.int64)
    )
    assert label.size == 0 and passes.size == 0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_graphs_match_scipy_and_the_naive_propagation(
    clusters: ModuleType, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    node_count = 400
    edge_count = 330  # sparse: many small components, some chains, some singletons
    a = rng.integers(0, node_count, edge_count)
    b = rng.integers(0, node_count, edge_count)
    keep = a != b
    a, b = a[keep], b[keep]

    label, passes = clusters.propagate(node_count, a, b)

    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(node_count, node_count))
    count, component = connected_components(graph, directed=False)
    smallest = {c: min(np.flatnonzero(component == c)) for c in range(count)}
    assert label.tolist() == [smallest[c] for c in component]
    expected_label, expected_passes = naive_propagation(
        node_count, list(zip(a.tolist(), b.tolist(), strict=True))
    )
    assert label.tolist() == expected_label
    assert passes.tolist() == expected_passes
    assert passes.max() > 2  # the graphs have chains, so the passes are worth checking


def test_the_model_merges_through_a_shared_record_and_not_through_a_dropped_link(
    clusters: ModuleType,
) -> None:
    # A checkout's e-mail and phone, a CRM contact with that phone and a card: one person.
    # Another address linked to the phone only by a link the guard dropped stays apart.
    con = duckdb.connect()
    con.execute("create table int_identifiers_unioned (identifier_id varchar)")
    con.execute(
        "insert into int_identifiers_unioned values ('email:a@x.nl'), "
        "('phone:+31611111111'), ('card:2900000000001'), ('crm_id:C1'), ('email:b@y.nl')"
    )
    con.execute(
        "create table int_identity_edges_guarded "
        "(identifier_id_a varchar, identifier_id_b varchar, dropped_reason varchar)"
    )
    con.execute(
        "insert into int_identity_edges_guarded values "
        "('email:a@x.nl', 'phone:+31611111111', null), "
        "('crm_id:C1', 'phone:+31611111111', null), "
        "('card:2900000000001', 'crm_id:C1', null), "
        "('email:b@y.nl', 'phone:+31611111111', 'shared: test')"
    )

    con.register("result", clusters.model(DbtRefs(con, schema="main"), con))
    rows = con.execute(
        "select identifier_id, cluster_id, converged_at_pass from result order by identifier_id"
    ).fetchall()

    assert rows == [
        ("card:2900000000001", "card:2900000000001", 0),
        ("crm_id:C1", "card:2900000000001", 1),
        ("email:a@x.nl", "card:2900000000001", 3),
        ("email:b@y.nl", "email:b@y.nl", 0),
        ("phone:+31611111111", "card:2900000000001", 2),
    ]
    # the same column types as the SQL model had: dbt's tests and the docs rely on them
    types = dict(con.execute("select column_name, column_type from (describe result)").fetchall())
    assert types == {
        "identifier_id": "VARCHAR",
        "cluster_id": "VARCHAR",
        "converged_at_pass": "INTEGER",
    }
    # nothing left behind on the connection, which dbt reuses for later models (the one
    # temporary view is the test's own registration of the result)
    assert con.execute("select count(*) from duckdb_tables() where temporary").fetchall() == [(0,)]
    views = con.execute("select view_name from duckdb_views() where temporary and not internal")
    assert views.fetchall() == [("result",)]
