"""How the condition language compares values, once for both evaluators.

A missing value makes every comparison false; numbers compare rounded to
:data:`~riskscore._arith.PRECISION` places; a boolean is never a number; ``in`` and
``prefix`` match typed values with one hash lookup (per prefix length).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from ._arith import PRECISION

__all__ = ["OPERATORS", "SYMBOL", "PrefixMatcher", "SetMatcher", "compare", "is_number"]

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "gte": operator.ge,
    "gt": operator.gt,
    "lte": operator.le,
    "lt": operator.lt,
    "eq": operator.eq,
    "ne": operator.ne,
}
SYMBOL = {"gte": ">=", "gt": ">", "lte": "<=", "lt": "<", "eq": "==", "ne": "!="}


def is_number(v: Any) -> bool:
    """An int or float that is not a bool."""
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _rounded(v: float) -> float:
    """``round(v, PRECISION)`` of a number (whole numbers are their own rounding: skipped)."""
    return v if type(v) is float and v.is_integer() else round(v, PRECISION)


def compare(name: str, a: Any, b: Any) -> bool:
    """The comparison ``name`` of two operand values, as both evaluators decide it.

    A missing value (``None``) makes every comparison false; numbers compare rounded to
    :data:`PRECISION` places; a number and a non-number are only ``ne``.
    """
    if a is None or b is None:
        return False
    num_a, num_b = is_number(a), is_number(b)
    if num_a and num_b:
        a, b = _rounded(a), _rounded(b)
    elif num_a != num_b or (type(a) is not type(b) and name not in ("eq", "ne")):
        return name == "ne"
    try:
        return bool(OPERATORS[name](a, b))
    except TypeError:
        return False


def _set_key(value: Any) -> tuple[str, Any]:
    if isinstance(value, bool):
        return ("b", value)
    if is_number(value):
        return ("n", round(value, PRECISION))
    return ("s", value)


class SetMatcher:  # a class, not a closure, so compiled policies pickle
    """``value in values`` as ``in`` decides it: typed (``True`` is not ``1``), numbers rounded."""

    __slots__ = ("keys",)

    def __init__(self, values: tuple[Any, ...]) -> None:
        self.keys = frozenset(_set_key(v) for v in values)

    def __call__(self, value: Any) -> bool:
        return value is not None and isinstance(value, (str, int, float)) and _set_key(value) in self.keys


class PrefixMatcher:  # a class, not a closure, so compiled policies pickle
    """The prefix a string starts with (the shortest), else None; one set lookup per prefix length."""

    __slots__ = ("lengths", "wanted")

    def __init__(self, prefixes: tuple[str, ...]) -> None:
        self.lengths = sorted({len(p) for p in prefixes})
        self.wanted = frozenset(prefixes)

    def __call__(self, value: Any) -> str | None:
        if not isinstance(value, str):
            return None
        for n in self.lengths:
            if n > len(value):
                return None
            if value[:n] in self.wanted:
                return value[:n]
        return None
