"""How a source declares its export: fields, types, keys and row rules.

A `SourceSpec` is pure data plus small SQL templates; the reader, validator and engine turn it
into one vectorised DuckDB statement per file. Nothing here touches a database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

# A SQL template over a trimmed text value, written as `{v}`.
Template = str
# A function that, given a lookup from a field name to its SQL expression, returns SQL.
Expr = Callable[[Callable[[str], str]], str]


@dataclass(frozen=True)
class Parser:
    """Turns an export's text value into a typed value; `label` names a value that fails.

    The template gets the value untrimmed first and trimmed only when that gives null
    (validate.py), so a value it accepts untrimmed must give what its trimmed form gives:
    reject or ignore surrounding spaces, never read them as part of the value.
    """

    sql_type: str
    template: Template
    label: str | None = None  # None: any text is accepted (varchar)

    def sql(self, value: str) -> str:
        return self.template.format(v=value)


_INT = "[+-]?[0-9]+"
_DEC = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)"

TEXT = Parser("varchar", "{v}")
INTEGER = Parser(
    "integer",
    f"case when regexp_full_match({{v}}, '{_INT}') then try_cast({{v}} as integer) end",
    "non-integer value",
)
BIGINT = Parser(
    "bigint",
    f"case when regexp_full_match({{v}}, '{_INT}') then try_cast({{v}} as bigint) end",
    "non-integer value",
)
AMOUNT = Parser(
    "decimal(12,2)",
    f"case when regexp_full_match({{v}}, '{_DEC}') then try_cast({{v}} as decimal(12,2)) end",
    "non-numeric amount",
)
# Dutch till export: `12,95`, `-3,50`; a dot is not accepted (it would be a thousands mark).
AMOUNT_DECIMAL_COMMA = Parser(
    "decimal(12,2)",
    "case when regexp_full_match({v}, '[+-]?[0-9]+(,[0-9]+)?') "
    "then try_cast(replace({v}, ',', '.') as decimal(12,2)) end",
    "non-numeric amount",
)
BOOLEAN = Parser(
    "boolean",
    "case lower({v}) when 'true' then true when 'false' then false end",
    "non-boolean value",
)
# `2025-03-04 10:00:00 +0100` (Shopify): an instant with its offset, stored as UTC (its UTC
# wall time is its epoch: make_timestamp(epoch_us(...)) is timezone('UTC', ...) without ICU).
TIMESTAMP_OFFSET = Parser(
    "timestamp",
    "make_timestamp(epoch_us(try_strptime({v}, '%Y-%m-%d %H:%M:%S %z')))",
    "unparsable timestamp",
)
# `2025-03-04T10:00:00.000+0000` (Salesforce); the second format only for what the first
# does not parse (a format list tries both on every value).
TIMESTAMP_SALESFORCE = Parser(
    "timestamp",
    "make_timestamp(epoch_us(coalesce(try_strptime({v}, '%Y-%m-%dT%H:%M:%S.%g%z'), "
    "try_strptime({v}, '%Y-%m-%dT%H:%M:%S%z'))))",
    "unparsable timestamp",
)
# `2025-03-04T10:00:00Z`: already UTC.
TIMESTAMP_Z = Parser("timestamp", "try_strptime({v}, '%Y-%m-%dT%H:%M:%SZ')", "unparsable timestamp")
# GA4: microseconds since the epoch, UTC.
TIMESTAMP_MICROS = Parser(
    "timestamp",
    f"case when regexp_full_match({{v}}, '{_INT}') "
    "then make_timestamp(try_cast({v} as bigint)) end",
    "unparsable timestamp",
)
DATE_ISO = Parser("date", "cast(try_strptime({v}, '%Y-%m-%d') as date)", "unparsable date")
DATE_COMPACT = Parser("date", "cast(try_strptime({v}, '%Y%m%d') as date)", "unparsable date")
DATE_DUTCH = Parser("date", "cast(try_strptime({v}, '%d-%m-%Y') as date)", "unparsable date")
TIME = Parser(
    "time",
    "case when regexp_full_match({v}, '[0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}') "
    "then try_cast({v} as time) end",
    "unparsable time",
)


@dataclass(frozen=True)
class Field:
    """One field of the export: a CSV header name or a dotted JSON path.

    `column` is the raw column it becomes (None when only derived columns use it).
    `text` overrides how the reader gets its text (JSON sources with nested lists).
    """

    name: str
    column: str | None
    parser: Parser = TEXT
    required: bool = False
    key: bool = False
    text: str | None = None


@dataclass(frozen=True)
class Derived:
    """A raw column computed from typed fields (e.g. POS `sold_at` from `DATUM` + `TIJD`)."""

    column: str
    sql_type: str
    expr: Expr


@dataclass(frozen=True)
class Rule:
    """A row rule beyond presence and type: `bad` marks a broken row, `reason` explains it.

    Both receive a lookup from a field name to its SQL (typed value; `text:<name>` gives the
    text as exported).
    """

    bad: Expr
    reason: Expr


def one_of(field_name: str, values: tuple[str, ...]) -> Rule:
    listed = ", ".join(f"'{v}'" for v in values)
    return Rule(
        bad=lambda f: f"{f(field_name)} is not null and {f(field_name)} not in ({listed})",
        reason=lambda f: (
            f"'unexpected value in {field_name}: ''' || {f('text:' + field_name)} || "
            f"''' (expected one of {', '.join(values)})'"
        ),
    )


def not_negative(field_name: str) -> Rule:
    return Rule(
        bad=lambda f: f"{f(field_name)} < 0",
        reason=lambda f: (
            f"'negative number in {field_name}: ''' || {f('text:' + field_name)} || ''''"
        ),
    )


@dataclass(frozen=True)
class SourceSpec:
    """Everything the loader needs to know about one source's daily export."""

    source: str
    entity: str
    glob: str
    format: Literal["csv", "ndjson"]
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    # raw columns (timestamps or dates) the "timestamp in the future" rule checks, in order:
    # every time the record claims for itself (a clock error can hit any of them)
    timestamps: tuple[str, ...]
    description: str
    encoding: Literal["utf-8", "latin-1"] = "utf-8"
    delimiter: str = ","
    derived: tuple[Derived, ...] = ()
    rules: tuple[Rule, ...] = ()
    # JSON only: extra members of the json_transform structure (lists, raw JSON values)
    json_structure: dict[str, object] = field(default_factory=dict)
    # JSON only: (name, SQL over the parsed record `s`) computed once per line, for `Field.text`
    json_helpers: tuple[tuple[str, str], ...] = ()
    # raw column order when it differs from fields-then-derived
    column_order: tuple[str, ...] = ()
    # a full snapshot: an unchanged export on a new date is that date's data, not a re-delivery
    snapshot: bool = False

    @property
    def name(self) -> str:
        return f"{self.source}__{self.entity}"

    @property
    def table(self) -> str:
        return f"raw.{self.name}"

    def field(self, name: str) -> Field:
        for fld in self.fields:
            if fld.name == name:
                return fld
        raise KeyError(f"{self.source} has no field {name!r}")

    @property
    def columns(self) -> list[tuple[str, str]]:
        """The raw table's data columns and types, in order (lineage columns excluded)."""
        cols = [(f.column, f.parser.sql_type) for f in self.fields if f.column]
        cols += [(d.column, d.sql_type) for d in self.derived]
        if self.column_order:
            rank = {name: i for i, name in enumerate(self.column_order)}
            cols.sort(key=lambda c: rank.get(c[0], len(rank)))
        return cols

    @property
    def required_fields(self) -> list[str]:
        return [f.name for f in self.fields if f.required or f.key]
