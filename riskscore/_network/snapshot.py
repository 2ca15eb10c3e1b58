"""The network in force on one date: active edges, de-duplicated, indexed, with its problems.

De-duplication rule (documented in docs/networks.md): several statements for the same
(owner, asset, kind) in force on the date are one holding; the one with the latest
``valid_from`` wins, then the later record. Each such group is reported (``overlapping``),
as is every asset whose definite incoming ownership sums to more than 100 % (``over-100``)
and every unknown share (``unknown-share``). Declared indirect stakes are kept apart
(``indirect``): they are evidence, never added to the chains that imply them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .graph import EDGE_KINDS

if TYPE_CHECKING:
    from .graph import Network

__all__ = ["Note", "Snapshot"]

I32 = npt.NDArray[np.int32]


@dataclass(frozen=True)
class Note:
    """A normalisation problem, naming the records: ``code``, a message, the edge numbers."""

    code: str
    message: str
    edges: tuple[int, ...] = ()


class Snapshot:
    """Edges in force on ``as_of``; ``out(kind)`` gives (offsets, edge numbers) by source."""

    __slots__ = ("_csr", "active", "as_of", "net", "notes")

    def __init__(self, net: Network, as_of: date) -> None:
        self.net = net
        self.as_of = as_of
        e = net.edges
        day = as_of.toordinal()
        live = (e["valid_from"] <= day) & (day <= e["valid_to"])
        self.notes: list[Note] = []
        self.active = self._dedupe(np.flatnonzero(live).astype(np.int32))
        self._csr: dict[tuple[int, bool], tuple[I32, I32]] = {}
        self._check_shares()

    def _dedupe(self, idx: I32) -> I32:
        e = self.net.edges
        if idx.size == 0:
            return idx
        n = np.int64(len(self.net))
        key = (e["kind"][idx].astype(np.int64) * n + e["src"][idx]) * n + e["dst"][idx]
        order = np.lexsort((idx, e["valid_from"][idx], key))  # by key, then start, then record
        k = key[order]
        last = np.ones(k.shape[0], dtype=bool)
        last[:-1] = k[1:] != k[:-1]
        keep = idx[order[last]]
        if keep.shape[0] != idx.shape[0]:
            first = np.ones(k.shape[0], dtype=bool)
            first[1:] = k[1:] != k[:-1]
            starts = np.flatnonzero(first)
            ends = np.append(starts[1:], k.shape[0])
            for s, t in zip(starts[ends - starts > 1][:50], ends[ends - starts > 1][:50], strict=False):
                group = tuple(int(x) for x in np.sort(idx[order[s:t]]))
                kept = int(idx[order[t - 1]])
                self.notes.append(
                    Note(
                        "overlapping",
                        f"{t - s} statements for one holding; kept edge {kept} "
                        "(latest valid_from, then the later record)",
                        group,
                    )
                )
        return np.sort(keep).astype(np.int32)

    def _check_shares(self) -> None:
        e = self.net.edges
        own = self.edges("ownership", direct_only=True)
        total = np.bincount(e["dst"][own], weights=e["share_lo"][own], minlength=len(self.net))
        for node in np.flatnonzero(total > 1 + 1e-9)[:50]:
            into = own[e["dst"][own] == node]
            self.notes.append(
                Note(
                    "over-100",
                    f"{self.net.label(int(node))}: incoming ownership sums to {total[node] * 100:.4g} %",
                    tuple(int(x) for x in into),
                )
            )
        unknown = own[~e["share_known"][own]]
        if unknown.size:
            self.notes.append(
                Note(
                    "unknown-share",
                    f"{unknown.size} ownership edges have no stated share",
                    tuple(int(x) for x in unknown[:50]),
                )
            )

    def edges(self, kind: str, *, direct_only: bool = False) -> I32:
        """Numbers of the active edges of one kind (declared indirect ones dropped if asked)."""
        e = self.net.edges
        mask = e["kind"][self.active] == EDGE_KINDS.index(kind)
        if direct_only:
            mask &= ~e["indirect"][self.active]
        out: I32 = self.active[mask]
        return out

    def out(self, kind: str, reverse: bool = False) -> tuple[I32, I32]:
        """CSR of the active direct edges of ``kind`` by source (by target if ``reverse``):
        ``offsets`` (len n + 1) and the edge numbers, so node i's edges are
        ``edges[offsets[i]:offsets[i + 1]]``. Built on first use, kept with the snapshot."""
        key = (EDGE_KINDS.index(kind), reverse)
        if key not in self._csr:
            idx = self.edges(kind, direct_only=True)
            ends = self.net.edges["dst" if reverse else "src"][idx]
            order = np.argsort(ends, kind="stable")
            counts = np.bincount(ends, minlength=len(self.net))
            offsets = np.zeros(len(self.net) + 1, dtype=np.int32)
            np.cumsum(counts, out=offsets[1:])
            self._csr[key] = (offsets, idx[order])
        return self._csr[key]

    def gather(self, kind: str, nodes: I32, reverse: bool = False) -> I32:
        """The edge numbers leaving (entering, if ``reverse``) the given nodes."""
        offsets, edges = self.out(kind, reverse)
        lo, hi = offsets[nodes], offsets[nodes + 1]
        lengths = hi - lo
        if not lengths.sum():
            return np.zeros(0, dtype=np.int32)
        starts = np.repeat(lo - np.cumsum(lengths) + lengths, lengths)
        out: I32 = edges[starts + np.arange(lengths.sum(), dtype=np.int32)]
        return out

    def column(self, name: str) -> Any:
        """An edge column of the whole network (index it with edge numbers)."""
        return self.net.edges[name]
