"""Publish: copy the public marts from the build database into a new serving file, then
swap it in with one `os.replace`.

Why this is atomic for readers: the new file is complete, checkpointed and fsynced before
the rename; `rename(2)` swaps the directory entry in one step. A reader that has the old
file open keeps its inode (and so the old version) until it closes; a reader that opens
after the rename sees only the new file. Nobody ever opens a half-written serving file.

The serving file is written with `STORAGE_VERSION 'v1.0.0'` so DuckDB 1.x clients (which
many BI drivers bundle) can open it; duckdb 2.0's default format is unreadable to them.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orchestration.config import PROJECT_DIR, Settings, settings
from orchestration.serving import gate, pii
from orchestration.serving.db import BUILD_ALIAS, connect_build, quote_path
from orchestration.serving.manifest import PublicModel, public_models

SERVING_STORAGE_VERSION = "v1.0.0"
SERVING_ALIAS = "pub"


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


def _columns(con: Any, model: PublicModel) -> list[tuple[str, str]]:
    return [
        (row[0], row[1])
        for row in con.execute(
            "select column_name, data_type from duckdb_columns() where database_name = ? "
            "and schema_name = ? and table_name = ? order by column_index",
            [BUILD_ALIAS, model.schema, model.alias],
        ).fetchall()
    ]


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
) -> PublishResult:
    """Audit (gate + PII guard) and publish every public model; raise PublishError if refused."""
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
        violations = []
        for m in models:
            label = f"{m.schema}.{m.alias}"
            violations += pii.check_table(con, m.relation, label, columns[m.unique_id], m.columns)
        if violations:
            shown = "; ".join(v.one_line() for v in violations[:5])
            raise PublishError(f"PII guard refused {len(violations)} column(s): {shown}")

        con.execute(
            f"attach {quote_path(tmp)} as {SERVING_ALIAS} "
            f"(storage_version '{SERVING_STORAGE_VERSION}')"
        )
        rows: dict[str, int] = {}
        for schema in sorted({m.schema for m in models} | {"meta"}):
            con.execute(f'create schema {SERVING_ALIAS}."{schema}"')
        for m in models:
            source, target = f"{BUILD_ALIAS}.{m.relation}", f"{SERVING_ALIAS}.{m.relation}"
            con.execute(f"create table {target} as select * from {source}")
            count = con.execute(f"select count(*) from {target}").fetchone()
            rows[f"{m.schema}.{m.alias}"] = int(count[0]) if count else 0
        published_at = datetime.now(UTC).replace(tzinfo=None)
        con.execute(
            f"""create table {SERVING_ALIAS}.meta.published as select
                cast(? as timestamp) as published_at, cast(? as date) as min_date,
                cast(? as date) as max_date, cast(? as varchar) as git_commit,
                cast(? as varchar) as dagster_run_id, cast(? as varchar[]) as tables,
                cast(? as varchar) as storage_version""",
            [
                published_at,
                min_date,
                max_date,
                git_commit(),
                dagster_run_id,
                sorted(rows),
                SERVING_STORAGE_VERSION,
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
    )
