"""Export rendering with Arrow's C++ string kernels: CSV lines and files on disk."""

from __future__ import annotations

import fcntl
import mmap
import os
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
    with _DirectFile(path) as handle:
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


BLOCK = 4096  # O_DIRECT wants file offsets, lengths and memory aligned to the device block
STAGE = 8 << 20
_stage: mmap.mmap | None = None  # one page-aligned staging buffer per process, reused


class _DirectFile:
    """A file written in order whose whole blocks bypass the page cache (O_DIRECT).

    Buffered writes cost a fresh page-cache page per 4 KiB: on a VM that hands freed memory
    back to its host, faulting those pages in was most of the web worker's system time.
    The tail (less than a block) is written through the page cache; without O_DIRECT
    (another OS, a file system that refuses it) everything is.
    """

    def __init__(self, path: Path) -> None:
        global _stage
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
        self.direct = hasattr(os, "O_DIRECT")
        try:
            self.fd = os.open(path, flags | getattr(os, "O_DIRECT", 0), 0o666)
        except OSError:
            self.fd, self.direct = os.open(path, flags, 0o666), False
        if self.direct and _stage is None:
            _stage = mmap.mmap(-1, STAGE)
        self.used = 0

    def __enter__(self) -> _DirectFile:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._flush(final=True)
        finally:
            os.close(self.fd)

    def write(self, data: bytes | memoryview) -> None:
        data = memoryview(data)
        if not self.direct:
            _write_all(self.fd, data)
            return
        if not self.used and len(data) >= BLOCK and _address(data) % BLOCK == 0:
            # an aligned buffer (Arrow's large ones are) goes to disk without a copy
            whole = len(data) // BLOCK * BLOCK
            self._direct(data[:whole])
            data = data[whole:]
        while len(data):
            k = min(len(data), STAGE - self.used)
            _stage[self.used : self.used + k] = data[:k]
            self.used += k
            data = data[k:]
            if self.used == STAGE:
                self._flush()

    def _flush(self, final: bool = False) -> None:
        if not self.direct:
            return
        whole = self.used // BLOCK * BLOCK
        if whole:
            self._direct(memoryview(_stage)[:whole])
            _stage.move(0, whole, self.used - whole)
            self.used -= whole
        if final and self.used:
            self._buffered()
            _write_all(self.fd, memoryview(_stage)[: self.used])

    def _direct(self, data: memoryview) -> None:
        try:
            _write_all(self.fd, data)
        except OSError:  # the file system refused the alignment: write it buffered
            self._buffered()
            _write_all(self.fd, data)

    def _buffered(self) -> None:
        fcntl.fcntl(self.fd, fcntl.F_SETFL, fcntl.fcntl(self.fd, fcntl.F_GETFL) & ~os.O_DIRECT)


def _write_all(fd: int, data: memoryview) -> None:
    while len(data):
        data = data[os.write(fd, data) :]


def _address(data: memoryview) -> int:
    return np.frombuffer(data, dtype=np.uint8).ctypes.data
