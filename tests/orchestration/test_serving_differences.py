"""A keyed mart that dbt rebuilds whole is published by its differing rows
(serving/differences.py), on real DuckDB files."""

from __future__ import annotations

import duckdb
import pytest
from conftest import file_sha256

from orchestration.config import Settings
from orchestration.serving.manifest import public_models
from orchestration.serving.publish import PublishError, publish

PEOPLE = "model.omnikpi.dim_people"
Test = tuple[str, str, dict]  # generic test name, column, config


def _manifest(*tests: Test) -> dict:
    """One public table mart, dim_people, and the given generic tests on it."""
    nodes: dict[str, dict] = {
        PEOPLE: {
            "unique_id": PEOPLE,
            "resource_type": "model",
            "name": "dim_people",
            "schema": "marts",
            "alias": "dim_people",
            "access": "public",
            "config": {"materialized": "table"},
            "fqn": ["omnikpi", "marts", "core", "dim_people"],
            "columns": {},
        }
    }
    for kind, column, config in tests:
        test_id = f"test.omnikpi.{kind}_dim_people_{column}"
        nodes[test_id] = {
            "unique_id": test_id,
            "resource_type": "test",
            "name": f"{kind}_dim_people_{column}",
            "attached_node": PEOPLE,
            "column_name": column,
            "test_metadata": {"name": kind},
            "config": config,
            "depends_on": {"nodes": [PEOPLE]},
        }
    return {"nodes": nodes, "sources": {}}


KEY_TESTS: tuple[Test, ...] = (("unique", "person_id", {}), ("not_null", "person_id", {}))
KEYED = _manifest(*KEY_TESTS)
ROWS = [(f"p{i:02}", "new", i) for i in range(20)]
# the next build: p03 changed, p07 gone, p20 new, the other 17 rows as they were
REBUILT = sorted(
    [r for r in ROWS if r[0] not in ("p03", "p07")] + [("p03", "loyal", 3), ("p20", "new", 20)]
)


def _build(cfg: Settings, rows: list[tuple[str, str, int]]) -> None:
    with duckdb.connect(str(cfg.build_db)) as con:
        con.execute("create schema if not exists marts")
        con.execute(
            "create or replace table marts.dim_people "
            "(person_id varchar, segment varchar, orders integer)"
        )
        con.executemany("insert into marts.dim_people values (?, ?, ?)", rows)


def _served(cfg: Settings) -> list[tuple]:
    with duckdb.connect(str(cfg.serving_db), read_only=True) as con:
        return con.execute("select * from marts.dim_people order by person_id").fetchall()


def test_the_key_is_the_column_its_unique_and_not_null_tests_name() -> None:
    assert public_models(KEYED)[0].primary_key == "person_id"


def test_a_rebuilt_mart_is_updated_by_its_differing_rows(data_dir: Settings) -> None:
    _build(data_dir, ROWS)
    first = publish(KEYED)
    assert (first.compared, first.tables) == ([], {"marts.dim_people": 20})

    _build(data_dir, REBUILT)
    second = publish(KEYED)
    assert (second.compared, dict(second.recopied)) == (["marts.dim_people"], {})
    assert second.tables == {"marts.dim_people": 20}
    assert _served(data_dir) == REBUILT


def test_nulls_are_equal_and_a_null_that_gets_a_value_is_a_change(data_dir: Settings) -> None:
    unsegmented = [(person, None, orders) for person, _, orders in ROWS]
    _build(data_dir, unsegmented)
    publish(KEYED)
    # the same rows again but one: had every NULL compared unequal, 20 of 20 rows would
    # differ and the table would be copied whole
    segmented = [(p, "new" if p == "p05" else None, o) for p, _, o in unsegmented]
    _build(data_dir, segmented)
    result = publish(KEYED)
    assert (result.compared, dict(result.recopied)) == (["marts.dim_people"], {})
    assert _served(data_dir) == segmented


def test_a_mart_whose_rows_nearly_all_changed_is_copied_whole(data_dir: Settings) -> None:
    _build(data_dir, ROWS)
    publish(KEYED)
    lapsed = [(person, "lapsed", orders) for person, _, orders in ROWS]
    _build(data_dir, lapsed)
    result = publish(KEYED)
    assert result.compared == []
    assert result.recopied == {"marts.dim_people": "20 of 20 rows differ from the served ones"}
    assert _served(data_dir) == lapsed


def test_an_email_in_a_changed_row_is_refused(data_dir: Settings) -> None:
    _build(data_dir, ROWS)
    publish(KEYED)
    before = file_sha256(data_dir.serving_db)
    _build(data_dir, [*ROWS[:-1], ("p19", "someone@example.com", 19)])
    with pytest.raises(PublishError, match=r"dim_people.segment \(1 values look like e-mails\)"):
        publish(KEYED)
    assert file_sha256(data_dir.serving_db) == before


@pytest.mark.parametrize(
    "tests",
    [
        pytest.param(KEY_TESTS[:1], id="unique but not not_null"),
        pytest.param(
            (("unique", "person_id", {"where": "orders > 0"}), KEY_TESTS[1]), id="some rows only"
        ),
        pytest.param(
            (("unique", "person_id", {"severity": "warn"}), KEY_TESTS[1]), id="not blocking"
        ),
    ],
)
def test_a_mart_without_a_tested_key_is_copied_whole(
    data_dir: Settings, tests: tuple[Test, ...]
) -> None:
    manifest = _manifest(*tests)
    assert public_models(manifest)[0].primary_key is None
    _build(data_dir, ROWS)
    publish(manifest)
    _build(data_dir, REBUILT)
    result = publish(manifest)
    assert (result.compared, dict(result.recopied)) == ([], {})
    assert _served(data_dir) == REBUILT
