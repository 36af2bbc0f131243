"""Read one landing file: checksum, encoding, header, and an all-text DuckDB relation.

Lines are numbered exactly, so `_source_line` is the physical line number (CSV header =
line 1; NDJSON first record = line 1). Two ways to get the numbered lines, with identical
results:

- the line reader (fast): DuckDB's CSV reader with one varchar column, no quoting and a
  delimiter the file does not contain returns every physical line as a row, in file order,
  numbered by `row_number() over ()` (a streaming window: one ordered pipeline). Used when
  Python has checked the bytes that could make it split differently: no `\x1f` (its
  delimiter), and line ends that are all `\n` or all `\r\n` (a lone `\r` is a line end to
  DuckDB's reader, not to the contract);
- the text splitter (exact whatever the bytes): `read_text` reads the whole file, SQL splits
  it on `\n` and numbers the pieces with `generate_subscripts`.

Fields are split in SQL too; Python only looks at the header line and the raw bytes.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.loaders.spec import SourceSpec

BOM = "\ufeff"
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


def sql_str(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


@dataclass
class FileProblem:
    """Why a whole file cannot be loaded, and what the sender should do about it."""

    reason: str
    fix: str


@dataclass
class PreparedFile:
    path: Path
    rel: str  # path relative to the landing directory, as stored in lineage columns
    checksum: str
    size: int
    text_path: Path | None  # UTF-8 text DuckDB reads (the file itself or a transcoded copy)
    problem: FileProblem | None = None
    header: list[str] = field(default_factory=list)  # CSV header names, as exported
    positions: dict[str, int] = field(default_factory=dict)  # field name -> 1-based position
    extras: list[tuple[str, int]] = field(default_factory=list)  # unknown columns
    absent: list[str] = field(default_factory=list)  # optional fields the header lacks
    ends_with_newline: bool = True
    has_records: bool = True  # anything besides the CSV header?
    line_reader: bool = False  # can DuckDB's line reader split this file? (else: text splitter)
    encoding: str = "utf-8"  # of text_path, as DuckDB's CSV reader names it

    @property
    def notes(self) -> list[str]:
        notes = []
        if self.extras:
            names = ", ".join(name for name, _ in self.extras)
            notes.append(f"unknown columns kept in _extra_json: {names}")
        if self.absent:
            notes.append(f"optional columns absent (loaded as null): {', '.join(self.absent)}")
        return notes


_NON_SPACE = re.compile(rb"\S")
# Latin-1 bytes DuckDB's latin-1 decoder refuses (C1 controls); Python maps them 1:1
_C1 = re.compile(rb"[\x80-\x9f]")
LINE_READER_DELIMITER = "\x1f"
# the code points DuckDB's trim() removes (Unicode space separators; asserted in the tests)
TRIMMED_SPACES = ", ".join(map(str, (32, 160, 5760, *range(8192, 8203), 8239, 8287, 12288)))


def starts_with_space(text_col: str) -> str:
    """SQL: does the (non-empty) value start with a character trim() removes?

    A substring test on a literal of those characters: `list_contains([...], unicode(x))`
    is planned as a join per use, which made planning a small file's statement slower than
    running it.
    """
    spaces = "".join(chr(int(code)) for code in TRIMMED_SPACES.split(", "))
    return f"contains({sql_str(spaces)}, left({text_col}, 1))"


def _line_reader_fits(data: bytes) -> bool:
    """Does DuckDB's line reader split `data` exactly where the contract's `\\n` does?

    Its delimiter must be absent, and line ends must be all `\\n` or all `\\r\\n`: the
    reader treats a lone `\\r` as a line end, and it drops the CR of a CRLF (we strip it).
    Every line must also fit its maximum line size (`max_line_size`).
    """
    if LINE_READER_DELIMITER.encode() in data:
        return False
    if b"\r" in data:  # `in` is a fast scan: count only when there is a CR
        crs = data.count(b"\r")
        if not crs == data.count(b"\r\n") == data.count(b"\n"):
            return False
    if max_line_size(len(data)) < 2 * len(data) + 1:  # a huge file: measure its lines
        return 2 * max(map(len, data.split(b"\n"))) + 1 <= max_line_size(len(data))
    return True


def max_line_size(size: int) -> int:
    """The line reader's `max_line_size` (DuckDB sizes its buffer by it): no line is longer
    than the file, twice that once Latin-1 is decoded, within 2 MB and 256 MB."""
    return min(max(2 * size + 1, 2_097_152), 268_435_456)


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


SCAN_CHUNK = 1 << 20  # bytes per read when a big file is scanned in chunks


def prepare_file(path: Path, landing_dir: Path, spec: SourceSpec, workdir: Path) -> PreparedFile:
    """Checksum the file, check its encoding and header; give DuckDB a UTF-8 text to read."""
    if spec.encoding == "utf-8" and path.stat().st_size > SCAN_CHUNK:
        prepared = prepare_scanned(path, landing_dir, spec)
        if prepared is not None:
            return prepared
    return prepare_read(path, landing_dir, spec, workdir)


def prepare_scanned(path: Path, landing_dir: Path, spec: SourceSpec) -> PreparedFile | None:
    """`prepare_read` for the usual big UTF-8 file, in one chunked pass, never holding it whole.

    Hashes, validates UTF-8 and looks for CR and `\x1f` chunk by chunk (in the cache, not a
    copy of the whole file and a decoded copy of it). Returns None unless the file is the
    plain case, whose result is then known without the rest of the bytes: valid UTF-8, no
    CR, no `\x1f`, a final newline, no line too long for the line reader, and (CSV) a header
    line and a record in the first chunk. `prepare_read` handles everything else.
    """
    sha = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    buffer = bytearray(SCAN_CHUNK)
    view = memoryview(buffer)
    head = chunk = b""
    size = run = longest = 0  # bytes since the last newline; the longest line so far
    shortest_limit = max_line_size(0)  # a line below half of it fits any file's limit
    with path.open("rb", buffering=0) as handle:
        while n := handle.readinto(buffer):
            chunk = bytes(view[:n])
            head = head or chunk
            size += n
            sha.update(chunk)
            if b"\r" in chunk or LINE_READER_DELIMITER.encode() in chunk:
                return None
            # line lengths, for a file too big to rule out a line past the reader's limit
            first = chunk.find(b"\n")
            if first < 0:
                run += n
            else:
                last = chunk.rfind(b"\n")
                longest = max(longest, run + first)
                if 2 * (last - first) + 1 > shortest_limit:  # an inner line might be long
                    longest = max(longest, *map(len, chunk[first + 1 : last].split(b"\n")))
                run = n - last - 1
            # an ASCII chunk is valid UTF-8 when no multi-byte character is pending
            if not chunk.isascii() or decoder.getstate()[0]:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    return None
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    start = _NON_SPACE.search(head)
    if start is None or not chunk.endswith(b"\n") or 2 * longest + 1 > max_line_size(size):
        return None
    prepared = PreparedFile(
        path=path,
        rel=path.relative_to(landing_dir).as_posix(),
        checksum=sha.hexdigest(),
        size=size,
        text_path=path,
        line_reader=True,
    )
    if spec.format == "csv":
        header_end = head.find(b"\n")
        if header_end < 0 or _NON_SPACE.search(head, header_end + 1) is None:
            return None
        _check_header(prepared, spec, head[:header_end].decode("utf-8"))
    return prepared


def prepare_read(path: Path, landing_dir: Path, spec: SourceSpec, workdir: Path) -> PreparedFile:
    """Checksum the file, check its encoding and header, from its bytes read whole."""
    data = path.read_bytes()
    prepared = PreparedFile(
        path=path,
        rel=path.relative_to(landing_dir).as_posix(),
        checksum=hashlib.sha256(data).hexdigest(),
        size=len(data),
        text_path=path,
        ends_with_newline=data.endswith(b"\n"),
    )
    if spec.format == "csv":
        header_end = data.find(b"\n")
        prepared.has_records = (
            header_end >= 0 and _NON_SPACE.search(data, header_end + 1) is not None
        )
    if _NON_SPACE.search(data) is None:
        prepared.has_records = False
        if spec.format == "ndjson":
            return prepared  # NDJSON has no header: a day without records is an empty file
        prepared.text_path = None
        prepared.problem = FileProblem(
            f"empty file ({len(data)} bytes): no header row",
            "re-export the file; a day without records still has the header row",
        )
        return prepared

    text: str | None = None
    if spec.encoding == "latin-1":
        # Latin-1 decodes any bytes, so look for the signs of a UTF-8 file instead.
        utf8 = _utf8_or_none(data)
        if data.startswith(BOM.encode()) or (utf8 is not None and not data.isascii()):
            prepared.problem = FileProblem(
                "wrong encoding: the file is UTF-8, expected Latin-1 (ISO-8859-1)",
                "export the file in Latin-1 as the till system does",
            )
            text = (utf8 or data.decode("utf-8", "replace")).removeprefix(BOM)
        elif _C1.search(data) is None and _line_reader_fits(data):
            prepared.encoding = "latin-1"  # DuckDB's line reader decodes it, no copy needed
        else:
            text = data.decode("latin-1")
    else:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            byte = data[exc.start]
            prepared.problem = FileProblem(
                f"wrong encoding: not valid UTF-8 (byte 0x{byte:02X} on line "
                f"{_line_of(data, exc.start)}; the file looks Latin-1 or Windows-1252 encoded)",
                "re-export the file as UTF-8",
            )
            # keep every byte: the quarantined raw lines are the Latin-1 reading of the file
            text = data.decode("latin-1")

    if text is not None:
        # DuckDB's read_text needs UTF-8: hand it a transcoded copy
        prepared.text_path = workdir / (path.name + ".utf8")
        prepared.text_path.write_text(text, encoding="utf-8", newline="")
        prepared.line_reader = _line_reader_fits(text.encode("utf-8"))
    else:
        prepared.line_reader = prepared.encoding == "latin-1" or _line_reader_fits(data)

    if spec.format == "csv" and prepared.problem is None:
        header = text if text is not None else _first_line(data, prepared.encoding)
        _check_header(prepared, spec, header)
    if spec.format == "ndjson" and prepared.problem is None and not prepared.ends_with_newline:
        _check_truncated(prepared, data)
    return prepared


def _check_truncated(prepared: PreparedFile, data: bytes) -> None:
    """A file cut off in transfer ends mid-record without its final newline."""
    last = data.rsplit(b"\n", 1)[-1]
    try:
        json.loads(last)
    except ValueError:
        prepared.problem = FileProblem(
            f"truncated file: the last line ({_line_of(data, len(data))}) ends mid-record "
            "without a closing newline",
            "re-deliver the complete file",
        )


def _utf8_or_none(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _first_line(data: bytes, encoding: str) -> str:
    return data.split(b"\n", 1)[0].decode(encoding)


def _check_header(prepared: PreparedFile, spec: SourceSpec, text: str) -> None:
    line = text.split("\n", 1)[0].removeprefix(BOM).rstrip("\r")
    header = next(csv.reader([line], delimiter=spec.delimiter))
    prepared.header = header
    if len(header) == 1:
        others = [d for d in _DELIMITER_NAMES if d != spec.delimiter and d in line]
        if others:
            seen = others[0]
            prepared.problem = FileProblem(
                f"wrong delimiter: the header is {_DELIMITER_NAMES[seen]}-separated "
                f"({seen!r}), expected {_DELIMITER_NAMES[spec.delimiter]}-separated "
                f"({spec.delimiter!r})",
                f"export the file with {spec.delimiter!r} as the delimiter",
            )
            return
    # columns are matched by header name (trimmed, case-insensitive), never by position
    by_name: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        norm = name.strip().casefold()
        if norm in by_name:
            prepared.problem = FileProblem(
                f"duplicate column in header: {name.strip()!r}",
                "export each column once",
            )
            return
        by_name[norm] = position
    known = set()
    for fld in spec.fields:
        norm = fld.name.casefold()
        known.add(norm)
        if norm in by_name:
            prepared.positions[fld.name] = by_name[norm]
    missing = [
        f.name for f in spec.fields if (f.required or f.key) and f.name not in prepared.positions
    ]
    if missing:
        prepared.problem = FileProblem(
            f"missing required column(s): {', '.join(missing)}",
            "add the column(s) to the export (columns are matched by header name)",
        )
        return
    prepared.absent = [f.name for f in spec.fields if f.name not in prepared.positions]
    prepared.extras = [
        (name.strip(), pos)
        for pos, name in enumerate(header, start=1)
        if name.strip().casefold() not in known
    ]


def lines_sql(prepared: PreparedFile, spec: SourceSpec) -> str:
    """Physical lines of the file that can hold a record: `_source_line`, `_raw`.

    CSV skips the header (line 1). Blank lines hold no record and are left out.
    """
    assert prepared.text_path is not None
    first = 2 if spec.format == "csv" else 1
    path = sql_str(str(prepared.text_path))
    if prepared.line_reader:
        # Empty lines come back as null, a BOM at the start is dropped (we drop it too).
        numbered = f"""
            select row_number() over () as _source_line, _line
            from read_csv({path}, columns = {{'_line': 'varchar'}}, header = false,
                          auto_detect = false, delim = '{LINE_READER_DELIMITER}', quote = '',
                          escape = '', comment = '', encoding = '{prepared.encoding}',
                          strict_mode = true,
                          max_line_size = {max_line_size(prepared.size)},
                          parallel = false)
        """
    else:
        numbered = f"""
            select generate_subscripts(_lines, 1) as _source_line, unnest(_lines) as _line
            from (select string_split(content, chr(10)) as _lines from read_text({path}))
        """
    line = "case when _source_line = 1 then ltrim(_line, chr(65279)) else _line end"
    if not prepared.line_reader:
        line = f"rtrim({line}, chr(13))"  # the reader has no CR left to strip (CRLF dropped)
    # `trim(_raw) <> ''`, with trim (slow on long lines) only for lines starting with a space
    return f"""
        select _source_line, _raw from (
            select _source_line, {line} as _raw from ({numbered})
        )
        where _source_line >= {first} and _raw <> ''
              and (not {starts_with_space("_raw")} or trim(_raw) <> '')
    """


def _csv_fields(delim: str) -> str:
    """SQL: `_raw` split into its fields, honouring `"` quoting (no embedded newlines)."""
    d = sql_str(delim)
    # Split on quotes: odd pieces are outside quotes, so only their delimiters count.
    marked = (
        "array_to_string(list_transform(string_split(_raw, '\"'), "
        f"lambda s, i: case when i % 2 = 1 then replace(s, {d}, chr(31)) else s end), '\"')"
    )
    unquote = (
        "lambda f: case when length(f) >= 2 and f[1] = '\"' and f[-1] = '\"' "
        "then replace(f[2:-2], '\"\"', '\"') else f end"
    )
    return (
        f"case when strpos(_raw, '\"') = 0 then string_split(_raw, {d}) "
        f"else list_transform(string_split({marked}, chr(31)), {unquote}) end"
    )


def text_sql(prepared: PreparedFile, spec: SourceSpec) -> tuple[str, dict[str, str]]:
    """SQL for the all-text staging relation, and the SQL name of each field's text column.

    Columns: `_source_line`, `_raw`, `_error` (a line that holds no readable record),
    `_extra_json` (unknown columns as a JSON object), one `t_<n>` per field (null when
    empty), and for JSON sources the parsed struct `s`.
    """
    names = {fld.name: f"t_{i}" for i, fld in enumerate(spec.fields)}
    if spec.format == "csv":
        return _csv_text_sql(prepared, spec, names), names
    return _json_text_sql(prepared, spec, names), names


def _csv_text_sql(prepared: PreparedFile, spec: SourceSpec, names: dict[str, str]) -> str:
    expected = len(prepared.header)
    cols = []
    for fld in spec.fields:
        pos = prepared.positions.get(fld.name)
        value = f"nullif(_f[{pos}], '')" if pos else "cast(null as varchar)"
        cols.append(f"{value} as {names[fld.name]}")
    if prepared.extras:
        pairs = ", ".join(
            f"{sql_str(name)}, nullif(_f[{pos}], '')" for name, pos in prepared.extras
        )
        cols.append(f"json_object({pairs})::varchar as _extra_json")
    else:
        cols.append("cast(null as varchar) as _extra_json")
    quotes = "length(_raw) - length(replace(_raw, '\"', ''))"
    return f"""
        select _source_line, _raw,
            case when ({quotes}) % 2 = 1 then 'unbalanced quotes'
                 when len(_f) <> {expected}
                 then 'expected {expected} fields, found ' || len(_f)
            end as _error,
            {", ".join(cols)}
        from (select _source_line, _raw, {_csv_fields(spec.delimiter)} as _f
              from ({lines_sql(prepared, spec)}))
    """


def json_structure(spec: SourceSpec) -> dict[str, object]:
    """The json_transform structure: every dotted field path as VARCHAR, plus extras."""
    structure: dict[str, object] = {}
    for fld in spec.fields:
        if fld.text is not None:
            continue
        node = structure
        *parents, leaf = fld.name.split(".")
        for part in parents:
            node = node.setdefault(part, {})  # type: ignore[assignment]
        node[leaf] = "VARCHAR"
    structure.update(spec.json_structure)
    return structure


def _json_text_sql(prepared: PreparedFile, spec: SourceSpec, names: dict[str, str]) -> str:
    structure = json_structure(spec)
    known = ", ".join(sql_str(k) for k in structure)
    cols = []
    for fld in spec.fields:
        text = fld.text or "s." + ".".join(f'"{p}"' for p in fld.name.split("."))
        cols.append(f"nullif(cast({text} as varchar), '') as {names[fld.name]}")
    member = """to_json(k)::varchar || ':' || json_extract(_raw, '$."' || k || '"')::varchar"""
    extra = (
        "case when len(_unknown) > 0 then "
        f"'{{' || array_to_string(list_transform(_unknown, lambda k: {member}), ',') || '}}' end"
    )
    helpers = "".join(f", {sql} as {name}" for name, sql in spec.json_helpers)
    known_list = "[" + known + "]"
    # the first branch settles the usual valid record without trimming the line
    return f"""
        select _source_line, _raw, s,
            case when s is not null and starts_with(_raw, '{{') then null
                 when s is null and starts_with(ltrim(_raw), '{{')
                      and not ends_with(rtrim(_raw), '}}')
                 then 'invalid JSON: the line ends before the record is complete (truncated)'
                 when s is null then 'invalid JSON'
                 when not starts_with(ltrim(_raw), '{{') then 'invalid JSON: not an object'
            end as _error,
            {extra} as _extra_json,
            {", ".join(cols)}
        from (select _source_line, _raw, s{helpers},
                     case when s is not null then list_filter(try(json_keys(_raw)),
                         lambda k: not list_contains({known_list}, k)) end as _unknown
              from ({_json_parsed_sql(prepared, spec, structure)}))
    """


def _json_parsed_sql(prepared: PreparedFile, spec: SourceSpec, structure: dict) -> str:
    """`_source_line`, `_raw` and `s`: the line as the structure, null unless valid JSON.

    `s` is `try(json_transform(_raw, ...))`, evaluated so that try() seldom meets a broken
    line (it re-runs the whole vector row by row when it does): a line shaped `{...}` is
    parsed straight away, any other only if json_valid says it parses (a truncated line,
    the usual breakage, is not shaped `{...}`).
    """
    parse = f"try(json_transform(_raw, {sql_str(json.dumps(structure))}))"
    return f"""
        select _source_line, _raw,
               case when starts_with(_raw, '{{') and ends_with(_raw, '}}') then {parse}
                    when json_valid(_raw) then {parse} end as s
        from ({lines_sql(prepared, spec)})
    """


def new_workdir() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="omnikpi-load-")
