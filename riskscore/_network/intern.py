"""Interning string ids to dense int32 numbers, fast: a 64-bit hash of each id, one sort of
the hashes, then a check that no two different ids share a hash (a collision is refused,
never merged).

Ids arrive as any sequence of ``str`` or ``bytes`` (a list, a numpy ``U``/``S``/object
array, an Arrow column's numpy view). Numbers follow the sorted hashes, which are a pure
function of the ids' UTF-8 bytes (not Python's salted ``hash``), so the same ids get the same
numbers in every process and on every platform.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["intern_ids"]

U64 = npt.NDArray[np.uint64]
_MULT = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def _as_bytes(ids: Sequence[str] | Sequence[bytes] | npt.NDArray[Any]) -> npt.NDArray[np.bytes_]:
    """The ids as a fixed-width UTF-8 bytes array (``S`` dtype)."""
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
        if not all(isinstance(x, str) for x in values):
            raise TypeError("every id must be a string")
        return np.array([x.encode("utf-8") for x in values], dtype="S") if values else np.zeros(0, "S1")
    raise TypeError(f"ids must be strings, got an array of {arr.dtype}")


def _words(both: npt.NDArray[np.bytes_]) -> U64:
    """The ids as rows of uint64 words (zero padded to a multiple of 8 bytes)."""
    width = both.dtype.itemsize
    padded = -(-width // 8) * 8
    if padded != width:
        both = both.astype(f"S{padded}")
    return both.view(np.uint64).reshape(both.shape[0], padded // 8)


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


def intern_ids(
    *columns: Sequence[str] | Sequence[bytes] | npt.NDArray[Any],
) -> tuple[npt.NDArray[np.bytes_], list[npt.NDArray[np.int32]]]:
    """Number the ids of several columns together.

    Returns the distinct ids as UTF-8 bytes (in hash order: deterministic) and, per column, the int32
    number of each value. Raises ``ValueError`` for an empty id, and in the (astronomically
    unlikely) case of two different ids sharing a 64-bit hash, rather than merging them.
    """
    arrays = [_as_bytes(c) for c in columns]
    width = max((a.dtype.itemsize for a in arrays), default=1)
    both = np.concatenate([a.astype(f"S{width}", copy=False) for a in arrays]) if arrays else np.zeros(0, "S8")
    if both.size and np.any(both == b""):
        raise ValueError("an id is empty")
    words = _words(both)
    hashes = _hash(words)
    order = np.argsort(hashes)
    ranked = hashes[order]
    new = np.empty(ranked.shape[0], dtype=bool)
    new[:1] = True
    np.not_equal(ranked[1:], ranked[:-1], out=new[1:])
    same = ~new[1:]
    if same.any():
        for j in range(words.shape[1]):
            col = words[order, j]
            if np.any(same & (col[1:] != col[:-1])):
                raise ValueError("two different ids share a 64-bit hash: intern them another way")
    rank = np.cumsum(new, dtype=np.int64) - 1
    if rank.size and rank[-1] >= np.iinfo(np.int32).max:
        raise ValueError("more than 2**31 distinct ids")
    numbers = np.empty(both.shape[0], dtype=np.int32)
    numbers[order] = rank
    distinct = both[order[new]]
    out: list[npt.NDArray[np.int32]] = []
    at = 0
    for a in arrays:
        out.append(numbers[at : at + a.shape[0]])
        at += a.shape[0]
    return distinct, out
