"""Two references for the workload: plain Python (the arbiter) and hand-written numpy."""

from __future__ import annotations

from typing import Any

import numpy as np

from .workload import CODES, HPC, risk

WEIGHTS = (0.30, 0.25, 0.25, 0.10, 0.10)
FACTORS = ("F1_incorporation", "F2_ownership", "F3_partner_exposure", "F4_operations", "F5_products")
TIERS = ("low", "medium", "high", "prohibited")
BOUNDS = (25.0, 50.0, 75.0)
RISK = {c: float(risk(c)) for c in CODES}
HPC_SET = frozenset(HPC)


def tier_of(score: float) -> int:
    """0 low, 1 medium, 2 high, 3 prohibited."""
    return 0 if score < 25 else 1 if score < 50 else 2 if score < 75 else 3


def factors(rec: dict[str, Any]) -> tuple[float, float, float, float, float]:
    """F1..F5 of one counterparty, as WORKLOAD.md defines them."""
    r = RISK
    f1 = r[rec["incorporation"]]
    f2 = max(r[o["country"]] * min(1.0, o["share"] / 0.25) for o in rec["owners"])
    total = 0.0
    for p in rec["partners"]:
        total += p["share"] * r[p["country"]]
    f3 = min(100.0, total)
    f4 = max((r[c] for c in rec["operations"]), default=0.0)
    f5 = 100.0 if f3 >= 20 and any(h in HPC_SET for h in rec["hs_codes"]) else 0.0
    return f1, f2, f3, f4, f5


def score_one(rec: dict[str, Any]) -> tuple[float, int, tuple[float, ...]]:
    """(score, tier number, weighted contributions F1..F5)."""
    f = factors(rec)
    contrib = (0.30 * f[0], 0.25 * f[1], 0.25 * f[2], 0.10 * f[3], 0.10 * f[4])
    weighted = contrib[0] + contrib[1] + contrib[2] + contrib[3] + contrib[4]
    if rec["sanctions_hit"] or f[0] == 100:
        score = 100.0
    elif rec["pep"]:
        score = min(100.0, weighted + 10)
    else:
        score = weighted
    return score, tier_of(score), contrib


# ---------------------------------------------------------------- hand-written numpy
_INDEX = {c: i for i, c in enumerate(CODES)}
_RISK_ARRAY = np.array([RISK[c] for c in CODES])


class NumpyColumns:
    """The workload's columns for the numpy reference (country indexes, flat arrays, offsets)."""

    def __init__(self, recs: list[dict[str, Any]]) -> None:
        ix = _INDEX
        n = len(recs)
        self.n = n
        self.inc = np.fromiter((ix[r["incorporation"]] for r in recs), np.int32, n)
        own = [r["owners"] for r in recs]
        par = [r["partners"] for r in recs]
        ops = [r["operations"] for r in recs]
        self.own_len = np.fromiter(map(len, own), np.int64, n)
        self.par_len = np.fromiter(map(len, par), np.int64, n)
        self.ops_len = np.fromiter(map(len, ops), np.int64, n)
        self.own_c = np.fromiter((ix[o["country"]] for x in own for o in x), np.int32)
        self.own_s = np.fromiter((o["share"] for x in own for o in x), np.float64)
        self.par_c = np.fromiter((ix[o["country"]] for x in par for o in x), np.int32)
        self.par_s = np.fromiter((o["share"] for x in par for o in x), np.float64)
        self.ops_c = np.fromiter((ix[c] for x in ops for c in x), np.int32)
        hpc = HPC_SET
        self.has_hpc = np.fromiter((any(h in hpc for h in r["hs_codes"]) for r in recs), np.bool_, n)
        self.pep = np.fromiter((r["pep"] for r in recs), np.bool_, n)
        self.hit = np.fromiter((r["sanctions_hit"] for r in recs), np.bool_, n)


def _segments(values: np.ndarray, lengths: np.ndarray, ufunc: Any, empty: float) -> np.ndarray:
    out = np.full(len(lengths), empty)
    nonempty = lengths > 0
    if values.size:
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])[nonempty]
        out[nonempty] = ufunc.reduceat(values, starts)
    return out


def numpy_kernel(c: NumpyColumns) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(scores, tiers, (n, 5) contributions) from prebuilt columns."""
    r = _RISK_ARRAY
    f1 = r[c.inc]
    f2 = _segments(r[c.own_c] * np.minimum(1.0, c.own_s / 0.25), c.own_len, np.maximum, 0.0)
    f3 = np.minimum(100.0, _segments(c.par_s * r[c.par_c], c.par_len, np.add, 0.0))
    f4 = _segments(r[c.ops_c], c.ops_len, np.maximum, 0.0)
    f5 = np.where(c.has_hpc & (f3 >= 20), 100.0, 0.0)
    contrib = np.stack([0.30 * f1, 0.25 * f2, 0.25 * f3, 0.10 * f4, 0.10 * f5], axis=1)
    weighted = contrib[:, 0] + contrib[:, 1] + contrib[:, 2] + contrib[:, 3] + contrib[:, 4]
    score = np.where(c.pep, np.minimum(100.0, weighted + 10), weighted)
    score = np.where(c.hit | (f1 == 100), 100.0, score)
    tiers = np.searchsorted(np.array(BOUNDS), score, side="right")
    return score, tiers, contrib
