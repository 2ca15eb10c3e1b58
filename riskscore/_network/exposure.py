"""Exposure over the graph: look-through ownership, hop distance and damped trade exposure.

``look_through``: effective ownership of each node by the seeds, the sum over paths of the
product of shares (the UBO view), as an interval (lower and upper bounds of the shares),
up to ``max_hops``; NOT a sanctions test (OFAC and the EU never multiply along chains).
``hop_distance``: hops to the nearest seed over edges whose share is at least ``min_share``
(unknown shares only with ``include_unknown``), with the path. ``damped_sum``: trade exposure
E = sum over h <= K of alpha^h W^h r, W the row shares of supplier/customer edges, r the seeds'
risk; the strongest single path (max product) is kept for the explanation. Cycles end
because the number of hops is bounded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .graph import PPM
from .snapshot import Snapshot

__all__ = ["Exposure", "best_paths", "damped_sum", "hop_distance", "look_through"]

F64 = npt.NDArray[np.float64]
I32 = npt.NDArray[np.int32]


@dataclass(frozen=True)
class Exposure:
    """Per-node values and, per hop, the best incoming edge (-1 none), for paths."""

    value: F64
    upper: F64
    best_edge: tuple[I32, ...]
    best_value: tuple[F64, ...]
    label: str

    def path(self, snap: Snapshot, i: int, *, forward: bool) -> list[int]:
        """The edge numbers of the strongest path reaching node ``i`` (seed end last)."""
        if not self.best_value:
            return []
        h = int(np.argmax([bv[i] for bv in self.best_value]))
        if self.best_value[h][i] <= 0:
            return []
        e = snap.net.edges
        out, node = [], i
        for step in range(h, -1, -1):
            edge = int(self.best_edge[step][node])
            if edge < 0:
                break
            out.append(edge)
            node = int(e["dst"][edge] if forward else e["src"][edge])
        return out


def best_paths(snap: Snapshot, exposure: Exposure, *, forward: bool) -> npt.NDArray[np.int32]:
    """The strongest path of every node at once: an ``(n, hops)`` matrix of edge numbers, the
    node's own edge first and the seed end last, padded with -1 (vectorised
    :meth:`Exposure.path`; ``forward`` as there)."""
    n = len(snap.net)
    hops = len(exposure.best_value)
    out = np.full((n, max(hops, 1)), -1, dtype=np.int32)
    if not hops:
        return out
    values = np.stack(exposure.best_value)  # (hops, n)
    h = np.argmax(values, axis=0)
    alive = values[h, np.arange(n)] > 0
    node = np.arange(n, dtype=np.int64)
    far = snap.net.edges["dst" if forward else "src"]
    edges = np.stack(exposure.best_edge)  # (hops, n)
    for col in range(hops):
        step = h - col
        alive &= step >= 0
        if not alive.any():
            break
        edge = np.where(alive, edges[np.maximum(step, 0), node], -1)
        alive &= edge >= 0
        out[alive, col] = edge[alive]
        node = np.where(alive, far[np.maximum(edge, 0)], node)
    return out


def _positions(idx: I32, arg: I32) -> I32:
    """Edge numbers of the per-node best positions (-1 none); no edges: all -1."""
    if idx.size == 0:
        return np.full(arg.shape, -1, dtype=np.int32)
    out: I32 = np.where(arg >= 0, idx[np.maximum(arg, 0)], -1).astype(np.int32)
    return out


def _hop(src: I32, dst: I32, w: F64, x: F64, n: int) -> tuple[F64, F64, I32]:
    """One hop pulling x from ``src`` to ``dst``: (sum, max, argmax edge position)."""
    contrib = w * x[src]
    total: F64 = np.bincount(dst, weights=contrib, minlength=n).astype(np.float64)
    best = np.zeros(n)
    np.maximum.at(best, dst, contrib)
    arg = np.full(n, -1, dtype=np.int32)
    winners = np.flatnonzero((contrib > 0) & (contrib == best[dst]))
    arg[dst[winners]] = winners.astype(np.int32)
    return total, best, arg


def look_through(snap: Snapshot, seeds: npt.NDArray[np.bool_], max_hops: int = 10) -> Exposure:
    """Effective ownership by the seeds, down ownership chains (label: not a sanctions test)."""
    e = snap.net.edges
    idx = snap.edges("ownership", direct_only=True)
    n = len(snap.net)
    src, dst = e["src"][idx], e["dst"][idx]
    w_lo, w_hi = e["share_lo"][idx] / PPM, e["share_hi"][idx] / PPM
    lo: F64 = seeds.astype(np.float64)
    hi: F64 = lo
    tot_lo, tot_hi = np.zeros(n), np.zeros(n)
    edges, values = [], []
    for _ in range(max_hops):
        lo, best, arg = _hop(src, dst, w_lo, lo, n)
        hi = _hop(src, dst, w_hi, hi, n)[0]
        tot_lo += lo
        tot_hi += hi
        edges.append(_positions(idx, arg))
        values.append(best)
        if not hi.any():
            break
    return Exposure(
        np.round(tot_lo, 9),
        np.round(np.minimum(tot_hi, 1.0), 9).astype(np.float64),
        tuple(edges),
        tuple(values),
        "look-through ownership (the UBO view; not a sanctions test)",
    )


def hop_distance(
    snap: Snapshot,
    seeds: npt.NDArray[np.bool_],
    kinds: tuple[str, ...] = ("ownership",),
    max_hops: int = 3,
    min_share: float = 0.10,
    include_unknown: bool = False,
    forward: bool = True,
) -> tuple[npt.NDArray[np.int16], I32]:
    """Hops to the nearest seed (-1 beyond ``max_hops``) and the edge each node was reached by.

    ``forward``: status flows from an edge's source to its target (owner to asset); for
    trade, where a node is exposed through its partners, pass ``forward=False``."""
    e = snap.net.edges
    n = len(snap.net)
    idx = np.concatenate([snap.edges(k, direct_only=True) for k in kinds])
    ok = (e["share_lo"][idx] >= round(min_share * PPM)) | (include_unknown & ~e["share_known"][idx])
    ok |= np.isin(e["kind"][idx], [1, 2]) & ("control" in kinds or "directorship" in kinds)  # no share on control
    idx = idx[ok]
    a, b = (e["src"][idx], e["dst"][idx]) if forward else (e["dst"][idx], e["src"][idx])
    dist = np.where(seeds, 0, -1).astype(np.int16)
    via = np.full(n, -1, dtype=np.int32)
    frontier = seeds.copy()
    for h in range(1, max_hops + 1):
        step = frontier[a] & (dist[b] < 0)
        if not step.any():
            break
        reached = b[step]
        via[reached] = idx[step]  # any edge of the hop: the last written wins, deterministic
        dist[reached] = h
        frontier = np.zeros(n, dtype=bool)
        frontier[reached] = True
    return dist, via


def damped_sum(
    snap: Snapshot,
    risk: F64,
    kinds: tuple[str, ...] = ("supplier", "customer"),
    alpha: float = 0.5,
    max_hops: int = 3,
    upper: bool = False,
) -> Exposure:
    """Trade exposure E = sum_{h=1..K} alpha^h W^h r (a node is exposed through its partners:
    edge src = the trader, dst = the partner, share = the partner's part of src's trade).
    ``upper``: read each share's upper bound (an unknown share as 100 %), else its lower bound."""
    e = snap.net.edges
    n = len(snap.net)
    idx = np.concatenate([snap.edges(k, direct_only=True) for k in kinds])
    src, dst, w = e["src"][idx], e["dst"][idx], e["share_hi" if upper else "share_lo"][idx] / PPM
    x = risk.astype(np.float64)
    total = np.zeros(n)
    edges, values = [], []
    scale = 1.0
    for _ in range(max_hops):
        scale *= alpha
        x, best, arg = _hop(dst, src, w, x, n)
        total += scale * x
        edges.append(_positions(idx, arg))
        values.append(scale * best)
        if not x.any():
            break
    return Exposure(
        np.round(total, 9),
        np.round(total, 9),
        tuple(edges),
        tuple(values),
        f"damped trade exposure (alpha {alpha:g}, {max_hops} hops)",
    )
