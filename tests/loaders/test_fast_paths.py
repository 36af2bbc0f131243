"""The fast paths give exactly what the exact paths give.

The loader reads lines with DuckDB's CSV reader when the bytes allow it (the line reader) and
falls back to splitting the whole text in SQL (the text splitter) otherwise. Here messy files
(quotes, delimiters inside values, blank and whitespace-only lines, BOMs, invalid JSON,
unknown fields, long lines, CRLF) are loaded both ways into two databases, and every raw,
quarantine and load_log value must agree.
"""

from __future__ import annotations

import json
import random
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.loaders import SOURCES, load_partition, readers
from tests.loaders import exports as ex

DAY = "2025-03-04"
LOADED_AT = datetime(2025, 3, 5, 6, 0)
ODD = ["", " ", "  ", "\u00a0", "\u3000", "\t", '"', '""', ",", ";", "{", "}", "é", "\ufeff", "x"]


def _table(con: duckdb.DuckDBPyConnection, table: str, exclude: str) -> list[tuple]:
    return con.execute(f"select * exclude ({exclude}) from {table} order by all").fetchall()


def _load_both(tmp_path: Path, monkeypatch, source: str, data: bytes, name: str) -> list:
    """Load `data` with the line reader and with the text splitter; return both results."""
    spec = SOURCES[source]
    landing = tmp_path / "landing"
    path = landing / source / DAY / spec.glob.replace("*", name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    results = []
    for label, fits in (("fast", None), ("exact", lambda _data: False)):
        if fits is not None:
            monkeypatch.setattr(readers, "_line_reader_fits", fits)
        with duckdb.connect(str(tmp_path / f"{label}.duckdb")) as con:
            load_partition(con, spec, DAY, landing, loaded_at=LOADED_AT)
            results.append(
                (
                    _table(con, spec.table, "_loaded_at"),
                    _table(con, "audit.quarantine", "load_id"),
                    _table(con, "audit.load_log", "load_id, started_at, duration_s"),
                )
            )
    monkeypatch.undo()
    return results


def _messy_csv_lines(rng: random.Random, header: list[str], rows: list[dict], delim: str) -> list:
    text = ex.csv_text(header, rows, delimiter=delim)
    lines = text.split("\n")[:-1]
    out = [lines[0]]
    for line in lines[1:]:
        roll = rng.random()
        if roll < 0.15:  # a value changed into something odd, maybe breaking the quoting
            cut = rng.randrange(len(line) + 1)
            line = line[:cut] + rng.choice(ODD) + line[cut:]
        elif roll < 0.2:
            out.append(rng.choice(["", " ", "\u00a0", "\t", "  \u3000"]))  # blank-ish lines
        elif roll < 0.25:
            line = '"' + line.replace(delim, f'"{delim}"') + '"'  # every value quoted
        out.append(line)
    return out


CSV_CASES = {
    "shop": (ex.SHOP_HEADER, lambda i: ex.shop_row(1000 + i, **{"Lineitem name": f"Trui, {i}"})),
    "email": (ex.EMAIL_HEADER, lambda i: ex.email_row(i, url=f"https://x.example/?a={i}&b=c")),
    "crm": (ex.CRM_HEADER, lambda i: ex.crm_row(i, LastName=f'de "Vries" {i}')),
    "pos": (ex.POS_HEADER, lambda i: ex.pos_row(i, OMSCHRIJVING=f"Crème fraîche {i}")),
}


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("source", sorted(CSV_CASES))
def test_csv_line_reader_matches_text_splitter(source, seed, tmp_path, monkeypatch) -> None:
    rng = random.Random(f"{source}-{seed}")
    header, row = CSV_CASES[source]
    spec = SOURCES[source]
    lines = _messy_csv_lines(rng, header, [row(i) for i in range(300)], spec.delimiter)
    crlf = source == "pos" or seed == 1
    text = ("\r\n" if crlf else "\n").join(lines) + rng.choice(["", "\r\n" if crlf else "\n"])
    if source == "crm":
        text = "\ufeff" + text
    data = text.encode(spec.encoding, errors="replace")
    assert readers._line_reader_fits(data)  # the fast path is really taken
    fast, exact = _load_both(tmp_path, monkeypatch, source, data, f"20250304_{seed}")
    assert fast == exact
    assert fast[1], "some lines should be quarantined"


def _messy_json_lines(rng: random.Random, source: str, braced: bool) -> list[str]:
    """Records with unknown fields, truncated and broken lines; `braced`: every line starts
    with `{` (DuckDB's JSON reader parses those files), else blank and odd lines too."""
    make = ex.web_event if source == "web" else ex.ticket
    lines = []
    for i in range(300):
        record = make(i)
        roll = rng.random()
        if roll < 0.05:
            record["geo"] = {"country": "NL", "n": i}  # unknown field
        elif roll < 0.08:
            record.pop(rng.choice(sorted(record)))
        elif roll < 0.1:
            record = {key: rng.choice([1.50, "x", None, [1], {"a": 1}, True]) for key in record}
        line = json.dumps(record, ensure_ascii=rng.random() < 0.5)
        roll = rng.random()
        if roll < 0.05:
            line = line[: rng.randrange(1, len(line))]  # truncated
        elif roll < 0.08:
            line = rng.choice(["{}", '{"a": 1}{"b": 2}', "{'a': 1}", '{"a": 1} x', "{ }", "{"])
        elif roll < 0.1:
            line = line.replace('"', '\\"', 1)
        elif not braced and roll < 0.14:
            line = rng.choice(["[1, 2]", '"text"', "null", "   ", " " + line, line + "\t"])
        elif not braced and roll < 0.16:
            lines.append(rng.choice(["", " ", "\u00a0", "\t"]))
        lines.append(line)
    return [*lines, json.dumps(make(300))]  # a complete last record


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("source", ["web", "service"])
def test_ndjson_line_reader_matches_text_splitter(source, seed, tmp_path, monkeypatch) -> None:
    rng = random.Random(f"{source}-{seed}")
    braced = seed in (0, 3)
    lines = _messy_json_lines(rng, source, braced)
    newline = "\r\n" if seed == 1 else "\n"
    data = (newline.join(lines) + ("" if seed == 3 else newline)).encode()
    if seed == 2:
        data = b"\xef\xbb\xbf" + data
    assert readers._line_reader_fits(data)
    fast, exact = _load_both(tmp_path, monkeypatch, source, data, f"20250304_{seed}")
    assert fast == exact
    assert fast[1], "some lines should be quarantined"


@pytest.mark.parametrize(
    "data",
    [
        b"a\rb\nc\n",  # a lone CR: a line end for DuckDB's reader, not for the contract
        b"a\r\nb\nc\r\n",  # mixed line ends
        b"a\x1fb\nc\n",  # the line reader's delimiter inside a value
        b"a\r\r\nb\r\n",  # CR CR LF
    ],
)
def test_bytes_the_line_reader_would_split_differently_take_the_text_splitter(data) -> None:
    assert not readers._line_reader_fits(data)


def test_odd_line_ends_load_like_the_contract_says(deliver, load, con) -> None:
    text = ex.csv_text(ex.LOYALTY_HEADER, [ex.loyalty_row(1), ex.loyalty_row(2)])
    text = text.replace("store", "st\rore", 1) + "L3,M1\x1f,x\n"
    deliver("loyalty", [], text=text)
    load("loyalty")
    rows = con.execute(
        "select _source_line, channel from raw.loyalty__ledger_entries order by 1"
    ).fetchall()
    assert rows == [(2, "st\rore"), (3, "store")]
    assert con.execute("select line, reason from audit.quarantine").fetchall() == [
        (4, "expected 8 fields, found 3")
    ]


def test_trimmed_spaces_are_the_code_points_duckdb_trim_removes() -> None:
    with duckdb.connect() as con:
        (removed,) = con.execute(
            "select list(c order by c) from range(1, 1114112) t(c) "
            "where (c < 55296 or c > 57343) and trim(chr(c::integer)) = ''"
        ).fetchone()
    assert ", ".join(map(str, removed)) == readers.TRIMMED_SPACES


def test_starts_with_space_is_a_first_character_trim_removes() -> None:
    with duckdb.connect() as con:
        (wrong,) = con.execute(
            "select count(*) from ("
            "  select chr(c::integer) || suffix as v, c from range(1, 1114112) t(c), "
            "  (values (''), ('x'), (' '), ('é')) s(suffix) where c < 55296 or c > 57343"
            f") where {readers.starts_with_space('v')} <> list_contains("
            f"[{readers.TRIMMED_SPACES}], c)"
        ).fetchone()
    assert wrong == 0


def test_latin1_c1_bytes_are_read_the_python_way(deliver, load, con) -> None:
    # DuckDB's latin-1 decoder refuses 0x80-0x9F; such files are transcoded in Python
    text = ex.csv_text(
        ex.POS_HEADER, [ex.pos_row(1, OMSCHRIJVING="Prijs \x80 5")], delimiter=";", crlf=True
    )
    deliver("pos", [], text=text, encoding="latin-1")
    load("pos")
    assert con.execute("select description from raw.pos__receipt_lines").fetchall() == [
        ("Prijs \x80 5",)
    ]


def test_a_line_longer_than_the_readers_limit_takes_the_text_splitter(monkeypatch) -> None:
    monkeypatch.setattr(readers, "max_line_size", lambda size: 21)  # as if the file were huge
    assert readers._line_reader_fits(b"0123456789\nabc\n")
    assert not readers._line_reader_fits(b"0123456789a\nabc\n")


def test_the_line_reader_numbers_lines_in_one_ordered_pipeline(deliver, con) -> None:
    # row_number() over () gives file order only as a streaming window over a scan that is
    # not split across threads; if a DuckDB upgrade plans it otherwise, this fails
    path = deliver("email", [ex.email_row(i) for i in range(3)])
    prepared = readers.prepare_file(path, path.parents[2], SOURCES["email"], path.parent)
    assert prepared.line_reader
    sql = readers.lines_sql(prepared, SOURCES["email"])
    assert "parallel = false" in sql
    plan = con.execute(f"explain {sql}").fetchall()[0][1]
    assert "STREAMING_WINDOW" in plan.upper().replace(" ", "_")


def _scan_cases() -> list[tuple[str, bytes]]:
    """Files of every shape the chunked scan must either settle like a whole read or hand on."""
    cases = []
    for seed in range(3):
        rng = random.Random(f"scan-{seed}")
        for source in ("email", "crm", "shop"):
            header, row = CSV_CASES[source]
            lines = _messy_csv_lines(rng, header, [row(i) for i in range(60)], ",")
            cases.append((source, ("\n".join(lines) + "\n").encode()))
        for source in ("web", "service"):
            text = "\n".join(_messy_json_lines(rng, source, braced=seed == 0))
            cases.append((source, (text + rng.choice(["\n", ""])).encode()))
    email = ex.csv_text(ex.EMAIL_HEADER, [ex.email_row(i, campaign_name="café") for i in range(9)])
    cases += [
        ("email", email.encode()),
        ("email", ("\ufeff" + email).encode()),  # a BOM
        ("email", email.encode().replace(b"\xc3\xa9", b"\xe9")),  # Latin-1 bytes
        ("email", email.encode()[:-3]),  # a multi-byte character cut off at the end
        ("email", email.replace("\n", "\r\n").encode()),
        ("email", email.replace("café", "ca\x1ffé").encode()),
        ("email", (ex.csv_text(ex.EMAIL_HEADER, []) + "\n \n\t\n").encode()),  # no record
        ("email", ex.csv_text(["event_id;event_type"], []).encode()),  # wrong delimiter
        ("email", email.replace("event_type,", "").encode()),  # a missing column
        ("web", b"   \n\n  \n"),
    ]
    return cases


@pytest.mark.parametrize("chunk", [1, 7, 64, 1 << 20])
def test_the_chunked_scan_settles_a_file_as_reading_it_whole_does(chunk, tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "SCAN_CHUNK", chunk)
    settled = 0
    for i, (source, data) in enumerate(_scan_cases()):
        spec = SOURCES[source]
        path = tmp_path / "landing" / source / DAY / spec.glob.replace("*", str(i))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        scanned = readers.prepare_scanned(path, tmp_path / "landing", spec)
        if scanned is not None:
            settled += 1
            whole = readers.prepare_read(path, tmp_path / "landing", spec, tmp_path)
            assert scanned == whole, (source, i)
            assert whole.text_path == path and whole.line_reader
    # the scan settles the usual files itself (CSV once the header and a record fit a chunk)
    assert settled >= (16 if chunk > 1000 else 4)


@pytest.mark.parametrize("chunk", [16, 64, 256])
def test_the_chunked_scan_measures_lines_against_the_readers_limit(chunk, tmp_path, monkeypatch):
    # as if every file were huge: a line over 40 bytes is past the line reader's limit, so
    # the scan must hand such a file on (prepare_read takes the text splitter), whether the
    # line lies inside a chunk or across several
    monkeypatch.setattr(readers, "SCAN_CHUNK", chunk)
    monkeypatch.setattr(readers, "max_line_size", lambda size: 81)
    short = ex.csv_text(["event_id", "x"], [{"event_id": f"e{i}", "x": "y"} for i in range(5)])
    cases = [(source, data) for source, data in _scan_cases() if source == "email"]
    cases += [("email", short.encode()), ("email", (short + "e9," + "z" * 40 + "\n").encode())]
    settled = too_long = 0
    for i, (source, data) in enumerate(cases):
        spec = SOURCES[source]
        path = tmp_path / "landing" / source / DAY / spec.glob.replace("*", str(i))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        scanned = readers.prepare_scanned(path, tmp_path / "landing", spec)
        whole = readers.prepare_read(path, tmp_path / "landing", spec, tmp_path)
        if not whole.line_reader:
            too_long += 1
            assert scanned is None, i
        elif scanned is not None:
            settled += 1
            assert scanned == whole, i
    assert settled >= 1 and too_long >= 2
