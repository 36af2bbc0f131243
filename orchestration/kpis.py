"""`omnikpi kpis`: print KPIs from the serving database."""

from __future__ import annotations

import argparse
import sys


def kpis_command(args: argparse.Namespace) -> int:
    print("omnikpi kpis: not implemented yet (issue 8)", file=sys.stderr)
    return 2
