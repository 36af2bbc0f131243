"""Export rendering with Arrow's C++ string kernels: CSV lines and files on disk."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def csv_lines(columns: list[np.ndarray], delimiter: str) -> pa.Array:
    """One CSV line per row (no terminator), quoting only the fields that need it."""
    if not columns or not len(columns[0]):
        return pa.array([], type=pa.string())
    fields = [
        _quoted(pa.array(np.asarray(c).astype(str), type=pa.string()), delimiter) for c in columns
    ]
    return pc.binary_join_element_wise(*fields, delimiter)


def csv_header(names: list[str], delimiter: str) -> str:
    return csv_lines([np.array([n]) for n in names], delimiter)[0].as_py()


def _quoted(values: pa.Array, delimiter: str) -> pa.Array:
    needs = pc.or_(pc.match_substring(values, delimiter), pc.match_substring(values, '"'))
    if not pc.any(needs).as_py():
        return values
    escaped = pc.replace_substring(values, '"', '""')
    return pc.if_else(needs, pc.binary_join_element_wise('"', escaped, '"', ""), values)


def write_lines(
    path: Path,
    pieces: list[pa.Array],
    newline: str,
    encoding: str = "utf-8",
    header: str | None = None,
    bom: bool = False,
) -> None:
    """Write pieces of lines in order, each line followed by `newline`."""
    with path.open("wb") as handle:
        if bom:
            handle.write(b"\xef\xbb\xbf")
        if header is not None:
            handle.write((header + newline).encode(encoding))
        pieces = [p for p in pieces if len(p)]
        if not pieces:
            return
        # one copy, one kernel call, one write: slices are many when the mess is dense
        lines = pa.concat_arrays(pieces) if len(pieces) > 1 else pieces[0]
        terminated = pc.binary_join_element_wise(lines, "", newline)
        if encoding == "utf-8":
            handle.write(_buffer(terminated))
        else:  # small legacy files: re-encode (Latin-1 for the tills)
            handle.write(bytes(_buffer(terminated)).decode("utf-8").encode(encoding))


def _buffer(strings: pa.Array) -> memoryview:
    offsets, data = strings.buffers()[1], strings.buffers()[2]
    width = np.int64 if pa.types.is_large_string(strings.type) else np.int32
    bounds = np.frombuffer(offsets, dtype=width)[strings.offset : strings.offset + len(strings) + 1]
    return memoryview(data)[int(bounds[0]) : int(bounds[-1])]
