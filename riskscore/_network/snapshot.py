"""The network in force on one date: active edges, de-duplicated, with its problems.

De-duplication rule (documented in docs/networks.md): several statements for the same
(holder, asset, kind) in force on the date are one holding; the one with the latest
``valid_from`` wins, then the later record. Each such group is reported (``overlapping``),
as is every asset whose definite incoming ownership sums to more than 100 % (``over-100``)
and every unknown share (``unknown-share``). Declared indirect stakes are kept apart
(``indirect``): they are evidence, never added to the chains that imply them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from .graph import EDGE_KINDS, PPM

if TYPE_CHECKING:
    from .graph import Network

__all__ = ["Note", "Snapshot"]

I32 = npt.NDArray[np.int32]
MAX_NOTES = 50
"""At most this many notes of one code name their records; a last note counts the rest."""


@dataclass(frozen=True)
class Note:
    """A normalisation problem, naming the records: ``code``, a message, the edge numbers."""

    code: str
    message: str
    edges: tuple[int, ...] = ()


class Snapshot:
    """The edges in force on ``as_of`` (``live``: a mask over the network's edges)."""

    __slots__ = ("as_of", "live", "net", "notes")

    def __init__(self, net: Network, as_of: date) -> None:
        self.net = net
        self.as_of = as_of
        e = net.edges
        day = as_of.toordinal()
        self.live = (e["valid_from"] <= day) & (day <= e["valid_to"])
        self.notes: list[Note] = []
        self._dedupe()
        self.live.setflags(write=False)
        self._check_shares()

    @property
    def active(self) -> I32:
        """Numbers of the edges in force (after de-duplication)."""
        return np.flatnonzero(self.live).astype(np.int32)

    def _dedupe(self) -> None:
        e = self.net.edges
        members = e["dup_edges"][self.live[e["dup_edges"]]]
        if members.size < 2:
            return
        n = np.int64(len(self.net))
        key = (e["kind"][members].astype(np.int64) * n + e["src"][members]) * n + e["dst"][members]
        order = np.lexsort((members, e["valid_from"][members], key))  # the last of each key wins
        k = key[order]
        last = np.ones(k.size, dtype=bool)
        last[:-1] = k[1:] != k[:-1]
        first = np.ones(k.size, dtype=bool)
        first[1:] = k[1:] != k[:-1]
        starts = np.flatnonzero(first)
        sizes = np.diff(np.append(starts, k.size))
        self.live[members] = False
        self.live[members[order[last]]] = True
        groups = [(s, z) for s, z in zip(starts, sizes, strict=True) if z > 1]
        for s, z in groups[:MAX_NOTES]:
            rec = tuple(sorted(int(x) for x in members[order[s : s + z]]))
            kept = int(members[order[s + z - 1]])
            self.notes.append(
                Note(
                    "overlapping",
                    f"{z} statements for one holding ({self._pair(kept)}); kept the "
                    f"latest valid_from, then the later record: edge {kept}",
                    rec,
                )
            )
        if len(groups) > MAX_NOTES:
            self.notes.append(
                Note("overlapping", f"... and {len(groups) - MAX_NOTES} more holdings stated more than once")
            )

    def _pair(self, edge: int) -> str:
        e = self.net.edges
        return f"{self.net.label(int(e['src'][edge]))} -> {self.net.label(int(e['dst'][edge]))}"

    def _check_shares(self) -> None:
        e = self.net.edges
        own = self.edges("ownership", direct_only=True)
        total = np.bincount(e["dst"][own], weights=e["share_lo"][own], minlength=len(self.net))
        over = np.flatnonzero(total > PPM)
        for node in over[:MAX_NOTES]:
            into = own[e["dst"][own] == node]
            self.notes.append(
                Note(
                    "over-100",
                    f"{self.net.label(int(node))}: incoming ownership sums to {total[node] / PPM * 100:.4g} %",
                    tuple(int(x) for x in into),
                )
            )
        if over.size > MAX_NOTES:
            self.notes.append(Note("over-100", f"... and {over.size - MAX_NOTES} more assets over 100 %"))
        unknown = own[~e["share_known"][own]]
        if unknown.size:
            self.notes.append(
                Note(
                    "unknown-share",
                    f"{unknown.size} ownership edges have no stated share",
                    tuple(int(x) for x in unknown[:MAX_NOTES]),
                )
            )

    def edges(self, kind: str, *, direct_only: bool = False) -> I32:
        """Numbers of the edges of one kind in force (declared indirect ones dropped if asked)."""
        k = EDGE_KINDS.index(kind)
        lo, hi = int(self.net.kind_start[k]), int(self.net.kind_start[k + 1])
        mask = self.live[lo:hi]
        if direct_only:
            mask = mask & ~self.net.edges["indirect"][lo:hi]
        out: I32 = (np.flatnonzero(mask) + lo).astype(np.int32)
        return out

    def gather(self, kind: str, nodes: I32, reverse: bool = False) -> I32:
        """The direct edges in force of ``kind`` leaving the given nodes (entering, if ``reverse``)."""
        e = self.net.edges
        k = EDGE_KINDS.index(kind)
        lo, hi = int(self.net.kind_start[k]), int(self.net.kind_start[k + 1])
        if hi == lo or nodes.size == 0:
            return np.zeros(0, dtype=np.int32)
        keys = e["rev_dst" if reverse else "src"][lo:hi]
        a = np.searchsorted(keys, nodes, "left")
        b = np.searchsorted(keys, nodes, "right")
        lengths = b - a
        total = int(lengths.sum())
        if not total:
            return np.zeros(0, dtype=np.int32)
        pos = np.repeat(a - np.cumsum(lengths) + lengths, lengths) + np.arange(total) + lo
        edges = e["rev_order"][pos] if reverse else pos
        keep = self.live[edges] & ~e["indirect"][edges]
        out: I32 = edges[keep].astype(np.int32)
        return out

    def column(self, name: str) -> npt.NDArray[np.generic]:
        """An edge column of the whole network (index it with edge numbers)."""
        return self.net.edges[name]
