"""Interning string ids to dense numbers, fast: a 64-bit hash of each id's UTF-8 bytes, one
sort of the node ids' hashes, then a binary search per edge endpoint, and a byte-for-byte
check of every match, so two different ids that share a hash are refused, never merged.

Ids arrive as any sequence of ``str`` or ``bytes`` (a list, a numpy ``U``/``S``/object
array, an Arrow column's numpy view). The hash is defined here (not Python's salted
``hash``), so the same ids give the same numbers in every process.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["IdIndex", "as_bytes"]

U64 = npt.NDArray[np.uint64]
I32 = npt.NDArray[np.int32]
_MULT = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def as_bytes(ids: Sequence[str] | Sequence[bytes] | npt.NDArray[Any]) -> npt.NDArray[np.bytes_]:
    """The ids as a fixed-width UTF-8 bytes array (``S`` dtype); ``TypeError`` for non-strings."""
    arr = np.asarray(ids)
    if arr.dtype.kind == "S":
        return arr
    if arr.dtype.kind == "U":
        try:
            return arr.astype("S")  # ASCII ids (LEIs, registry numbers): a C-level copy
        except UnicodeEncodeError:
            return np.char.encode(arr, "utf-8")
    if arr.dtype.kind == "O" or arr.size == 0:
        values = arr.tolist()
        if not all(isinstance(x, (str, bytes)) for x in values):
            raise TypeError("every id must be a string")
        out = [x.encode("utf-8") if isinstance(x, str) else x for x in values]
        return np.array(out, dtype="S") if out else np.zeros(0, "S1")
    raise TypeError(f"ids must be strings, got an array of {arr.dtype}")


def _words(ids: npt.NDArray[np.bytes_], width: int) -> U64:
    """Rows of uint64 words, zero padded to ``width`` bytes (a multiple of 8)."""
    if ids.dtype.itemsize != width:
        ids = ids.astype(f"S{width}")
    return ids.view(np.uint64).reshape(ids.shape[0], width // 8)


def _hash(words: U64) -> U64:
    h = np.full(words.shape[0], np.uint64(0xCBF29CE484222325), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(words.shape[1]):
            h ^= words[:, j]
            h *= _MULT
            h ^= h >> np.uint64(29)
        h ^= h >> np.uint64(30)
        h *= _MIX1
        h ^= h >> np.uint64(27)
        h *= _MIX2
        h ^= h >> np.uint64(31)
    return h


class IdIndex:
    """The node ids of a table in an open-addressing hash table (load <= 1/2, linear probing,
    filled and probed in vectorised rounds): :meth:`numbers` maps ids to table rows."""

    __slots__ = ("_cols", "_hashes", "_mask", "_slot_hash", "_slots", "_width", "_words", "ids")

    def __init__(self, ids: Sequence[str] | Sequence[bytes] | npt.NDArray[Any]) -> None:
        self.ids = as_bytes(ids)
        n = self.ids.shape[0]
        if n and np.any(self.ids == b""):
            raise ValueError(f"row {int(np.flatnonzero(self.ids == b'')[0])}: an id is empty")
        self._width = max(8, -(-self.ids.dtype.itemsize // 8) * 8)
        self._words = _words(self.ids, self._width)
        self._hashes = _hash(self._words)
        size = 1 << max(4, int(4 * max(n, 1) - 1).bit_length())  # load <= 1/4: few displaced keys
        self._mask = np.uint64(size - 1)
        self._slots = np.full(size, -1, dtype=np.int32)
        pending = np.arange(n, dtype=np.int32)
        step = np.zeros(n, dtype=np.uint64)
        while pending.size:
            slot = ((self._hashes[pending] + step[pending]) & self._mask).astype(np.int64)
            free = self._slots[slot] < 0
            uniq, first = np.unique(slot[free], return_index=True)
            self._slots[uniq] = pending[free][first]
            placed = np.zeros(pending.size, dtype=bool)
            placed[np.flatnonzero(free)[first]] = True
            rest = pending[~placed]
            step[rest] += np.uint64(1)
            pending = rest
        self._slot_hash = np.where(self._slots >= 0, self._hashes[np.maximum(self._slots, 0)], 0).astype(np.uint64)
        self._cols = tuple(np.ascontiguousarray(self._words[:, j]) for j in range(self._words.shape[1]))
        self._check_unique()

    def _check_unique(self) -> None:
        rows, missing = self.numbers(self.ids)
        if missing.any() or not np.array_equal(rows, np.arange(self.ids.shape[0])):
            dup = np.flatnonzero(rows != np.arange(self.ids.shape[0]))
            a = int(dup[0])
            if np.array_equal(self._words[a], self._words[rows[a]]):
                raise ValueError(
                    f"{dup.size} duplicate ids, e.g. {self.ids[a].decode()!r} (rows {int(rows[a])} and {a})"
                )
            raise ValueError("two different ids share a 64-bit hash: intern them another way")

    def numbers(self, values: Sequence[str] | Sequence[bytes] | npt.NDArray[Any]) -> tuple[I32, npt.NDArray[np.bool_]]:
        """The table row of each value (the first row holding it), and a mask of the values that
        name no id (row 0 there). Every match is checked byte for byte."""
        raw = as_bytes(values)
        if raw.dtype.itemsize > self._width:  # longer than every id: only trailing NULs could match
            raw = raw.astype(f"S{self._width}")
        words = _words(raw, self._width)
        h = _hash(words)
        first = (h & self._mask).astype(np.intp)
        rows = self._slots[first]  # first probe, whole vector
        miss = (rows >= 0) & (self._slot_hash[first] != h)
        pending = np.flatnonzero(miss)
        rows[pending] = -1
        step = np.uint64(1)
        while pending.size:  # linear probing for the few that collided on their slot
            t = self._slots[((h[pending] + step) & self._mask).astype(np.intp)]
            hit = t >= 0
            match = np.zeros(pending.size, dtype=bool)
            match[hit] = self._hashes[t[hit]] == h[pending[hit]]
            rows[pending[match]] = t[match]
            pending = pending[hit & ~match]
            step += np.uint64(1)
        found = rows >= 0
        rows[~found] = 0
        for j, col in enumerate(self._cols):  # byte for byte: a hash match is not enough
            found &= col[rows] == words[:, j]
        return np.where(found, rows, 0).astype(np.int32), ~found
