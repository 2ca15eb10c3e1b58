"""One list field of many counterparties as flat numpy arrays (:class:`Ragged`).

Re-exported by :mod:`riskscore.columns`, where the layout is described.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain, repeat
from operator import is_
from typing import Any

import numpy as np

from ._numbering import F64, I32, I64, B, _Registry


@dataclass(frozen=True)
class Ragged:
    """One list field of many counterparties: flat ``values`` plus ``offsets`` and ``missing``."""

    values: I32
    offsets: I64
    missing: B
    shares: F64 | None = None

    @property
    def lengths(self) -> I64:
        """Items per row."""
        return np.diff(self.offsets)

    def rows(self) -> I64:
        """The row of every item."""
        return np.repeat(np.arange(len(self.missing), dtype=np.int64), self.lengths)

    def take(self, index: I64) -> Ragged:
        """The rows at ``index``, in that order."""
        lengths = self.lengths[index]
        offsets = np.zeros(len(index) + 1, np.int64)
        np.cumsum(lengths, out=offsets[1:])
        starts = np.repeat(self.offsets[:-1][index] - offsets[:-1], lengths)
        items = np.arange(offsets[-1], dtype=np.int64) + starts
        shares = None if self.shares is None else self.shares[items]
        return Ragged(self.values[items], offsets, self.missing[index], shares)

    @staticmethod
    def concat(parts: Sequence[Ragged]) -> Ragged:
        """Rows of ``parts`` one after the other."""
        if len(parts) == 1:
            return parts[0]
        lengths = np.concatenate([p.lengths for p in parts])
        offsets = np.zeros(len(lengths) + 1, np.int64)
        np.cumsum(lengths, out=offsets[1:])
        shares = None if parts[0].shares is None else np.concatenate([p.shares for p in parts if p.shares is not None])
        return Ragged(
            np.concatenate([p.values for p in parts]), offsets, np.concatenate([p.missing for p in parts]), shares
        )

    @classmethod
    def build(
        cls, lists: Sequence[Sequence[Any] | None], numbers: _Registry, shares: Sequence[float] | None = None
    ) -> Ragged:
        """From one list per row (``None`` = missing) of raw values, numbering them."""
        missing = np.fromiter(map(is_, lists, repeat(None)), np.bool_, len(lists))
        present = [x if x is not None else () for x in lists]
        offsets = np.zeros(len(lists) + 1, np.int64)
        np.cumsum(np.fromiter(map(len, present), np.int64, len(lists)), out=offsets[1:])
        values = np.fromiter(map(numbers.__getitem__, chain.from_iterable(present)), np.int32, int(offsets[-1]))
        share_array = None if shares is None else np.array(shares, np.float64)
        return cls(values, offsets, missing, share_array)
