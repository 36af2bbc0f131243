"""Bring a served mart up to its rebuilt version by replacing only the rows that differ.

dbt rebuilds the customer marts whole every run (`dim_customer_identifiers`,
`fct_customer_identity_links`, `dim_customers`...), yet a day changes few of their rows.
Copying such a table whole into the new serving file rewrote all of it; comparing the two
versions reads both but writes only the difference (docs/operations.md).

The comparison is on every published column, with the model's primary key (the column its
`unique` and `not_null` tests name) to find a row's old version:
- changed: built rows the served table does not hold exactly (new rows and new versions);
- gone: keys of served rows the build does not hold exactly (old versions, deleted rows).
Deleting the served rows whose key is in either and inserting the changed rows leaves the
served table equal to the built one, as both have one row per key: the publish gate refuses
a build whose key tests fail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from orchestration.serving.db import row_count


@dataclass(frozen=True)
class Differences:
    key: str
    changed: str  # temp table: the built rows to insert
    gone: str  # temp table: the keys of served rows that are no longer built as they are
    changed_rows: int
    built_rows: int


def find(con: Any, name: str, key: str, names: str, built: str, served: str) -> Differences:
    """Stage the differences of `served` from `built` (relations with the columns `names`)
    in two temp tables named after `name`."""
    changed, gone = f'temp.main."changed__{name}"', f'temp.main."gone__{name}"'
    con.execute(
        f'create or replace temp table "changed__{name}" as '
        f"select {names} from {built} except select {names} from {served}"
    )
    con.execute(
        f'create or replace temp table "gone__{name}" as select "{key}" from '
        f"(select {names} from {served} except select {names} from {built})"
    )
    return Differences(key, changed, gone, row_count(con, changed), row_count(con, built))


def apply(con: Any, differences: Differences, names: str, served: str) -> None:
    """Replace the served rows that differ (then drop the staged differences)."""
    key = f'"{differences.key}"'
    con.execute(
        f"delete from {served} where {key} in "
        f"(select {key} from {differences.gone} union all select {key} from {differences.changed})"
    )
    con.execute(f"insert into {served} ({names}) select {names} from {differences.changed}")
    discard(con, differences)


def discard(con: Any, differences: Differences) -> None:
    con.execute(f"drop table if exists {differences.changed}")
    con.execute(f"drop table if exists {differences.gone}")
