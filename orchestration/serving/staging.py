"""A copy of the served file, made while dbt builds, for the next publish to start from.

An incremental publish starts from a copy of the served file (publish.py). At size M that is
2.4 GiB, about 5 s of a daily run spent after dbt has finished. The dbt step makes the copy
while it builds instead (`staged_copy`), and the publish takes it (`take_staged`) when it is
a copy of the file still served.

Why a copy can be trusted: the served file is never written in place; every publish
replaces it with `os.replace`. So a file whose inode, size and modification time are those
the copy was made from has the content the copy has.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _staged(serving_db: Path) -> Path:
    return serving_db.with_name(f".{serving_db.name}.staged")


def _identity(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return [st.st_ino, st.st_size, st.st_mtime_ns]


def _stamp(serving_db: Path) -> Path:
    return serving_db.with_name(f".{serving_db.name}.staged.json")


def discard(serving_db: Path) -> None:
    _stamp(serving_db).unlink(missing_ok=True)  # first: a copy without its stamp is never used
    _staged(serving_db).unlink(missing_ok=True)


def stage(serving_db: Path) -> bool:
    """Copy the served file next to it with the identity it was copied from; False if there
    is nothing to copy or it changed meanwhile (the copy is then removed)."""
    discard(serving_db)
    before = _identity(serving_db)
    if before is None:
        return False
    staged = _staged(serving_db)
    try:
        shutil.copyfile(serving_db, staged)
    except OSError:
        discard(serving_db)
        return False
    if _identity(serving_db) != before:  # replaced while copying: the copy may mix versions
        discard(serving_db)
        return False
    _stamp(serving_db).write_text(json.dumps(before))
    return True


def take_staged(serving_db: Path, destination: Path) -> bool:
    """Move the staged copy to `destination` if it is a copy of the file served now."""
    stamp, staged = _stamp(serving_db), _staged(serving_db)
    try:
        made_from = json.loads(stamp.read_text())
    except (FileNotFoundError, ValueError):
        discard(serving_db)
        return False
    if made_from != _identity(serving_db) or not staged.exists():
        discard(serving_db)
        return False
    os.replace(staged, destination)
    stamp.unlink(missing_ok=True)
    return True


@contextmanager
def staged_copy(serving_db: Path) -> Iterator[None]:
    """Copy the served file in a background thread for the body's duration (joined at the
    end, so the copy never outlives the step that made it)."""
    worker = threading.Thread(target=stage, args=(serving_db,), name="stage-serving-copy")
    worker.start()
    try:
        yield
    except BaseException:
        worker.join()
        discard(serving_db)  # no publish follows a failed step: free the disk now
        raise
    worker.join()
