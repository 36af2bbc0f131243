"""`omnikpi refresh` and `omnikpi demo`: run the daily job in-process, with progress."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
import uuid
import warnings
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)
from rich.console import Console

from orchestration.config import Settings, settings

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
DEMO_CUSTOMERS = 1000
DEMO_DAYS = 14
DEMO_START = date(2025, 11, 1)
DEMO_SEED = 42
# Dagster's own console log is for `dagster dev`; the CLI shows its own progress lines.
_QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


@dataclass
class RefreshOutcome:
    ok: bool
    reason: str = ""
    warnings: list[str] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    log: Path | None = None
    step_seconds: Counter[str] = field(default_factory=Counter)  # summed over the runs


class RefreshError(Exception):
    """A refresh that cannot start (bad dates, nothing landed)."""


def log_file(cfg: Settings) -> Path:
    return cfg.data_dir / "logs" / "refresh.log"


def yesterday() -> date:
    return datetime.now(AMSTERDAM).date() - timedelta(days=1)


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def landed_files(cfg: Settings, day: date) -> list[Path]:
    return sorted(p for p in cfg.landing_dir.glob(f"*/{day.isoformat()}/*") if p.is_file())


def requested_range(args: argparse.Namespace) -> tuple[date, date]:
    if args.date_to and not args.date_from:
        raise RefreshError("--to needs --from")
    if args.date_from:
        first, last = args.date_from, args.date_to or yesterday()
    else:
        first = last = args.date or yesterday()
    if last < first:
        raise RefreshError(f"--to {last} is before --from {first}")
    return first, last


def check_landing(cfg: Settings, first: date, last: date) -> None:
    missing = [d for d in days_between(first, last) if not landed_files(cfg, d)]
    if missing:
        shown = ", ".join(d.isoformat() for d in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise RefreshError(f"no landing files for {shown}{more} in {cfg.landing_dir}")


def _instance() -> dg.DagsterInstance:
    # With DAGSTER_HOME set (as `make dev` does) CLI runs show up in the Dagster UI and
    # share its pool limits; otherwise a throwaway in-memory instance.
    if os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get()
    return dg.DagsterInstance.ephemeral()


class _Progress:
    """Turns Dagster events of one run into terminal lines and a status spinner."""

    def __init__(self, console: Console, status: Any) -> None:
        self.console = console
        self.status = status
        self.materialized: dict[str, set[str]] = defaultdict(set)
        self.checks: Counter[str] = Counter()
        self.step_checks: Counter[str] = Counter()
        self.warnings: list[str] = []
        self.failures: list[str] = []
        self._step_started: dict[str, float] = {}
        self.step_seconds: Counter[str] = Counter()

    def __call__(self, entry: Any) -> None:
        event = entry.dagster_event
        if event is None:
            # the dbt step logs each failing warn-severity test as "dbt warning: ..."
            if entry.user_message and entry.user_message.startswith("dbt warning: "):
                self.warnings.append(entry.user_message.removeprefix("dbt warning: "))
            return
        step = event.step_key or ""
        kind = event.event_type_value
        if kind == "STEP_START":
            self._step_started[step] = time.monotonic()
            self.status.update(f"[bold]{step}[/] running...")
        elif kind == "ASSET_MATERIALIZATION":
            key = event.asset_key.to_user_string() if event.asset_key else "?"
            self.materialized[step].add(key)
            self.status.update(f"[bold]{step}[/] built {key}")
        elif kind == "ASSET_CHECK_EVALUATION":
            evaluation = event.asset_check_evaluation_data
            self.step_checks[step] += 1
            if evaluation.passed:
                self.checks["passed"] += 1
            elif evaluation.severity == dg.AssetCheckSeverity.WARN:
                self.checks["warned"] += 1
                if not any(w.startswith(f"{evaluation.check_name} on ") for w in self.warnings):
                    target = evaluation.asset_key.to_user_string()
                    self.warnings.append(f"{evaluation.check_name} on {target} (check warned)")
            else:
                self.checks["failed"] += 1
        elif kind == "STEP_SUCCESS":
            took = time.monotonic() - self._step_started.get(step, time.monotonic())
            self.step_seconds[step] += took
            done = [f"{len(self.materialized[step])} asset(s)"] if self.materialized[step] else []
            done += [f"{self.step_checks[step]} check(s)"] if self.step_checks[step] else []
            what = ", ".join(done) or "done"
            self.console.print(f"  [green]ok[/]   {step}: {what} in {took:.1f}s")
        elif kind == "STEP_FAILURE":
            data = event.step_failure_data
            user = data.user_failure_data
            if user and user.description:
                # our own Failure descriptions: every line matters, joined into one
                lines = [x.strip() for x in user.description.strip().splitlines() if x.strip()]
                line = " ".join(" ".join(lines).split())
            else:  # an exception: its first line, not the stack
                message = data.error.message if data.error else "step failed"
                line = " ".join(message.strip().splitlines()[0].split())
            line = line if len(line) <= 400 else line[:397] + "..."
            self.failures.append(f"{step}: {line}")
            self.console.print(f"  [red]FAIL[/] {step}: {line}")
        elif kind == "STEP_SKIPPED":
            self.console.print(f"  [yellow]skip[/] {step} (an upstream step failed)")


def _execute(
    job: dg.JobDefinition,
    instance: dg.DagsterInstance,
    console: Console,
    label: str,
    selection: Sequence[dg.AssetKey],
    log_path: Path,
    *,
    partition_key: str | None = None,
    tags: dict[str, str] | None = None,
) -> _Progress:
    run_id = str(uuid.uuid4())
    console.print(f"[bold]{label}[/]")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    # dagster-dbt echoes dbt's log to stdout: keep it in a log file, show progress lines
    with (
        console.status(f"{label}...") as status,
        log_path.open("a") as log,
        contextlib.redirect_stdout(log),
    ):
        progress = _Progress(console, status)
        instance.add_event_listener(run_id, progress)
        result = job.execute_in_process(
            run_config=_QUIET,
            instance=instance,
            partition_key=partition_key,
            asset_selection=list(selection),
            tags={"omnikpi/trigger": "cli", **(tags or {})},
            run_id=run_id,
            raise_on_error=False,
        )
    if not result.success and not progress.failures:
        progress.failures.append(f"run {run_id[:8]} failed")
    return progress


def run_refresh(
    first: date,
    last: date,
    *,
    console: Console | None = None,
    defs: dg.Definitions | None = None,
    instance: dg.DagsterInstance | None = None,
    only_loads: Sequence[dg.AssetKey] | None = None,
) -> RefreshOutcome:
    """Load, build, check and publish the partitions first..last; never raises on run failure."""
    started = time.monotonic()
    console = console or Console()
    cfg = settings()
    cfg.ensure_dirs()
    check_landing(cfg, first, last)
    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    warnings.filterwarnings("ignore", category=dg.PreviewWarning)
    if defs is None:
        from orchestration.definitions import defs as default_defs

        defs = default_defs
    from orchestration.defs.jobs import DAILY_JOB_NAME

    job = defs.resolve_job_def(DAILY_JOB_NAME)
    graph = job.asset_layer.asset_graph
    keys = sorted(job.asset_layer.selected_asset_keys & graph.materializable_asset_keys)
    if only_loads is not None:
        # a subset of the sources (the skeleton demo): drop the other load assets
        # (load assets are raw/<source>__<entity>, as the dbt translator maps sources)
        keys = [k for k in keys if k.path[0] != "raw" or k in only_loads]
    # Assets that take a whole range in one run (the loaders, single-run backfill policy) and
    # the unpartitioned ones (dbt, publish: they build the run's range) run once for the
    # range; a partitioned asset without that policy would run once per day first.
    per_day = sorted(
        k
        for k in keys
        if graph.get(k).partitions_def is not None
        and (
            (policy := graph.get(k).backfill_policy) is None
            or policy.max_partitions_per_run is not None
        )
    )
    days = days_between(first, last)
    instance = instance or _instance()
    outcome = RefreshOutcome(ok=True)
    console.print(
        f"omnikpi refresh {first}..{last} ({len(days)} day(s)); build {cfg.build_db}, "
        f"serving {cfg.serving_db}"
    )
    log = log_file(cfg)
    steps: list[_Progress] = []
    if len(days) == 1:
        steps.append(
            _execute(
                job, instance, console, f"refresh {first}", keys, log, partition_key=str(first)
            )
        )
    else:
        for day in days if per_day else []:
            steps.append(
                _execute(
                    job, instance, console, f"load {day}", per_day, log, partition_key=str(day)
                )
            )
            if steps[-1].failures:
                break
        rest = [k for k in keys if k not in per_day]
        if rest and not any(p.failures for p in steps):
            tags = {
                ASSET_PARTITION_RANGE_START_TAG: str(first),
                ASSET_PARTITION_RANGE_END_TAG: str(last),
            }
            label = f"build, check and publish {first}..{last}"
            steps.append(_execute(job, instance, console, label, rest, log, tags=tags))
    for progress in steps:
        outcome.warnings += progress.warnings
        outcome.step_seconds.update(progress.step_seconds)
        if progress.failures and outcome.ok:
            outcome.ok = False
            outcome.reason = progress.failures[0]
    outcome.log = log
    outcome.tables = published_tables(cfg) if outcome.ok else {}
    outcome.seconds = time.monotonic() - started
    return outcome


def published_tables(cfg: Settings) -> dict[str, int]:
    import duckdb

    if not cfg.serving_db.exists():
        return {}
    with duckdb.connect(str(cfg.serving_db), read_only=True) as con:
        rows = con.execute(
            "select schema_name || '.' || table_name, row_count from meta.published_tables "
            "order by 1"
        ).fetchall()
    return {name: int(count) for name, count in rows}


def report(console: Console, outcome: RefreshOutcome) -> None:
    for line in dict.fromkeys(outcome.warnings):  # once each, in order
        console.print(f"  [yellow]warning[/] {line}")
    if outcome.ok:
        console.print(
            f"[green]published[/] {len(outcome.tables)} table(s) in {outcome.seconds:.0f}s: "
            + ", ".join(f"{t} ({n} rows)" for t, n in outcome.tables.items())
        )


def refresh_command(args: argparse.Namespace) -> int:
    console = Console(file=sys.stdout)  # bound now: runs redirect sys.stdout to the log
    err = Console(stderr=True)
    try:
        first, last = requested_range(args)
        outcome = run_refresh(first, last, console=console)
    except RefreshError as exc:
        err.print(f"omnikpi refresh: {exc}", soft_wrap=True, markup=False)
        return 2
    report(console, outcome)
    if not outcome.ok:
        err.print(
            f"omnikpi refresh failed: {outcome.reason}; the served version is unchanged "
            f"(log: {outcome.log})",
            soft_wrap=True,
            markup=False,
        )
        return 1
    return 0


def _simulator() -> Any:
    try:
        from orchestration.simulator.run import simulate
    except ImportError:
        return None
    return simulate


def _skeleton_sample(cfg: Settings) -> tuple[date, date]:
    # Until the simulator exists: the walking skeleton's single shop file.
    from orchestration.loaders.samples import SKELETON_DAY, SKELETON_FILE, SKELETON_SHOP_CSV

    folder = cfg.landing_dir / "shop" / SKELETON_DAY
    folder.mkdir(parents=True, exist_ok=True)
    (folder / SKELETON_FILE).write_text(SKELETON_SHOP_CSV)
    day = date.fromisoformat(SKELETON_DAY)
    return day, day


def demo_command(_args: argparse.Namespace) -> int:
    from orchestration.kpis import print_kpis

    console = Console(file=sys.stdout)
    err = Console(stderr=True)
    started = time.monotonic()
    cfg = settings()
    cfg.ensure_dirs()
    simulate = _simulator()
    only_loads = None
    if simulate is None:
        console.print("[yellow]simulator not available yet: using the skeleton sample[/]")
        first, last = _skeleton_sample(cfg)
        only_loads = [dg.AssetKey(["raw", "shop__orders"])]
    else:
        first, last = DEMO_START, DEMO_START + timedelta(days=DEMO_DAYS - 1)
        console.print(
            f"[bold]simulate[/] {DEMO_CUSTOMERS} customers x {DEMO_DAYS} days from {first}"
        )
        simulate(
            cfg.data_dir,
            customers=DEMO_CUSTOMERS,
            days=DEMO_DAYS,
            start=first,
            seed=DEMO_SEED,
            progress=True,
        )
    try:
        outcome = run_refresh(first, last, console=console, only_loads=only_loads)
    except RefreshError as exc:
        err.print(f"omnikpi demo: {exc}", soft_wrap=True, markup=False)
        return 2
    report(console, outcome)
    if not outcome.ok:
        err.print(f"omnikpi demo failed: {outcome.reason}", soft_wrap=True, markup=False)
        return 1
    print_kpis(console, cfg)
    console.print(f"demo finished in {time.monotonic() - started:.0f}s")
    return 0
