"""The plan of a long dbt window: chunks that cover it exactly, then one build."""

import os
from datetime import date, timedelta
from itertools import pairwise

import pytest

from orchestration.defs.build_chunks import chunk_windows, dbt_steps, window_environment


def test_chunks_cover_the_window_without_gaps_or_overlap() -> None:
    first, last = date(2025, 1, 6), date(2026, 1, 4)  # the size-M benchmark's year
    windows = chunk_windows(first, last, 92)
    assert windows[0][0] == first and windows[-1][1] == last
    assert all(b - a < timedelta(days=92) for a, b in windows)
    assert all(nxt[0] == prev[1] + timedelta(days=1) for prev, nxt in pairwise(windows))
    days = sum((b - a).days + 1 for a, b in windows)
    assert days == (last - first).days + 1 == 364
    assert len(windows) == 4  # 92 + 92 + 92 + 88


def test_a_window_that_fits_one_chunk_is_one_build_with_the_window_in_the_environment() -> None:
    (step,) = dbt_steps(date(2025, 11, 1), date(2025, 11, 14), 92)
    assert not step.chunk
    # no --vars: new vars make dbt parse the whole project again (macro run_var)
    assert step.args() == ["build", "--exclude-resource-type", "unit_test"]
    assert step.env() == {
        "OMNIKPI_DBT_MIN_DATE": "2025-11-01",
        "OMNIKPI_DBT_MAX_DATE": "2025-11-14",
        "OMNIKPI_DBT_CHUNKED_FROM": "",  # set empty, so a value left in the shell cannot leak in
    }


def test_a_long_window_runs_chunks_then_builds_everything_with_the_last_week() -> None:
    steps = dbt_steps(date(2025, 1, 1), date(2025, 1, 20), 7)
    assert [(s.first, s.last, s.chunk) for s in steps] == [
        (date(2025, 1, 1), date(2025, 1, 7), True),
        (date(2025, 1, 8), date(2025, 1, 13), True),
        (date(2025, 1, 1), date(2025, 1, 20), False),
    ]
    chunk_args = steps[0].args()
    assert chunk_args[:3] == ["build", "--select", "+tag:chunked"]
    assert "test" not in chunk_args  # chunks build, the final step tests
    # only the first chunk builds what the chunked models read; the later ones reuse it
    assert steps[1].args()[:3] == ["build", "--select", "tag:chunked"]
    assert steps[0].env()["OMNIKPI_DBT_MIN_DATE"] == "2025-01-01"
    assert steps[0].env()["OMNIKPI_DBT_MAX_DATE"] == "2025-01-07"
    # the final build rebuilds the chunked models' last week, as a daily run would
    assert steps[-1].env() == {
        "OMNIKPI_DBT_MIN_DATE": "2025-01-01",
        "OMNIKPI_DBT_MAX_DATE": "2025-01-20",
        "OMNIKPI_DBT_CHUNKED_FROM": "2025-01-14",
    }


def test_the_window_environment_is_set_for_the_dbt_call_and_restored_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OMNIKPI_DBT_CHUNKED_FROM", "2020-01-01")
    monkeypatch.delenv("OMNIKPI_DBT_MIN_DATE", raising=False)
    (step,) = dbt_steps(date(2025, 11, 1), date(2025, 11, 14), 92)
    with window_environment(step):
        assert os.environ["OMNIKPI_DBT_MIN_DATE"] == "2025-11-01"
        assert os.environ["OMNIKPI_DBT_CHUNKED_FROM"] == ""
    assert "OMNIKPI_DBT_MIN_DATE" not in os.environ
    assert os.environ["OMNIKPI_DBT_CHUNKED_FROM"] == "2020-01-01"


def test_the_size_m_year_is_four_chunks_and_a_final_week() -> None:
    steps = dbt_steps(date(2025, 1, 6), date(2026, 1, 4), 92)
    assert [s.chunk for s in steps] == [True] * 4 + [False]
    assert steps[3].last == date(2025, 12, 28)
    assert steps[-1].dbt_vars["chunked_from"] == "2025-12-29"


def test_short_chunks_leave_the_final_build_at_most_a_chunk() -> None:
    steps = dbt_steps(date(2025, 1, 1), date(2025, 1, 10), 4)
    assert [(s.first, s.last) for s in steps if s.chunk] == [
        (date(2025, 1, 1), date(2025, 1, 4)),
        (date(2025, 1, 5), date(2025, 1, 6)),
    ]
    assert steps[-1].dbt_vars["chunked_from"] == "2025-01-07"


def test_chunking_off_or_a_backwards_window() -> None:
    assert chunk_windows(date(2025, 1, 1), date(2025, 12, 31), 0) == [
        (date(2025, 1, 1), date(2025, 12, 31))
    ]
    with pytest.raises(ValueError, match="before it starts"):
        chunk_windows(date(2025, 1, 2), date(2025, 1, 1), 7)
