"""The copy of the served file the dbt step makes for the publish (serving/staging.py)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from orchestration.serving import staging


def _served(tmp_path: Path, content: bytes = b"version 1" * 1000) -> Path:
    served = tmp_path / "omnikpi.duckdb"
    served.write_bytes(content)
    return served


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".staged" in p.name)


def test_a_staged_copy_of_the_file_still_served_is_taken(tmp_path: Path) -> None:
    served = _served(tmp_path)
    assert staging.stage(served)
    destination = tmp_path / "next.tmp"
    assert staging.take_staged(served, destination)
    assert destination.read_bytes() == served.read_bytes()
    assert _leftovers(tmp_path) == []  # the copy and its stamp are gone


def test_a_copy_of_a_replaced_file_is_discarded(tmp_path: Path) -> None:
    served = _served(tmp_path)
    assert staging.stage(served)
    # another publish swapped a new version in, as publish does (same size, new inode)
    new = tmp_path / "new"
    new.write_bytes(b"version 2" * 1000)
    os.replace(new, served)
    destination = tmp_path / "next.tmp"
    assert not staging.take_staged(served, destination)
    assert not destination.exists()
    assert _leftovers(tmp_path) == []


def test_a_file_replaced_while_it_is_copied_is_not_staged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    served = _served(tmp_path)
    copy = shutil.copyfile

    def copy_then_swap(source: Path, target: Path) -> None:
        copy(source, target)
        new = tmp_path / "new"
        new.write_bytes(b"version 2" * 1000)
        os.replace(new, served)

    monkeypatch.setattr(staging.shutil, "copyfile", copy_then_swap)
    assert not staging.stage(served)
    assert _leftovers(tmp_path) == []
    assert not staging.take_staged(served, tmp_path / "next.tmp")


def test_nothing_served_nothing_staged(tmp_path: Path) -> None:
    assert not staging.stage(tmp_path / "omnikpi.duckdb")
    assert not staging.take_staged(tmp_path / "omnikpi.duckdb", tmp_path / "next.tmp")


def test_a_failing_step_removes_its_copy(tmp_path: Path) -> None:
    served = _served(tmp_path)
    with pytest.raises(RuntimeError, match="dbt failed"), staging.staged_copy(served):
        raise RuntimeError("dbt failed")
    assert _leftovers(tmp_path) == []
    with staging.staged_copy(served):
        pass
    assert _leftovers(tmp_path) == [".omnikpi.duckdb.staged", ".omnikpi.duckdb.staged.json"]
