"""Shares as intervals, and the percentage strings real exports carry.

A share is ``(lo, hi)`` in 0..1: exact ``(s, s)``; a band such as the UK PSC "more than 25 %
but not more than 50 %" ``(0.25, 0.5)``; unknown ``(0, 1)`` with ``known`` false. Nothing is
guessed: a string that is not one of the documented forms is refused.
"""

from __future__ import annotations

import math
import re
from typing import NamedTuple

__all__ = ["Share", "parse_percentage", "share_from_bounds"]

_NUMBER = r"([0-9]+(?:\.[0-9]+)?)"
_PLAIN = re.compile(rf"\s*{_NUMBER}\s*%?\s*")
_RANGE = re.compile(rf"\s*{_NUMBER}\s*%?\s*(?:-|–|to)\s*{_NUMBER}\s*%?\s*")
_WORDS = re.compile(rf"\s*more than {_NUMBER}\s*%?(?: but (?:not more than|less than|up to) {_NUMBER}\s*%?)?\s*", re.I)
_PSC = re.compile(r"(?:ownership-of-shares|voting-rights)-([0-9]+)-to-([0-9]+)-percent")
_UNKNOWN = frozenset({"", "unknown", "n/a", "na", "?", "undisclosed"})


class Share(NamedTuple):
    """A share as an interval of fractions; ``known`` is false for a share nobody stated."""

    lo: float
    hi: float
    known: bool = True

    @property
    def exact(self) -> bool:
        """True when the share is one number."""
        return self.known and self.lo == self.hi

    def text(self) -> str:
        """The share as people read it: ``60 %``, ``25-50 %``, ``unknown share``."""
        if not self.known:
            return "unknown share"
        if self.exact:
            return f"{_pct(self.lo)} %"
        return f"{_pct(self.lo)}-{_pct(self.hi)} %"


UNKNOWN = Share(0.0, 1.0, False)


def _pct(x: float) -> str:
    text = f"{x * 100:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def share_from_bounds(exact: float | None, minimum: float | None, maximum: float | None) -> Share:
    """A share from percentages (0..100) given exactly or as bounds; ``ValueError`` when impossible."""
    if exact is not None:
        return _checked(exact, exact)
    if minimum is None and maximum is None:
        return UNKNOWN
    return _checked(0.0 if minimum is None else minimum, 100.0 if maximum is None else maximum)


def _checked(lo: float, hi: float) -> Share:
    if not (math.isfinite(lo) and math.isfinite(hi)) or not 0.0 <= lo <= hi <= 100.0:
        raise ValueError(f"a share must be 0..100 % with minimum <= maximum, got {lo}..{hi}")
    return Share(lo / 100.0, hi / 100.0)


def parse_percentage(text: object) -> Share:
    """Read a percentage as exports write it: ``"51"``, ``"60%"``, ``"25-50"``, ``"more than 25%
    but not more than 50%"``, a PSC token ``ownership-of-shares-25-to-50-percent``, a number, or
    an empty/unknown marker (an unknown share). Anything else raises ``ValueError``."""
    if text is None:
        return UNKNOWN
    if isinstance(text, bool):
        raise ValueError(f"{text!r} is not a percentage")
    if isinstance(text, (int, float)):
        return _checked(float(text), float(text))
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not a percentage")
    if text.strip().lower() in _UNKNOWN:
        return UNKNOWN
    if m := _PLAIN.fullmatch(text):
        return _checked(float(m[1]), float(m[1]))
    if m := _RANGE.fullmatch(text):
        return _checked(float(m[1]), float(m[2]))
    if m := _WORDS.fullmatch(text):
        return _checked(float(m[1]), float(m[2]) if m[2] else 100.0)
    if m := _PSC.search(text):
        return _checked(float(m[1]), float(m[2]))
    raise ValueError(f"{text!r} is not a percentage riskscore can read (write 51, 60%, 25-50 or leave it empty)")
