"""The `omnikpi` command line: a thin dispatcher; each command lives in its feature module."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text}")
    return value


def _simulate(args: argparse.Namespace) -> int:
    from orchestration.simulator.run import simulate_command

    return simulate_command(args)


def _refresh(args: argparse.Namespace) -> int:
    from orchestration.refresh import refresh_command

    return refresh_command(args)


def _demo(args: argparse.Namespace) -> int:
    from orchestration.refresh import demo_command

    return demo_command(args)


def _kpis(args: argparse.Namespace) -> int:
    from orchestration.kpis import kpis_command

    return kpis_command(args)


def _bench(args: argparse.Namespace) -> int:
    from orchestration.bench.refresh import bench_command

    return bench_command(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="omnikpi", description="Omnichannel analytics warehouse: exports -> DuckDB -> KPIs."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sim = sub.add_parser("simulate", help="write realistic channel exports and ground truth")
    sim.add_argument("--customers", type=_positive, default=1000, help="persons to simulate")
    sim.add_argument("--days", type=_positive, default=14, help="days of exports")
    sim.add_argument("--start", type=_date, default=date(2025, 11, 1), help="first day")
    sim.add_argument("--seed", type=int, default=42, help="random seed (same seed, same bytes)")
    sim.add_argument("--no-progress", action="store_true", help="no progress bars")
    sim.set_defaults(func=_simulate)

    ref = sub.add_parser("refresh", help="load, build, check and publish daily partitions")
    when = ref.add_mutually_exclusive_group()
    when.add_argument("--date", type=_date, help="one day (default: yesterday)")
    when.add_argument("--from", dest="date_from", type=_date, help="first day of a range")
    ref.add_argument("--to", dest="date_to", type=_date, help="last day of a range")
    ref.set_defaults(func=_refresh)

    demo = sub.add_parser("demo", help="simulate, backfill, publish, print KPIs per phase")
    demo.set_defaults(func=_demo)

    kpis = sub.add_parser("kpis", help="print KPIs from the serving database")
    kpis.add_argument("--phase", help="awareness, consideration, decision, service, loyalty")
    kpis.add_argument("--date", type=_date, help="one day (default: the latest published)")
    kpis.set_defaults(func=_kpis)

    bench = sub.add_parser("bench", help="measure what the refresh costs (see docs/benchmarks.md)")
    bench.add_argument("--size", choices=["XS", "S", "M"], default="S", help="S: 10k x 90 days")
    bench.add_argument("--json", help="also write the figures to this file")
    bench.add_argument(
        "--no-alone",
        action="store_true",
        help="skip 'loads alone' and 'dbt build alone' (they repeat the backfill's work)",
    )
    bench.set_defaults(func=_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
