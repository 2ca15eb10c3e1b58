"""Override actions: one class per action, the row and the column form side by side.

Overrides apply in a fixed order, ``add`` then ``cap`` then ``floor`` then ``prohibit``
(:data:`ORDER`), each to the score the previous one left.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from ._arith import r9, rnd
from ._cnodes import compile_condition
from ._text import citation, source_ref

__all__ = ["ORDER", "Action", "compile_override"]

F64 = npt.NDArray[np.float64]

ORDER = {"add": 0, "cap": 1, "floor": 2, "prohibit": 3}
"""The order overrides apply in, by action."""


class Action:
    """A compiled override: its condition node, citations and what it does to a score."""

    __slots__ = ("citations", "index", "node", "override", "prohibits")

    def __init__(self, override: Any, index: int) -> None:
        self.override = override
        self.index = index
        self.node = compile_condition(override.when)
        self.citations = [source_ref(citation(c.title, c.url)) for c in override.sources]
        self.prohibits = False

    def row(self, score: float) -> float:
        """The new score of one counterparty."""
        raise NotImplementedError

    def vec(self, score: F64) -> F64:
        """The new scores of a column pass (every row; the kernel keeps them where it fired)."""
        raise NotImplementedError


class _Prohibit(Action):
    __slots__ = ()

    def __init__(self, override: Any, index: int) -> None:
        super().__init__(override, index)
        self.prohibits = True

    def row(self, score: float) -> float:
        return 100.0

    def vec(self, score: F64) -> F64:
        return np.full(len(score), 100.0)


class _Add(Action):
    __slots__ = ("points",)

    def __init__(self, override: Any, index: int) -> None:
        super().__init__(override, index)
        assert override.points is not None
        self.points: float = override.points

    def row(self, score: float) -> float:
        return min(100.0, max(0.0, r9(score + self.points)))

    def vec(self, score: F64) -> F64:
        return np.minimum(100.0, np.maximum(0.0, rnd(score + self.points)))


class _Cap(Action):
    __slots__ = ("bound",)

    def __init__(self, override: Any, index: int) -> None:
        super().__init__(override, index)
        assert override.score is not None
        self.bound: float = override.score

    def row(self, score: float) -> float:
        return min(score, self.bound)

    def vec(self, score: F64) -> F64:
        return np.minimum(score, self.bound)


class _Floor(Action):
    __slots__ = ("bound",)

    def __init__(self, override: Any, index: int, tier_min: dict[str, float]) -> None:
        super().__init__(override, index)
        bound = tier_min[override.tier] if override.tier is not None else override.score
        assert bound is not None
        self.bound: float = bound

    def row(self, score: float) -> float:
        return max(score, self.bound)

    def vec(self, score: F64) -> F64:
        return np.maximum(score, self.bound)


def compile_override(override: Any, index: int, tier_min: dict[str, float]) -> Action:
    """The compiled override ``index`` of a policy (``tier_min``: each tier's minimum score)."""
    if override.action == "floor":
        return _Floor(override, index, tier_min)
    cls: type[Action] = {"prohibit": _Prohibit, "add": _Add, "cap": _Cap}[override.action]
    return cls(override, index)
