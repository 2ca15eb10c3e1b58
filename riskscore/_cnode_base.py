"""The base of compiled conditions: :class:`Node`, the :class:`Matched` collector, the row context."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from ._vecenv import Env

__all__ = ["B", "Context", "Matched", "Node"]

B = npt.NDArray[np.bool_]


class Matched:
    """What made a condition true: readable facts plus the list memberships behind them."""

    __slots__ = ("facts", "items", "memberships")

    def __init__(self) -> None:
        self.facts: list[str] = []
        self.memberships: list[Any] = []
        # the counterparty items behind facts: FactItem values, "fact" indexing self.facts
        self.items: list[dict[str, Any]] = []

    def extend(self, other: Matched) -> None:
        """Take over another collector's facts, items and memberships."""
        base = len(self.facts)
        for item in other.items:
            if item["fact"] is not None:
                item["fact"] += base
        self.facts.extend(other.facts)
        self.items.extend(other.items)
        self.memberships.extend(other.memberships)


class Context(Protocol):
    """What a condition reads of one counterparty (the row scorer's per-call state)."""

    def flag(self, name: str) -> bool: ...
    def missing(self, name: str) -> bool: ...
    def count(self, name: str) -> int: ...
    def attribute(self, name: str) -> Any: ...
    def risk(self, name: str) -> float: ...
    def factor(self, name: str) -> float: ...
    def weighted_score(self) -> float: ...


class Node:
    """A compiled condition: ``row(ctx, out)`` for one counterparty, ``vec(env)`` for columns."""

    __slots__ = ()

    def row(self, ctx: Any, out: Matched) -> bool:
        """Truth for one counterparty; facts and memberships of a true node go to ``out``."""
        raise NotImplementedError

    def vec(self, env: Env) -> B:
        """Truth for every row of a column pass."""
        raise NotImplementedError

    def test(self, ctx: Any, out: Matched) -> bool:
        """The same as :meth:`row` (the name 0.1 used)."""
        return self.row(ctx, out)
