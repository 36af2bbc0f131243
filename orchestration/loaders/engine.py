"""Load one source's landing files for one date into raw.<source>__<entity>."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb


def load_csv_partition(
    con: duckdb.DuckDBPyConnection, landing_dir: Path, source: str, entity: str, day: str
) -> int:
    """Replace the rows of `day` in raw.<source>__<entity> with the day's CSV files."""
    table = f"raw.{source}__{entity}"
    files = sorted((landing_dir / source / day).glob("*.csv"))
    con.execute("create schema if not exists raw")
    if not files:
        return 0
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    select = """
        select *, filename as _source_file,
               cast(row_number() over (partition by filename) as integer) as _source_line,
               cast(? as timestamp) as _loaded_at, cast(? as date) as _partition_date
        from read_csv(?, all_varchar = true, filename = true, header = true)
    """
    params = [loaded_at, day, [str(f) for f in files]]
    con.execute(f"create table if not exists {table} as {select} limit 0", params)
    con.execute(f"delete from {table} where _partition_date = ?", [day])
    con.execute(f"insert into {table} by name {select}", params)
    return len(con.execute(f"select 1 from {table} where _partition_date = ?", [day]).fetchall())
