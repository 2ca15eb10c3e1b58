"""Bound work, not seconds: count the Python and C calls a piece of code makes.

Unit tests must not assert wall-clock time (they flake on a loaded 2-core machine). Where a
test guards against a blow-up (an alias bomb, a maximal counterparty), it counts function
calls with :func:`sys.setprofile` instead: deterministic for a given install, and a
quadratic or exponential regression overshoots any sane bound by orders of magnitude.
Timing lives in ``benchmarks/`` and in ``python fuzz/hostile.py``'s table.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType
from typing import Any


def count_calls(run: Callable[[], object]) -> tuple[BaseException | None, int]:
    """Run ``run()``; return the exception it raised (or None) and the calls it made."""
    count = 0

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        run()
    except Exception as exc:
        return exc, count
    finally:
        sys.setprofile(previous)
    return None, count
