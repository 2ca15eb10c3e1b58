"""What the Dask and Spark adapters share: the checks made once on the driver.

Both adapters map :func:`riskscore._frames.score_chunk` over their engine's chunks; nothing
here scores. The as-of date is resolved here, once, so that every worker scores the same day
(``None`` is today *on the driver*, never a worker's clock).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from ._optional import need
from .errors import CounterpartyError, FieldIssue

if TYPE_CHECKING:
    from .policy import Policy

__all__ = ["LIST_FIELDS", "engine", "prepare", "refuse_text_lists", "require"]

# Counterparty fields whose values are lists; a text-typed column of one of them cannot hold them.
LIST_FIELDS = ("operations", "owners", "trade_partners", "products")


def require(module: str, extra: str) -> None:
    """Raise ``ImportError`` naming the extra if ``module`` is not installed, without importing it
    (the adapter modules call this when imported; the engine itself is imported on first use)."""
    if importlib.util.find_spec(module) is None:
        need(module, extra)  # raises the ImportError that names the extra


def engine(module: str, extra: str) -> Any:
    """Import an engine's module or raise ``ImportError`` naming riskscore's extra that installs it."""
    return need(module, extra)


def prepare(policy: Policy, as_of: date | str | None) -> date:
    """Check ``policy`` is a :class:`~riskscore.Policy` and resolve ``as_of`` on the driver."""
    from .policy import Policy, parse_as_of

    if not isinstance(policy, Policy):
        raise TypeError(f"policy must be a riskscore.Policy (riskscore.load_policy()), not {type(policy).__name__}")
    return parse_as_of(as_of)


def refuse_text_lists(text_columns: Iterable[str], how_to_fix: str) -> None:
    """Raise :class:`~riskscore.CounterpartyError` (code ``invalid``) if a list field is typed as text.

    Such a column reaches the workers as the lists' printed form (Dask's default
    ``dataframe.convert-string`` does this to pandas object columns): every row would be refused,
    so the frame is refused up front, naming the columns and the fix.
    """
    bad = [c for c in text_columns if c in LIST_FIELDS]
    if bad:
        raise CounterpartyError(
            [
                FieldIssue(
                    column,
                    f"column {column!r} is typed as text, so it cannot hold lists: {how_to_fix}",
                    None,
                    "invalid",
                )
                for column in bad
            ]
        )
