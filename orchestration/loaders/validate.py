"""Row rules -> one reason per row, typed columns: a single vectorised SQL statement.

A row's reason is the first rule it breaks, in this order: unreadable line (invalid JSON,
wrong field count), missing key, missing required value, a value that does not parse as its
type (in field order), the source's own rules, then the "timestamp in the future" rule.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from orchestration.loaders.readers import PreparedFile, sql_str, starts_with_space, text_sql
from orchestration.loaders.spec import SourceSpec

DELIVERY_TZ = ZoneInfo("Europe/Amsterdam")
FUTURE_DAYS = 2


def future_limit(day: date) -> datetime:
    """Latest allowed record time (naive UTC): 2 days after the end of the delivery date.

    The delivery date is an Europe/Amsterdam calendar day; its end is the next local midnight.
    """
    local_end = datetime.combine(day + timedelta(days=1 + FUTURE_DAYS), datetime.min.time())
    return local_end.replace(tzinfo=DELIVERY_TZ).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def _blank(text_col: str) -> str:
    """SQL: `nullif(trim(t), '') is null` (t is never ''), trimming only a value that starts
    with a space: trim copies every string it sees."""
    return f"({text_col} is null or ({starts_with_space(text_col)} and trim({text_col}) = ''))"


def _quoted(text_col: str) -> str:
    return f"''' || {text_col} || ''''"


def _future_check(column: str, column_type: str, day: date) -> tuple[str, str]:
    """(condition, reason) of the "timestamp in the future" rule for one raw column."""
    col = f'"{column}"'
    if column_type == "date":
        # a date is in the future when the day lies wholly after the limit's date
        last_ok = day + timedelta(days=FUTURE_DAYS)
        return (
            f"{col} > date '{last_ok.isoformat()}'",
            f"'timestamp in the future: {column} ' || strftime({col}, '%Y-%m-%d')"
            f" || ' is more than {FUTURE_DAYS} days after the end of delivery date {day}'",
        )
    limit = future_limit(day)
    return (
        f"{col} > timestamp '{limit.isoformat(sep=' ')}'",
        f"'timestamp in the future: {column} ' || "
        f"strftime({col}, '%Y-%m-%d %H:%M:%S') || ' UTC is more than {FUTURE_DAYS} days "
        f"after the end of delivery date {day.isoformat()}'",
    )


def staged_sql(spec: SourceSpec, prepared: PreparedFile, day: date) -> str:
    """SQL: per line `_source_line`, `_reason` (null = good), `_raw` (bad rows only),
    `_extra_json` and the typed raw columns under their raw names."""
    text, names = text_sql(prepared, spec)
    typed = {name: "v" + col[1:] for name, col in names.items()}

    def lookup(name: str) -> str:
        if name.startswith("text:"):
            return names[name.removeprefix("text:")]
        return typed[name]

    value_cols = []
    for fld in spec.fields:
        t = names[fld.name]
        expr = t
        if fld.parser.label is not None:
            # a value parses as itself or, failing that, trimmed: trim copies every value it
            # sees, and a parser that accepts the value as it is gives what it gives trimmed
            expr = f"coalesce({fld.parser.sql(t)}, {fld.parser.sql(f'trim({t})')})"
        value_cols.append(f"{expr} as {typed[fld.name]}")

    raw_cols = {fld.column: typed[fld.name] for fld in spec.fields if fld.column}
    raw_cols.update({d.column: d.expr(lookup) for d in spec.derived})

    checks: list[tuple[str, str]] = [("_error is not null", "_error")]
    for fld in spec.fields:
        if fld.key:
            checks.append((_blank(names[fld.name]), sql_str(f"missing key {fld.name}")))
    for fld in spec.fields:
        if fld.required and not fld.key:
            checks.append((_blank(names[fld.name]), sql_str(f"missing value in {fld.name}")))
    for fld in spec.fields:
        if fld.parser.label:
            t = names[fld.name]
            checks.append(
                (
                    f"{t} is not null and {typed[fld.name]} is null",
                    f"'{fld.parser.label} in {fld.name}: {_quoted(t)}",
                )
            )
    for rule in spec.rules:
        checks.append((rule.bad(lookup), rule.reason(lookup)))

    for column in spec.timestamps:
        checks.append(_future_check(column, dict(spec.columns)[column], day))

    whens = "\n".join(f"when {cond} then {reason}" for cond, reason in checks)
    raw_select = ", ".join(f'{expr} as "{col}"' for col, expr in raw_cols.items())
    out_cols = ", ".join(f'"{col}"' for col, _ in spec.columns)
    return f"""
        select _source_line, _reason, case when _reason is not null then _raw end as _raw,
               _extra_json, {out_cols}
        from (
            select *, case {whens} end as _reason
            from (
                select *, {raw_select}
                from (select *, {", ".join(value_cols)} from ({text}))
            )
        )
    """
