"""The KPI catalogue is generated from the dbt YAML, and every public mart column is described."""

from __future__ import annotations

from orchestration import kpi_catalogue


def test_catalogue_matches_the_dbt_yaml() -> None:
    expected = kpi_catalogue.render(kpi_catalogue._manifest())
    committed = kpi_catalogue.CATALOGUE.read_text()
    assert committed == expected, "run: uv run python -m orchestration.kpi_catalogue"


def test_every_public_mart_column_has_a_description() -> None:
    assert kpi_catalogue.undocumented_columns(kpi_catalogue._manifest()) == []
