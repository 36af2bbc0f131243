"""Publish: write the public marts from the build database into a new serving file, then
swap it in with one `os.replace`.

The new file starts as a copy of the served one when it can (an incremental publish): a fact
stamped with `_built_at` (macro `built_at`) then gets only its rows built since the served
file's watermark, after the window deletes dbt logged in `audit.dbt_window_deletes` are
replayed on it. A mart dbt rebuilds whole is compared with its served version instead, and
only the rows that differ are replaced (serving/differences.py). A table without a key, or
whose columns changed, is copied whole. A carried table whose row count then differs from
the build's is copied whole too: the rows the replay keeps are a superset of the build's
(docs/operations.md has the argument), so equal counts mean equal rows.

Why this is atomic for readers: the new file is complete, checkpointed and fsynced before
the rename; `rename(2)` swaps the directory entry in one step. A reader that has the old
file open keeps its inode (and so the old version) until it closes; a reader that opens
after the rename sees only the new file. Nobody ever opens a half-written serving file.

The serving file is written with `STORAGE_VERSION 'v1.0.0'` so DuckDB 1.x clients (which
many BI drivers bundle) can open it; duckdb 2.0's default format is unreadable to them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from orchestration.config import PROJECT_DIR, Settings, settings
from orchestration.serving import differences, gate, pii, staging
from orchestration.serving.db import (
    BUILD_ALIAS,
    connect_build,
    has_table,
    quote_path,
    row_count,
)
from orchestration.serving.manifest import PublicModel, public_models

SERVING_STORAGE_VERSION = "v1.0.0"
SERVING_ALIAS = "pub"
BUILT_AT = "_built_at"  # the stamp of incrementally published facts; not published itself
WINDOW_DELETES = "audit.dbt_window_deletes"  # written by macro delete_window
# A table rebuilt this much (a full refresh) is copied whole: cheaper than replacing nearly
# every row, and the copy leaves no freed blocks behind in the file.
MOSTLY_REBUILT = 0.9


class PublishError(Exception):
    """Publishing refused or failed; the served version is untouched."""


class PublishBlocked(PublishError):
    """An error-severity dbt test (or a model) is failing."""


@dataclass(frozen=True)
class PublishResult:
    serving_db: Path
    published_at: datetime
    tables: Mapping[str, int]  # schema.table -> rows
    warnings: Sequence[gate.NodeResult] = field(default_factory=list)
    seconds: float = 0.0
    # stamped facts brought up to date in a copy of the served file (their newer rows)
    updated: Sequence[str] = field(default_factory=list)
    # marts rebuilt whole, brought up to date in that copy by their differing rows
    # (serving/differences.py); the other tables were copied whole
    compared: Sequence[str] = field(default_factory=list)
    # carried or compared tables copied whole after all, with the reason
    recopied: Mapping[str, str] = field(default_factory=dict)
    # the new file started from the copy the dbt step made of the served one
    from_staged: bool = False


def git_commit(project_dir: Path = PROJECT_DIR) -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=project_dir,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _columns(con: Any, model: PublicModel, database: str = BUILD_ALIAS) -> list[tuple[str, str]]:
    return [
        (row[0], row[1])
        for row in con.execute(
            "select column_name, data_type from duckdb_columns() where database_name = ? "
            "and schema_name = ? and table_name = ? order by column_index",
            [database, model.schema, model.alias],
        ).fetchall()
    ]


def _published(columns: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(name, data_type) for name, data_type in columns if name != BUILT_AT]


def _select_list(columns: Sequence[tuple[str, str]]) -> str:
    return ", ".join(f'"{name}"' for name, _ in _published(columns))


def _served_state(serving_db: Path) -> tuple[bool, datetime | None]:
    """May the next version start as a copy of the served file, and the served watermark
    (None: no stamped fact can be carried forward)."""
    if not serving_db.exists():
        return False, None
    try:
        with duckdb.connect(str(serving_db), read_only=True) as served:
            row = served.execute(
                "select built_through, storage_version from meta.published"
            ).fetchone()
    except duckdb.Error:
        return False, None  # written before watermarks existed, or unreadable: publish whole
    if not row or row[1] != SERVING_STORAGE_VERSION:
        return False, None
    return True, row[0]


def _has_window_log(con: Any) -> bool:
    return has_table(con, WINDOW_DELETES, BUILD_ALIAS)


def _build_watermark(con: Any, stamped: Sequence[PublicModel]) -> datetime | None:
    """The newest stamp in the build: every later dbt run stamps its rows after it."""
    parts = [f"select max({BUILT_AT}) as stamp from {m.relation}" for m in stamped]
    if _has_window_log(con):
        parts.append(f"select max(deleted_at) from {WINDOW_DELETES}")
    if not parts:
        return None
    row = con.execute(f"select max(stamp) from ({' union all '.join(parts)})").fetchone()
    return row[0] if row else None


def _update_in_place(con: Any, model: PublicModel, since: datetime, columns: list) -> str | None:
    """Bring a carried table up to the build; the reason to copy it whole instead, or None.

    Replays the window deletes logged after `since`, then replaces the rows of every key
    built after it (dbt's delete+insert), as the dbt runs did on the build table."""
    source, target = f"{BUILD_ALIAS}.{model.relation}", f"{SERVING_ALIAS}.{model.relation}"
    changed = f"from {source} where {BUILT_AT} > ?"
    built = row_count(con, source)
    row = con.execute(f"select count(*) {changed}", [since]).fetchone()
    fresh = int(row[0]) if row else 0
    if built and fresh >= MOSTLY_REBUILT * built:
        return f"{fresh} of {built} rows rebuilt since the last publish"
    if _has_window_log(con):
        windows = con.execute(
            f"select date_column, from_date, to_date from {WINDOW_DELETES} "
            "where schema_name = ? and table_name = ? and deleted_at > ?",
            [model.schema, model.alias, since],
        ).fetchall()
        for date_column, first, last in windows:
            dates = f'"{date_column}" between ? and ?'
            con.execute(f"delete from {target} where {dates}", [first, last])
    key = model.unique_key
    con.execute(f'delete from {target} where "{key}" in (select "{key}" {changed})', [since])
    names = _select_list(columns)
    con.execute(f"insert into {target} ({names}) select {names} {changed}", [since])
    served = row_count(con, target)
    if served != built:
        return f"{served} rows after the update against {built} built"
    return None


def _update_by_difference(
    con: Any, found: differences.Differences, names: str, target: str
) -> str | None:
    """Replace the served rows that differ from the build; the reason to copy whole, or None."""
    if found.built_rows and found.changed_rows >= MOSTLY_REBUILT * found.built_rows:
        differences.discard(con, found)
        return f"{found.changed_rows} of {found.built_rows} rows differ from the served ones"
    differences.apply(con, found, names, target)
    served = row_count(con, target)
    if served != found.built_rows:
        return f"{served} rows after the update against {found.built_rows} built"
    return None


def _refuse_pii(violations: Sequence[pii.PiiViolation]) -> None:
    if violations:
        shown = "; ".join(v.one_line() for v in violations[:5])
        raise PublishError(f"PII guard refused {len(violations)} column(s): {shown}")


def _publish_kpi_definitions(con: Any, manifest: Mapping[str, Any]) -> None:
    """meta.kpis: what each KPI column means (name, formula, grain, standard), from the YAML,
    so BI users and `omnikpi kpis` read the definitions next to the numbers."""
    from orchestration.kpi_catalogue import kpi_records

    fields = ("folder", "model", "column", "kpi", "formula", "grain", "sources", "standard",
              "metric")  # fmt: skip
    con.execute(
        f"create table {SERVING_ALIAS}.meta.kpis ("
        + ", ".join(f'"{f}" varchar' for f in fields)
        + ")"
    )
    records = kpi_records(dict(manifest))
    if records:
        con.executemany(
            f"insert into {SERVING_ALIAS}.meta.kpis values ({', '.join('?' for _ in fields)})",
            [tuple(r[f] for f in fields) for r in records],
        )


def publish(
    manifest: Mapping[str, Any],
    *,
    min_date: str | None = None,
    max_date: str | None = None,
    dagster_run_id: str | None = None,
    cfg: Settings | None = None,
    full: bool = False,
) -> PublishResult:
    """Audit (gate + PII guard) and publish every public model; raise PublishError if refused.

    `full` copies every table whole instead of starting from the served file."""
    started = datetime.now(UTC)
    cfg = cfg or settings()
    models = public_models(manifest)
    if not models:
        raise PublishError("the dbt project has no public models to publish")
    if not cfg.build_db.exists():
        raise PublishError(f"no build database at {cfg.build_db}")
    cfg.serving_db.parent.mkdir(parents=True, exist_ok=True)
    tmp = cfg.serving_db.with_name(f".{cfg.serving_db.name}.{uuid.uuid4().hex}.tmp")

    con = connect_build(cfg.build_db, read_only=True, cfg=cfg)
    try:
        failing = gate.blocking_failures(con, manifest)
        if failing:
            raise PublishBlocked(f"{gate.summarise(failing)} failing dbt node(s)")
        warnings = gate.current_warnings(con, manifest)

        columns = {m.unique_id: _columns(con, m) for m in models}
        missing = [m.relation for m in models if not columns[m.unique_id]]
        if missing:
            raise PublishError(f"public models not built yet: {', '.join(missing[:5])}")
        stamped = [m for m in models if m.unique_key and BUILT_AT in dict(columns[m.unique_id])]
        built_through = _build_watermark(con, stamped)

        from_staged = False
        copy_served, since = (False, None) if full else _served_state(cfg.serving_db)
        if since is not None and (built_through is None or built_through < since):
            since = None  # the build is older than what is served (restored?): facts whole
        if copy_served:
            # the dbt step copied the served file while it built (serving/staging.py)
            from_staged = staging.take_staged(cfg.serving_db, tmp)
            if not from_staged:
                shutil.copyfile(cfg.serving_db, tmp)
            con.execute(f"attach {quote_path(tmp)} as {SERVING_ALIAS}")
        else:
            staging.discard(cfg.serving_db)
            con.execute(
                f"attach {quote_path(tmp)} as {SERVING_ALIAS} "
                f"(storage_version '{SERVING_STORAGE_VERSION}')"
            )
        # carried: stamped facts the served file holds with the same published columns
        carried = {
            m.unique_id
            for m in stamped
            if since is not None
            and _columns(con, m, SERVING_ALIAS) == _published(columns[m.unique_id])
        }
        # compared: the other keyed marts the served file holds with the same columns
        compared = {
            m.unique_id: differences.find(
                con,
                f"{m.schema}__{m.alias}",
                m.primary_key,
                [name for name, _ in _published(columns[m.unique_id])],
                f"{BUILD_ALIAS}.{m.relation}",
                f"{SERVING_ALIAS}.{m.relation}",
            )
            for m in models
            if copy_served
            and m.primary_key
            and m.unique_id not in carried
            and _columns(con, m, SERVING_ALIAS) == _published(columns[m.unique_id])
        }

        violations = []
        for m in models:
            label = f"{m.schema}.{m.alias}"
            # a carried or compared table's other rows were checked when they were published
            only = f"{BUILT_AT} > '{since}'" if m.unique_id in carried else None
            relation = compared[m.unique_id].changed if m.unique_id in compared else m.relation
            violations += pii.check_table(
                con, relation, label, _published(columns[m.unique_id]), m.columns, where=only
            )
        _refuse_pii(violations)

        _drop_all_but(con, carried | set(compared), models)
        for schema in sorted({m.schema for m in models} | {"meta"}):
            con.execute(f'create schema if not exists {SERVING_ALIAS}."{schema}"')
        rows: dict[str, int] = {}
        updated: list[str] = []
        compared_labels: list[str] = []
        recopied: dict[str, str] = {}
        for m in models:
            label = f"{m.schema}.{m.alias}"
            source, target = f"{BUILD_ALIAS}.{m.relation}", f"{SERVING_ALIAS}.{m.relation}"
            names = _select_list(columns[m.unique_id])
            if m.unique_id in carried or m.unique_id in compared:
                if m.unique_id in carried:
                    assert since is not None
                    reason = _update_in_place(con, m, since, columns[m.unique_id])
                    done = updated
                else:
                    reason = _update_by_difference(con, compared[m.unique_id], names, target)
                    done = compared_labels
                if reason is None:
                    done.append(label)
                    rows[label] = row_count(con, target)
                    continue
                recopied[label] = reason
                con.execute(f"drop table {target}")
                # the rows the update would have kept were checked against an older build
                _refuse_pii(
                    pii.check_table(
                        con, m.relation, label, _published(columns[m.unique_id]), m.columns
                    )
                )
            con.execute(f"create table {target} as select {names} from {source}")
            rows[label] = row_count(con, target)
        published_at = datetime.now(UTC).replace(tzinfo=None)
        con.execute(
            f"""create table {SERVING_ALIAS}.meta.published as select
                cast(? as timestamp) as published_at, cast(? as date) as min_date,
                cast(? as date) as max_date, cast(? as varchar) as git_commit,
                cast(? as varchar) as dagster_run_id, cast(? as varchar[]) as tables,
                cast(? as varchar) as storage_version, cast(? as timestamp) as built_through""",
            [
                published_at,
                min_date,
                max_date,
                git_commit(),
                dagster_run_id,
                sorted(rows),
                SERVING_STORAGE_VERSION,
                built_through,
            ],
        )
        con.execute(
            f"""create table {SERVING_ALIAS}.meta.published_tables (
                schema_name varchar, table_name varchar, dbt_unique_id varchar,
                folder varchar, phase varchar, row_count bigint)"""
        )
        con.executemany(
            f"insert into {SERVING_ALIAS}.meta.published_tables values (?, ?, ?, ?, ?, ?)",
            [
                (m.schema, m.alias, m.unique_id, m.folder, m.phase, rows[f"{m.schema}.{m.alias}"])
                for m in models
            ],
        )
        _publish_kpi_definitions(con, manifest)
        con.execute(f"detach {SERVING_ALIAS}")  # checkpoints: the file is complete on disk
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
        raise
    con.close()

    _fsync(tmp)
    os.replace(tmp, cfg.serving_db)
    _fsync(cfg.serving_db.parent)
    return PublishResult(
        serving_db=cfg.serving_db,
        published_at=published_at,
        tables=rows,
        warnings=warnings,
        seconds=(datetime.now(UTC) - started).total_seconds(),
        updated=updated,
        compared=compared_labels,
        recopied=recopied,
        from_staged=from_staged,
    )


def _drop_all_but(con: Any, kept: set[str], models: Sequence[PublicModel]) -> None:
    """Empty the copied file of all but the tables `kept` to update (meta is written anew)."""
    keep = {(m.schema, m.alias) for m in models if m.unique_id in kept}
    tables = con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = ?",
        [SERVING_ALIAS],
    ).fetchall()
    for schema, table in tables:
        if (schema, table) not in keep:
            con.execute(f'drop table {SERVING_ALIAS}."{schema}"."{table}"')
    views = con.execute(
        "select schema_name, view_name from duckdb_views() where database_name = ? "
        "and not internal",
        [SERVING_ALIAS],
    ).fetchall()
    for schema, view in views:
        con.execute(f'drop view {SERVING_ALIAS}."{schema}"."{view}"')
