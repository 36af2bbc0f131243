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

Both sets come from one full join of the two versions on the key, comparing the rows with
`is distinct from` (NULL equals NULL, as in `except`): one hash join instead of two `except`s
that each hashed every row of both (size M daily: 37 marts 2.4-2.7 -> 1.2-1.7 s).
"""

from __future__ import annotations

from collections.abc import Sequence
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


def find(
    con: Any, name: str, key: str, columns: Sequence[str], built: str, served: str
) -> Differences:
    """Stage the differences of `served` from `built` (relations with the `columns`, the
    key among them) in temp tables named after `name`."""
    changed, gone = f'temp.main."changed__{name}"', f'temp.main."gone__{name}"'
    pairs = f'temp.main."differing__{name}"'
    quoted = [f'"{column}"' for column in columns]
    quoted_key = f'"{key}"'
    built_row = ", ".join(f"b.{column}" for column in quoted)
    served_row = ", ".join(f"s.{column}" for column in quoted)
    con.execute(
        f'create or replace temp table "differing__{name}" as '
        f"select b.{quoted_key} as built_key, s.{quoted_key} as served_key "
        f"from {built} as b full join {served} as s on b.{quoted_key} = s.{quoted_key} "
        f"where b.{quoted_key} is null or s.{quoted_key} is null "
        f"or ({built_row}) is distinct from ({served_row})"
    )
    con.execute(
        f'create or replace temp table "changed__{name}" as '
        f"select {', '.join(quoted)} from {built} "
        f"where {quoted_key} in (select built_key from {pairs} where built_key is not null)"
    )
    con.execute(
        f'create or replace temp table "gone__{name}" as '
        f"select served_key as {quoted_key} from {pairs} where served_key is not null"
    )
    con.execute(f"drop table {pairs}")
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
