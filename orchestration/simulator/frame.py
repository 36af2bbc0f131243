"""Frame: a dict of equal-length NumPy arrays, the simulator's unit of vectorised data."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
import pyarrow as pa


class Frame:
    def __init__(self, **columns: np.ndarray) -> None:
        self.columns: dict[str, np.ndarray] = {}
        for name, values in columns.items():
            self[name] = values

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def __setitem__(self, name: str, values: np.ndarray) -> None:
        values = np.asarray(values)
        if self.columns and len(values) != len(self):
            raise ValueError(f"column {name!r} has {len(values)} rows, frame has {len(self)}")
        self.columns[name] = values

    def __contains__(self, name: str) -> bool:
        return name in self.columns

    def __iter__(self) -> Iterator[str]:
        return iter(self.columns)

    def take(self, index: np.ndarray) -> Frame:
        return Frame(**{name: values[index] for name, values in self.columns.items()})

    def sort(self, *keys: str) -> Frame:
        # np.lexsort sorts by the last key first
        order = np.lexsort([self.columns[k] for k in reversed(keys)])
        return self.take(order)

    def to_arrow(self) -> pa.Table:
        return pa.table(dict(self.columns.items()))

    @staticmethod
    def concat(frames: Iterable[Frame]) -> Frame:
        frames = [f for f in frames if len(f)]
        if not frames:
            return Frame()
        names = list(frames[0].columns)
        return Frame(**{n: np.concatenate([f[n] for f in frames]) for n in names})

    @staticmethod
    def empty_like(frame: Frame) -> Frame:
        return frame.take(np.zeros(0, dtype=np.int64))
