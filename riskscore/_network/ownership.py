"""Legal ownership statuses as monotone fixed points, each with its proof.

``ofac_50_aggregate``: an entity owned >= the threshold (50 %; 33 % exists, FAQ 538), in the
aggregate, directly or through blocked entities, by blocked persons is blocked; blocked
intermediates' stakes count in full, never multiplied along chains (OFAC FAQ 401); control
alone blocks nothing (FAQ 398); stakes are summed across programmes (FAQ 399).
``eu_owned_or_controlled``: 50 % or more since 2024-07-03 (more than 50 % before),
aggregated regardless of concert, plus the control limb over control edges.
``uk_owned_or_controlled``: more than 50 %, no summing across different designated persons
(a person's holdings through entities it owns or controls are its own; a holding marked joint
counts in full for each joint holder), plus the control limb.
``bis_affiliates``: OFAC arithmetic, in force 2025-09-29..2025-11-09, suspended
2025-11-10..2026-11-09, scheduled to return 2026-11-10 (unverified: a note says so).

Shares are intervals: the definite status uses each stake's lower bound, the possible status
its upper bound (an unknown share is 0..100 %); ``unknown`` decides what a possible-only
status becomes: ``flag`` (status ``possible``), ``assume_hi`` (caught) or ``ignore`` (clear,
with a note counting what was ignored). Shares are kept as whole millionths (0.0001 %), so sums and the comparison with
the threshold are exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np
import numpy.typing as npt

from .errors import NetworkError
from .graph import PPM
from .snapshot import Note, Snapshot

__all__ = ["METHODS", "Closure", "Method"]

I32 = npt.NDArray[np.int32]
Unknown = Literal["ignore", "flag", "assume_hi"]
EU_SWITCH = date(2024, 7, 3)
BIS_IN_FORCE, BIS_SUSPENDED, BIS_RETURN = date(2025, 9, 29), date(2025, 11, 10), date(2026, 11, 10)


@dataclass(frozen=True)
class Method:
    """A named ownership method with its parameters (see the module docstring)."""

    name: str
    threshold: float = 0.5
    unknown: Unknown = "flag"
    wording: str = ""

    def rule(self, as_of: date) -> tuple[bool, bool, bool, bool]:
        """(inclusive, aggregate across holders, control limb, in force) on ``as_of``."""
        if self.name == "ofac_50_aggregate":
            return True, True, False, True
        if self.name == "eu_owned_or_controlled":
            return as_of >= EU_SWITCH, True, True, True
        if self.name == "uk_owned_or_controlled":
            return False, False, True, True
        if self.name == "bis_affiliates":
            return True, True, False, as_of >= BIS_IN_FORCE and not BIS_SUSPENDED <= as_of < BIS_RETURN
        raise NetworkError(f"unknown ownership method {self.name!r} (one of {', '.join(METHODS)})")

    def describe(self, as_of: date) -> str:
        """The test in words, e.g. ``owned >= 50 % in aggregate by listed persons (OFAC method)``."""
        inclusive, aggregate, control, _ = self.rule(as_of)
        op = ">=" if inclusive else ">"
        who = "in aggregate by listed persons" if aggregate else "by one listed person, with what it owns or controls"
        text = f"owned {op} {self.threshold * 100:g} % {who}"
        if control:
            text += ", or controlled by them"
        return f"{text} ({METHODS[self.name]})"


METHODS = {
    "ofac_50_aggregate": "OFAC 50 percent rule, FAQ 398-402",
    "eu_owned_or_controlled": "EU owned or controlled, Best Practices 2024",
    "uk_owned_or_controlled": "UK owned or controlled, SAMLA regulation 7 and Schedule 1",
    "bis_affiliates": "BIS affiliates rule, EAR Part 744 Supplement No. 8",
}


def _meets(agg: npt.NDArray[np.int64], t: int, inclusive: bool) -> npt.NDArray[np.bool_]:
    """Aggregates and threshold in millionths: an exact comparison."""
    return agg >= t if inclusive else agg > t


def _add(agg: npt.NDArray[np.int64], at: I32, w: npt.NDArray[np.int64]) -> None:
    if at.size * 16 > agg.size:  # a big frontier: one pass over all nodes is cheaper
        agg += np.bincount(at, weights=w, minlength=agg.size).astype(np.int64)  # exact below 2**53
    else:
        np.add.at(agg, at, w)


class _Pass:
    """One fixed point with one bound of the shares: ``level`` (-1 clear, 0 seed, k: caught at
    iteration k), ``agg`` (the stakes of caught holders, in millionths), ``root`` (per-holder
    methods: the designated person whose holdings caught the node)."""

    def __init__(self, snap: Snapshot, seeds: npt.NDArray[np.bool_], col: str, method: Method) -> None:
        inclusive, aggregate, control, _ = method.rule(snap.as_of)
        n = len(snap.net)
        e = snap.net.edges
        src, dst, w = e["src"], e["dst"], e[col]
        t = round(method.threshold * PPM)
        self.level = np.full(n, -1, dtype=np.int32)
        self.level[seeds] = 0
        self.root = np.where(seeds, np.arange(n, dtype=np.int32), -1)
        self.agg = np.zeros(n, dtype=np.int64)
        held: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]] = []
        frontier = np.flatnonzero(seeds).astype(np.int32)
        k = 0
        while frontier.size:
            k += 1
            eo = snap.gather("ownership", frontier)
            stake = w[eo].astype(np.int64)
            if aggregate:
                _add(self.agg, dst[eo], stake)
                cand = np.unique(dst[eo])
                hit = cand[(self.level[cand] < 0) & _meets(self.agg[cand], t, inclusive)]
            else:  # a joint holding counts in full for each joint holder
                held.append((self.root[src[eo]].astype(np.int64) * n + dst[eo], np.where(e["joint"][eo], PPM, stake)))
                hit = self._per_holder(held, t, n)
            if control:
                ec = snap.gather("control", frontier)
                ec = ec[self.level[dst[ec]] < 0]
                cand, first = np.unique(dst[ec], return_index=True)
                new = ~np.isin(cand, hit)  # a controlled entity follows its controller's designated person
                self.root[cand[new]] = self.root[src[ec[first[new]]]]
                hit = np.union1d(hit, cand[new]).astype(np.int32)
            self.level[hit] = k
            frontier = hit.astype(np.int32)

    def _per_holder(self, held: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]], t: int, n: int) -> I32:
        """UK: stakes summed per (designated root, asset), never across roots; a caught asset
        takes the root whose holdings caught it, so its own stakes count as that root's."""
        keys = np.concatenate([h[0] for h in held])
        allk, inv = np.unique(keys, return_inverse=True)
        sums = np.bincount(inv.reshape(-1), weights=np.concatenate([h[1] for h in held])).astype(np.int64)
        asset = (allk % n).astype(np.int32)
        ok = (self.level[asset] < 0) & _meets(sums, t, False)
        self.root[asset[ok]] = (allk[ok] // n).astype(np.int32)  # one root can hold > 50 %
        self.agg[asset[ok]] = sums[ok]
        return np.unique(asset[ok]).astype(np.int32)


class Closure:
    """The status of every node under one method on one date, with proofs on demand."""

    __slots__ = ("definite", "method", "notes", "possible", "seeds", "snap")

    def __init__(self, snap: Snapshot, seeds: npt.NDArray[np.bool_], method: Method) -> None:
        self.snap, self.method, self.seeds = snap, method, seeds
        self.notes: list[Note] = list(snap.notes)
        in_force = method.rule(snap.as_of)[3]
        if not in_force:
            seeds = np.zeros_like(seeds)
            self.notes.append(Note("rule-not-in-force", f"{METHODS[method.name]} is not in force on {snap.as_of}"))
        elif method.name == "bis_affiliates" and snap.as_of >= BIS_RETURN:
            self.notes.append(
                Note(
                    "rule-unverified",
                    "BIS affiliates rule: scheduled to return on 2026-11-10 "
                    "after its suspension; its status after that is unconfirmed",
                )
            )
        self.definite = _Pass(snap, seeds, "share_lo", method)
        e = snap.net.edges
        exact = np.array_equal(e["share_lo"], e["share_hi"])
        self.possible = self.definite if exact else _Pass(snap, seeds, "share_hi", method)

    def status(self, i: int) -> str:
        """``listed`` (a seed), ``caught`` (derived), ``possible`` (only with unknown or banded
        shares, under ``unknown: flag``) or ``clear``."""
        if self.seeds[i]:
            return "listed"
        if self.definite.level[i] > 0:
            return "caught"
        if self.possible.level[i] > 0:
            return {"flag": "possible", "assume_hi": "caught", "ignore": "clear"}[self.method.unknown]
        return "clear"

    def caught(self) -> npt.NDArray[np.bool_]:
        """A mask of the derived (not listed) nodes caught under the method's unknown-share rule."""
        p = self.possible if self.method.unknown == "assume_hi" else self.definite
        return p.level > 0

    def proof(self, i: int, *, depth: int = 6, limit: int = 50) -> Proof:
        """Why node ``i`` has its status: the contributing edges and, recursively, the owners'
        own proofs, cut at ``depth`` levels and ``limit`` edges in all (then ``partial``)."""
        budget = [limit]
        return self._proof(i, depth, budget)

    def _proof(self, i: int, depth: int, budget: list[int]) -> Proof:
        status = self.status(i)
        p = (
            self.possible
            if status == "possible" or (status == "caught" and self.definite.level[i] <= 0)
            else self.definite
        )
        level = int(p.level[i])
        snap, e = self.snap, self.snap.net.edges
        parts: list[Stake] = []
        partial = False
        if level > 0:
            inc = np.concatenate(
                [
                    snap.gather("ownership", np.array([i], np.int32), reverse=True),
                    snap.gather("control", np.array([i], np.int32), reverse=True)
                    if self.method.rule(snap.as_of)[2]
                    else np.zeros(0, np.int32),
                ]
            )
            owners = e["src"][inc]
            useful = (p.level[owners] >= 0) & (p.level[owners] < level)
            if not self.method.rule(snap.as_of)[1]:
                useful &= p.root[owners] == p.root[i]
            for edge in inc[useful]:
                if budget[0] <= 0 or depth <= 0:
                    partial = True
                    break
                budget[0] -= 1
                o = int(e["src"][edge])
                sub = self._proof(o, depth - 1, budget) if self.status(o) != "listed" else None
                partial = partial or bool(sub and sub.partial)
                parts.append(
                    Stake(
                        int(edge),
                        snap.net.label(o),
                        self.status(o),
                        _share(e, int(edge)),
                        _when(e["valid_from"][edge], e["valid_to"][edge]),
                        _source(snap, int(edge)),
                        sub,
                    )
                )
        agg = (int(self.definite.agg[i]) / PPM, int(self.possible.agg[i]) / PPM)
        return Proof(snap.net.label(i), status, self.method.describe(snap.as_of), agg, tuple(parts), partial)


@dataclass(frozen=True)
class Stake:
    """One contributing edge of a proof: the holder, its status, the share and its evidence."""

    edge: int
    holder: str
    holder_status: str
    share: str
    valid: str
    source: str | None
    holder_proof: Proof | None


@dataclass(frozen=True)
class Proof:
    """A derived status with its evidence; :meth:`lines` renders it as an indented tree."""

    node: str
    status: str
    test: str
    aggregate: tuple[float, float]
    stakes: tuple[Stake, ...]
    partial: bool

    def lines(self, indent: str = "") -> list[str]:
        """The proof as text lines, one per stake, nested by holder."""
        lo, hi = self.aggregate
        held = f"{lo * 100:.4g} %" if lo == hi else f"{lo * 100:.4g}-{hi * 100:.4g} %"
        out = [f"{indent}{self.node}: {self.status} ({self.test}; held by listed or caught holders: {held})"]
        for s in self.stakes:
            src = f", source {s.source}" if s.source else ""
            out.append(f"{indent}  <- {s.share} held by {s.holder} [{s.holder_status}], {s.valid}{src}")
            if s.holder_proof is not None:
                out += s.holder_proof.lines(indent + "     ")
        if self.partial:
            out.append(f"{indent}  ... (proof cut at its depth or size limit: partial)")
        return out


def _share(e: dict[str, npt.NDArray[np.generic]], i: int) -> str:
    from .shares import Share

    kind = "control" if int(e["kind"][i]) == 1 else None
    if kind:
        return "control"
    return Share(int(e["share_lo"][i]) / PPM, int(e["share_hi"][i]) / PPM, bool(e["share_known"][i])).text()


def _when(lo: np.int32, hi: np.int32) -> str:
    from .graph import OPEN_FROM, OPEN_TO

    a = "" if int(lo) == OPEN_FROM else date.fromordinal(int(lo)).isoformat()
    b = "" if int(hi) == OPEN_TO else date.fromordinal(int(hi)).isoformat()
    return f"valid {a or '...'} to {b or '...'}" if a or b else "no dates"


def _source(snap: Snapshot, i: int) -> str | None:
    k = int(snap.net.edges["source"][i])
    return snap.net.sources[k] if 0 <= k < len(snap.net.sources) else None
