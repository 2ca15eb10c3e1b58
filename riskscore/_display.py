"""The one rounding rule for numbers riskscore shows to people (explanations, facts, reasons).

A number is shown with at most two decimals, rounded as Python's ``f"{x:.2f}"`` does (to the
nearest, ties to even on the stored binary value), trailing zeros and a trailing point dropped:
``33.375 -> 33.38``, ``0.125 -> 0.12``, ``4.0 -> 4``, ``-0.0 -> 0``. A share (a fraction of 1)
is shown as a percentage by the same rule: ``0.6 -> 60 %``, ``1/3 -> 33.33 %``. Stored values
(``Result`` fields, JSON) are never rounded by it.
"""

from __future__ import annotations

__all__ = ["num", "pct"]


def num(x: float) -> str:
    """``x`` with at most two decimals, trailing zeros dropped (see the module docstring)."""
    if x % 1 == 0:  # the common case: whole points (nan and inf fall through)
        return str(int(x))
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def pct(share: float) -> str:
    """A share of 1 as a percentage: ``0.35 -> '35 %'``."""
    return f"{num(share * 100)} %"
