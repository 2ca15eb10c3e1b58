"""Arithmetic that lives once: rounding to the fixed precision, exact sums, tier numbers.

Both evaluators use these: the row scorer the scalar :func:`r9`, the column kernel the
array forms, which reproduce Python's ``round(x, 9)`` and ``round(math.fsum(...), 9)`` bit
for bit (see docs/scoring.md).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = ["PRECISION", "is_r9", "r9", "rnd", "rnd_fsum", "tier_numbers"]

F64 = npt.NDArray[np.float64]
I8 = npt.NDArray[np.int8]

PRECISION = 9
"""Decimal places every aggregate and comparison is rounded to (see docs/scoring.md)."""


def r9(x: float) -> float:
    """``round(x, 9)``, with -0.0 turned into 0.0 (a whole float is its own rounding: fast)."""
    if type(x) is float and x.is_integer():
        return x + 0.0
    return round(x, PRECISION) + 0.0


def is_r9(v: float | None) -> bool:
    """True when ``round(v, 9)`` leaves ``v`` unchanged (no need to round again)."""
    return v is None or round(v, PRECISION) + 0.0 == v


# ---------------------------------------------------------------- exact arithmetic
_SPLIT = 134217729.0  # 2**27 + 1: Dekker's splitting constant


def rnd(x: F64) -> F64:
    """``round(x, 9) + 0.0`` element-wise, bit for bit as Python's ``round``.

    ``rint(x * 1e9) / 1e9`` is right wherever ``x * 1e9`` is not within its rounding error
    of a half; for the few values that are, :func:`_rnd_exact` decides.
    """
    p = x * 1e9
    n = np.rint(p)
    near = np.abs(p - np.floor(p) - 0.5) < 1e-4
    if near.any():
        idx = np.flatnonzero(near)
        n[idx] = _rnd_exact(x[idx])
    out: F64 = n / 1e9 + 0.0
    big = np.abs(x) >= 1e6
    if big.any():
        idx = np.flatnonzero(big)
        out[idx] = [round(v, PRECISION) + 0.0 for v in x[idx].tolist()]
    return out


def _rnd_exact(x: F64) -> F64:
    """``round(x, 9) * 1e9`` as Python would round it: the integer ``n`` of the result.

    Python rounds the exact decimal value of ``x`` (half to even), so ``rint(x * 1e9)``,
    which rounds the already-rounded product, can differ near halves. Here the product's
    rounding error is recovered exactly (Dekker: 1e9 has 21 significant bits, so both
    partial products are exact) and decides the direction; ``n / 1e9`` is then the double
    nearest to the decimal result, as Python returns.
    """
    p = x * 1e9
    c = _SPLIT * x
    hi = c - (c - x)
    err = (hi * 1e9 - p) + (x - hi) * 1e9  # x * 1e9 == p + err exactly
    f = np.floor(p)
    d = (p - f - 0.5) + err  # sign of (exact product - f - 1/2)
    n: F64 = f + (d > 0)
    tie = d == 0
    if tie.any():  # an exact decimal half (x = k / 2**m): half to even, as Python
        n[tie] += f[tie] % 2.0
    return n


def _two_sum(a: F64, b: F64) -> tuple[F64, F64]:
    """``(a + b, e)`` with ``a + b == s + e`` exactly (Knuth's TwoSum; finite inputs)."""
    s = a + b
    bp = s - a
    e = (a - (s - bp)) + (b - bp)
    return s, e


def rnd_fsum(terms: list[F64]) -> F64:
    """``round(math.fsum(row), 9) + 0.0`` per row of the columns ``terms``, bit for bit.

    The terms are summed left to right with each addition's rounding error kept (TwoSum, error
    free), and the errors are summed the same way. Where that second sum is exact, the exact
    total is ``s + E`` and its IEEE (half-to-even) rounding, ``s + E``, is the correctly rounded
    sum that ``fsum`` returns. Rows where the errors' own sum rounded, or a value is not finite,
    are summed with ``math.fsum`` itself.
    """
    s = terms[0]
    errors: list[F64] = []
    for x in terms[1:]:
        s, e = _two_sum(s, x)
        errors.append(e)
    if not errors:
        return rnd(s)
    total = errors[0]
    inexact = np.zeros(len(s), np.bool_)
    for e in errors[1:]:
        total, f = _two_sum(total, e)
        inexact |= f != 0
    out = s + total
    inexact |= ~np.isfinite(out)
    if inexact.any():
        idx = np.flatnonzero(inexact)
        out[idx] = [math.fsum(row) for row in zip(*(t[idx].tolist() for t in terms), strict=True)]
    return rnd(out)


def tier_numbers(mins: F64, scores: F64) -> I8:
    """Tier number of each (rounded) score: the highest tier whose minimum is <= the score."""
    out = np.zeros(len(scores), np.int8)
    for m in mins[1:].tolist():
        out += scores >= m
    return out
