"""The column kernel: every rule kind, condition and override over all rows of a pass.

It reads the same compiled program as the row scorer (``vec()`` of each rule kind,
condition node and override action), so the two evaluators agree by construction; sums
the row scorer adds left to right are added left to right here too, and rounding
reproduces Python's ``round`` exactly (:mod:`riskscore._arith`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ._arith import is_r9, rnd, rnd_fsum
from ._vecenv import Env
from .columns import Columns, Ragged

if TYPE_CHECKING:
    from ._dateplan import DatePlan
    from .engine import Engine

__all__ = ["Out", "kernel", "row_slice"]

F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]


@dataclass
class Out:
    """Arrays of one kernel pass."""

    score: F64
    before: F64
    factors: F64
    contributions: F64
    fired: B
    overrides: B
    error: list[tuple[int, str, str]]
    rounded: bool


def _matrices(engine: Engine, n: int, dest: Any, lo: int) -> tuple[B, F64, F64, B]:
    """The fired, factor, contribution and override matrices of a pass: views into ``dest``
    rows ``lo:`` when given (column-major: one rule or factor per contiguous column)."""
    if dest is not None:
        return (
            dest.fired[lo : lo + n],
            dest.factors[lo : lo + n],
            dest.contributions[lo : lo + n],
            dest.overrides[lo : lo + n],
        )
    model = engine.model
    nrules = sum(len(f.rules) for f in model.factors)
    return (
        np.zeros((n, nrules), np.bool_, order="F"),
        np.zeros((n, len(model.factors)), order="F"),
        np.zeros((n, len(model.factors)), order="F"),
        np.zeros((n, len(model.overrides)), np.bool_, order="F"),
    )


def kernel(engine: Engine, plan: DatePlan, cols: Columns, dest: Any, lo: int) -> Out:
    """Score the rows of ``cols``; matrices go straight into ``dest`` rows ``lo:`` when given."""
    env = Env(plan, cols)
    fired_all, factor_values, contrib, ov_fired = _matrices(engine, env.n, dest, lo)
    terms: list[F64] = []
    r = 0
    for fi, (factor, kinds) in enumerate(zip(engine.model.factors, engine.kinds, strict=True)):
        evaluated = []
        rounded = True
        for kind in kinds:
            pts, fired = kind.vec(env)
            fired_all[:, r] = fired
            evaluated.append((pts, fired))
            rounded = rounded and kind.rounded(plan.risk_rounded)
            r += 1
        value, counted, rounded = _combine(factor.combine, evaluated, rounded, env.n)
        factor_terms = [factor.weight * c for c in counted]
        terms.extend(factor_terms)
        contrib[:, fi] = sum(factor_terms[1:], factor_terms[0])
        env.factors[factor.id] = factor_values[:, fi] = value if rounded else rnd(value)
    weighted = np.minimum(100.0, rnd_fsum(terms))
    env.weighted = weighted
    score = weighted
    for action in engine.actions:
        mask = action.node.vec(env)
        ov_fired[:, action.index] = mask
        if mask.any():
            score = np.where(mask, action.vec(score), score)
    rounded = all(is_r9(o.score) for o in engine.model.overrides) and all(is_r9(t.min) for t in engine.tiers)
    return Out(score, weighted, factor_values, contrib, fired_all, ov_fired, _errors(env), rounded)


def _combine(combine: str, evaluated: list[tuple[F64, B]], rounded: bool, n: int) -> tuple[F64, list[F64], bool]:
    """A factor's value per row, each rule's counted points, and whether the value is rounded."""
    if len(evaluated) == 1 and (combine == "max" or rounded):
        pts, fired = evaluated[0]
        value = pts if combine == "max" else np.minimum(pts, 100.0)
        if not fired.all():
            value = np.where(fired, value, 0.0)
        return value, [value], rounded
    counted: list[F64] = []
    value = np.zeros(n)
    if combine == "max":
        anyf = np.zeros(n, np.bool_)
        for pts, fired in evaluated:
            value = np.where(fired & (~anyf | (pts > value)), pts, value)
            anyf |= fired
        taken = np.zeros(n, np.bool_)
        for pts, fired in evaluated:
            win = fired & ~taken & (pts == value)
            taken |= win
            counted.append(np.where(win, pts, 0.0))
        return value, counted, rounded
    for pts, fired in evaluated:
        got = np.where(fired, rnd(np.minimum(pts, 100.0 - value)), 0.0)
        value = np.where(fired, rnd(value + got), value)
        counted.append(got)
    return value, counted, True


def _errors(env: Env) -> list[tuple[int, str, str]]:
    """The refused rows of a pass: each row's first refusal."""
    errors: list[tuple[int, str, str]] = []
    seen: set[int] = set()
    for mask, field, msg in env.error:
        for row in np.flatnonzero(mask).tolist():
            if row not in seen:
                seen.add(row)
                errors.append((row, field, msg))
    return errors


def _slice(rag: Ragged, lo: int, hi: int) -> Ragged:
    a, b = int(rag.offsets[lo]), int(rag.offsets[hi])
    shares = None if rag.shares is None else rag.shares[a:b]
    return Ragged(rag.values[a:b], rag.offsets[lo : hi + 1] - a, rag.missing[lo:hi], shares)


def row_slice(cols: Columns, lo: int, hi: int) -> Columns:
    """Rows ``lo:hi`` of ``cols`` (views, no copies)."""
    if lo == 0 and hi == len(cols):
        return cols
    return Columns(
        cols.ids[lo:hi],
        cols.incorporation[lo:hi],
        _slice(cols.operations, lo, hi),
        _slice(cols.owners, lo, hi),
        _slice(cols.trade_partners, lo, hi),
        _slice(cols.products, lo, hi),
        cols.pep[lo:hi],
        cols.sanctions_hit[lo:hi],
        attributes={k: v[lo:hi] for k, v in cols.attributes.items()},
    )
