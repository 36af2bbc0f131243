"""A full refresh equals a sequence of daily incremental runs, table by table.

Two build databases over the same simulated exports:

- *full*: every day loaded, then one `dbt build --full-refresh` over the whole range;
- *daily*: a first backfill of the first days (one run over their range, as `omnikpi refresh
  --from --to` does when a warehouse starts), then day by day: load that day's files, then
  `dbt build --vars {min_date: D, max_date: D}` (the window the nightly job passes in its
  environment). The web and shop files of one day are delivered late: missing when that day
  and the next are built, then they land, the loader reloads the day and the day is rebuilt
  (what the late-files sensor requests), and the days after follow.

  After each of its dbt runs the public facts among these tables are published into a
  serving file, incrementally after the first (orchestration/serving/publish.py).

- *chunked*: every day loaded, then the long-backfill plan of `dbt_steps` with 4-day chunks
  (orchestration/defs/build_chunks.py): the event-volume models chunk by chunk, then one build
  of the whole range in which they rebuild only the last chunk.

- *rerun*: a copy of *daily*, then one incremental `dbt build` of the whole range again (a
  rebuild of history on an existing warehouse);
- *catch-up*: a copy of *daily* after its first backfill, then the remaining days loaded and
  built in one incremental run (a warehouse catching up after days without runs): identity
  moves on in those days and re-keys touchpoints dated before the run's window.

  Both with `long_window_days` lowered, so that the models take their long-window forms
  (macro `is_long_window`).

Every incremental model must then hold exactly the same rows in all five databases (double
columns compared to 9 decimals: sums of floating weights depend on summation order).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration.config import Settings
from orchestration.defs.build_chunks import DbtStep, dbt_steps
from orchestration.defs.dbt_project import load_manifest
from orchestration.serving.publish import PublishResult, publish
from tests.project_cli import run_cli

pytestmark = pytest.mark.slow

# Ten days, so that returns (a day or more after delivery) and click & collect pickups
# happen during the daily runs: 11 dbt invocations (full, backfill, 3 days, the late day
# again, 3 chunked steps, the rerun, the catch-up) of ~12 s each on 2 cores, most of it
# parsing (the vars change every time).
CUSTOMERS, DAYS, START, SEED = 3000, 10, date(2025, 10, 23), 11
BACKFILL_DAYS = 7
LATE_DAY = START + timedelta(days=7)
LATE_SOURCES = ("web", "shop")
CHUNK_DAYS = 4

# Every incremental model of issue 6, and the identity assignments they re-key from.
TABLES = (
    "staging.stg_web__events",
    "intermediate.int_web_identifiers_daily",
    "staging.stg_email__events",
    "intermediate.int_web_sessions_built",
    "intermediate.int_touchpoints_unioned",
    "marts.fct_touchpoints",
    "marts.fct_web_sessions",
    "intermediate.int_web_users_daily",
    "intermediate.int_web_channel_users_daily",
    "marts.fct_orders",
    "marts.fct_order_lines",
    "marts.fct_returns",
    "marts.fct_service_contacts",
    "marts.fct_loyalty_ledger",
    "marts.fct_ad_performance",
    "marts.fct_email_events",
    "marts.fct_attribution",
)
# Run logs rather than facts: compared on their state columns only.
STATE_TABLES = {
    "intermediate.int_customer_key_assignments": ("identifier_id", "customer_key"),
}


def _days() -> list[date]:
    return [START + timedelta(days=i) for i in range(DAYS)]


def _load(build_db: Path, landing: Path, day: date, sources: list[str] | None = None) -> None:
    from orchestration.loaders.engine import load_partition
    from orchestration.loaders.sources import SOURCES

    con = duckdb.connect(str(build_db))
    try:
        for name, spec in SOURCES.items():
            if sources is None or name in sources:
                load_partition(con, spec, day, landing)
    finally:
        con.close()


def _dbt_build(
    build_db: Path,
    work: Path,
    first: date,
    last: date,
    full: bool = False,
    step: DbtStep | None = None,
    extra_vars: dict[str, object] | None = None,
) -> None:
    env = {**os.environ, "OMNIKPI_BUILD_DB": str(build_db)}
    if step and step.chunk:
        selection = step.args()  # as the Dagster asset runs it: the window in the environment
        env |= step.env()
    else:
        dbt_vars = step.dbt_vars if step else {"min_date": str(first), "max_date": str(last)}
        dbt_vars = {**dbt_vars, **(extra_vars or {})}
        selection = [
            "build",
            # the compared models and everything they are built from (seeds included), not
            # the marts built on them; no tests
            "--select",
            " ".join(f"+{table.split('.')[1]}" for table in (*TABLES, *STATE_TABLES)),
            "--indirect-selection",
            "empty",
            "--vars",
            json.dumps(dbt_vars),
        ]
    args = ["dbt", *selection, "--target-path", str(work / "target")]
    args += ["--log-path", str(work / "logs"), *(["--full-refresh"] if full else [])]
    run_cli(args, env)


def _select_list(con: duckdb.DuckDBPyConnection, catalog: str, table: str) -> str:
    schema, name = table.split(".")
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = ? and table_schema = ? and table_name = ? "
        "order by ordinal_position",
        [catalog, schema, name],
    ).fetchall()
    assert columns, f"{catalog}.{table} does not exist"
    # when a row was loaded or built differs between the builds; what it holds must not
    columns = [(c, t) for c, t in columns if c not in ("_loaded_at", "_built_at")]
    return ", ".join(f'round("{c}", 9) as "{c}"' if t == "DOUBLE" else f'"{c}"' for c, t in columns)


def _differences(con: duckdb.DuckDBPyConnection, table: str, columns: str | None) -> tuple:
    cols = columns or _select_list(con, "full_build", table)
    full = f"select {cols} from full_build.{table}"
    daily = f"select {cols} from daily_build.{table}"
    rows = con.execute(f"select count(*) from ({full})").fetchone()[0]
    only_full = con.execute(f"select count(*) from ({full} except all {daily})").fetchone()[0]
    only_daily = con.execute(f"select count(*) from ({daily} except all {full})").fetchone()[0]
    return rows, only_full, only_daily


# The public facts among TABLES: what the daily runs publish.
PUBLISHED = tuple(t for t in TABLES if t.startswith("marts."))


def _publish(build_db: Path, serving_db: Path) -> PublishResult:
    """Publish the facts the test builds (the other marts are not built)."""
    manifest = load_manifest()
    names = {table.split(".")[1] for table in PUBLISHED}
    nodes = {
        uid: node
        for uid, node in manifest["nodes"].items()
        if node.get("resource_type") != "model" or node["name"] in names
    }
    cfg = Settings(serving_db.parent, build_db, serving_db, 2, "2GB")
    return publish({**manifest, "nodes": nodes}, cfg=cfg)


@dataclass(frozen=True)
class Builds:
    full: Path
    daily: Path
    chunked: Path
    rerun: Path
    catch_up: Path
    serving: Path  # published after every daily run
    publishes: list[PublishResult]


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Builds:
    from orchestration.simulator.run import simulate

    root = tmp_path_factory.mktemp("incremental")
    data = root / "data"
    simulate(data, customers=CUSTOMERS, days=DAYS, start=START, seed=SEED)
    landing = data / "landing"
    days = _days()

    # one full refresh over everything
    full_db = root / "full.duckdb"
    for day in days:
        _load(full_db, landing, day)
    _dbt_build(full_db, root / "full", days[0], days[-1], full=True)

    # day by day, with two files of LATE_DAY held back until two days were built
    held = root / "held"
    for source in LATE_SOURCES:
        shutil.move(landing / source / LATE_DAY.isoformat(), held / source)
    daily_db, serving_db = root / "daily.duckdb", root / "serving" / "omnikpi.duckdb"
    for day in days[:BACKFILL_DAYS]:
        _load(daily_db, landing, day)
    _dbt_build(daily_db, root / "daily", days[0], days[BACKFILL_DAYS - 1])
    catch_up_db = root / "catch_up.duckdb"
    shutil.copyfile(daily_db, catch_up_db)
    publishes = [_publish(daily_db, serving_db)]
    for day in days[BACKFILL_DAYS:]:
        _load(daily_db, landing, day)
        _dbt_build(daily_db, root / "daily", day, day)
        if day == LATE_DAY + timedelta(days=1):
            publishes.append(_publish(daily_db, serving_db))
            for source in LATE_SOURCES:
                shutil.move(held / source, landing / source / LATE_DAY.isoformat())
            _load(daily_db, landing, LATE_DAY, list(LATE_SOURCES))
            _dbt_build(daily_db, root / "daily", LATE_DAY, LATE_DAY)
        publishes.append(_publish(daily_db, serving_db))

    # a backfill of everything in chunks of 4 days (3 steps: 2 chunks, then the build)
    chunked_db = root / "chunked.duckdb"
    for day in days:
        _load(chunked_db, landing, day)
    steps = dbt_steps(days[0], days[-1], chunk_days=CHUNK_DAYS)
    assert [step.chunk for step in steps] == [True, True, False]
    for number, step in enumerate(steps):
        _dbt_build(chunked_db, root / "chunked", step.first, step.last, step=step)
        if number == 0:
            # the first chunk built its own dates (and the 2 days of lookahead a delivery can
            # hold: var delivery_lookahead_days), not the whole history loaded
            with duckdb.connect(str(chunked_db), read_only=True) as con:
                built = con.execute(
                    "select max(event_date) from staging.stg_web__events"
                ).fetchone()[0]
            assert built == step.last + timedelta(days=2), f"the first chunk built up to {built}"

    # long windows (longer than long_window_days=5 with the 3 days of lookback): the whole
    # range again on the daily warehouse, and the days after the first backfill in one run
    rerun_db = root / "rerun.duckdb"
    shutil.copyfile(daily_db, rerun_db)
    _long_window_build(rerun_db, root / "rerun", days[0], days[-1])
    for day in days[BACKFILL_DAYS:]:
        _load(catch_up_db, landing, day)
    _long_window_build(catch_up_db, root / "catch_up", days[BACKFILL_DAYS], days[-1])
    return Builds(full_db, daily_db, chunked_db, rerun_db, catch_up_db, serving_db, publishes)


def _long_window_build(build_db: Path, work: Path, first: date, last: date) -> None:
    _dbt_build(build_db, work, first, last, extra_vars={"long_window_days": 5})
    compiled = next((work / "target" / "compiled").rglob("fct_touchpoints.sql"))
    assert "rescoped_ids" in compiled.read_text(), "the run did not take the long-window form"


@pytest.fixture
def both(builds: Builds):
    """The full refresh and the daily runs."""
    yield from _attached(builds.full, builds.daily)


# each incremental way of building, against the full refresh
INCREMENTAL_BUILDS = {
    "daily": "the daily runs",
    "chunked": "the chunked backfill",
    "rerun": "the rerun of the whole range",
    "catch_up": "the catch-up run",
}


@pytest.fixture(params=sorted(INCREMENTAL_BUILDS))
def full_and_incremental(builds: Builds, request: pytest.FixtureRequest):
    """The full refresh and one incremental build (as `daily_build`), and its description."""
    for con in _attached(builds.full, getattr(builds, request.param)):
        yield con, INCREMENTAL_BUILDS[request.param]


def _attached(full_db: Path, other_db: Path):
    con = duckdb.connect()
    con.execute(f"attach '{full_db}' as full_build (read_only)")
    con.execute(f"attach '{other_db}' as daily_build (read_only)")
    yield con
    con.close()


@pytest.mark.parametrize("table", TABLES)
def test_incremental_builds_equal_a_full_refresh(
    full_and_incremental: tuple[duckdb.DuckDBPyConnection, str], table: str
) -> None:
    con, build = full_and_incremental
    rows, only_full, only_incremental = _differences(con, table, None)
    assert rows > 0, f"{table} is empty: nothing was compared"
    assert (only_full, only_incremental) == (0, 0), (
        f"{table}: {only_full} of {rows} rows only in the full refresh, "
        f"{only_incremental} only in {build}"
    )


@pytest.mark.parametrize("table", sorted(STATE_TABLES))
def test_identity_state_agrees(both: duckdb.DuckDBPyConnection, table: str) -> None:
    rows, only_full, only_daily = _differences(both, table, ", ".join(STATE_TABLES[table]))
    assert rows > 0
    assert (only_full, only_daily) == (0, 0)


def test_the_daily_runs_exercised_late_data_and_rekeying(both: duckdb.DuckDBPyConnection) -> None:
    """The comparison means something: the runs met what makes incremental hard."""
    con = both
    # the late web file held sessions crossing midnight into the day after
    crossing = con.execute(
        "select count(*) from daily_build.intermediate.int_web_sessions_built "
        "where cast(timezone('Europe/Amsterdam', timezone('UTC', session_end_at)) as date) "
        "> session_start_date"
    ).fetchone()[0]
    assert crossing > 0
    # identity moved on during the runs, and the facts were re-keyed
    rekeys = con.execute(
        "select count(*) from daily_build.intermediate.int_customer_keys_changed "
        "where previous_customer_key is not null or identifier_id like 'cookie:%'"
    ).fetchone()[0]
    assert rekeys > 0
    # orders changed after the day they were placed (collected, delivered, returned)
    later = con.execute(
        "select count(*) from daily_build.marts.fct_orders "
        "where order_source = 'shop' and cast(delivered_at as date) > order_date"
    ).fetchone()[0]
    assert later > 0
    # returns of earlier purchases came in during the daily runs
    returns = con.execute(
        "select count(*) from daily_build.marts.fct_returns where return_date >= ?",
        [START + timedelta(days=BACKFILL_DAYS)],
    ).fetchone()[0]
    assert returns > 0


def _served_against_built(serving_db: Path, build_db: Path, table: str) -> tuple:
    con = duckdb.connect()
    try:
        con.execute(f"attach '{build_db}' as full_build (read_only)")
        con.execute(f"attach '{serving_db}' as daily_build (read_only)")
        served = _select_list(con, "daily_build", table)
        return _differences(con, table, served)
    finally:
        con.close()


# The facts stamped with _built_at (docs/operations.md): the others are compared.
STAMPED = {
    "marts.fct_touchpoints",
    "marts.fct_web_sessions",
    "marts.fct_email_events",
    "marts.fct_attribution",
    "marts.fct_orders",
    "marts.fct_order_lines",
}


@pytest.mark.parametrize("table", PUBLISHED)
def test_incremental_publishes_serve_what_was_built(builds: Builds, table: str) -> None:
    first, *later = builds.publishes
    assert not first.updated, "the first publish has no served file to start from"
    for result in later:
        # every later publish carried a stamped fact forward and updated it, never falling
        # back to a whole copy
        assert (table in result.updated) == (table in STAMPED), result.updated
        if table in STAMPED:
            assert table not in result.recopied, result.recopied
        else:
            # it compared the other marts (each has a key) with their served versions, or
            # copied one whole because nearly all its rows changed (a table of a row or two)
            why = result.recopied.get(table, "")
            assert (table in result.compared) != why.endswith("differ from the served ones"), (
                result.compared,
                result.recopied,
            )
    rows, only_built, only_served = _served_against_built(builds.serving, builds.daily, table)
    assert rows > 0
    assert (only_built, only_served) == (0, 0), (
        f"{table}: {only_built} of {rows} rows missing from the serving file, "
        f"{only_served} served that were not built"
    )


def test_the_daily_publishes_updated_rebuilt_marts_by_their_differences(builds: Builds) -> None:
    for result in builds.publishes[1:]:
        assert {"marts.fct_service_contacts", "marts.fct_loyalty_ledger"} <= set(result.compared)


def test_a_served_table_that_drifted_from_the_build_is_copied_whole(
    builds: Builds, tmp_path: Path
) -> None:
    """The row-count check: a served row the build no longer has forces a whole copy."""
    serving = tmp_path / "serving" / "omnikpi.duckdb"
    serving.parent.mkdir()
    shutil.copyfile(builds.serving, serving)
    build = tmp_path / "build.duckdb"
    shutil.copyfile(builds.daily, build)
    with duckdb.connect(str(serving)) as con:
        # a row of an old day, as if a delete had been missed
        con.execute(
            "insert into marts.fct_orders select * replace ('extra-' || order_id as order_id) "
            "from marts.fct_orders order by order_date limit 1"
        )
    result = _publish(build, serving)
    assert result.recopied.keys() == {"marts.fct_orders"}, result.recopied
    assert "marts.fct_touchpoints" in result.updated
    rows, only_built, only_served = _served_against_built(serving, build, "marts.fct_orders")
    assert rows > 0 and (only_built, only_served) == (0, 0)


def test_a_daily_run_reclassifies_touchpoints_the_seeds_now_classify_differently(
    builds: Builds, tmp_path: Path
) -> None:
    """fct_touchpoints rebuilds old rows whose phase or channel group differ from the seeds.

    As if an analyst had changed `touchpoint_phases` and `channels` since those rows were
    built: on a copy of the daily warehouse, old rows of one type and one channel carry
    other values than the seeds give; one more daily run of the last day must bring every
    row back to the full refresh's, and leave the rest alone.
    """
    build = tmp_path / "build.duckdb"
    shutil.copyfile(builds.daily, build)
    last = _days()[-1]
    with duckdb.connect(str(build)) as con:
        tampered_phase = con.execute(
            "update marts.fct_touchpoints set journey_phase = 'stale phase' "
            "where touchpoint_type = 'product_view' and touchpoint_date < ?",
            [last - timedelta(days=3)],
        ).fetchone()[0]
        tampered_group = con.execute(
            "update marts.fct_touchpoints set channel_group = null "
            "where channel = 'email' and touchpoint_date < ?",
            [last - timedelta(days=3)],
        ).fetchone()[0]
    # old rows, outside the window and its lookback, so only the seed check can find them
    assert tampered_phase > 0 and tampered_group > 0

    _dbt_build(build, tmp_path / "work", last, last)

    for con in _attached(builds.full, build):
        rows, only_full, only_daily = _differences(con, "marts.fct_touchpoints", None)
        assert rows > 0
        assert (only_full, only_daily) == (0, 0), (
            f"{only_full} of {rows} rows only in the full refresh, {only_daily} only after the "
            "run that had to reclassify"
        )
