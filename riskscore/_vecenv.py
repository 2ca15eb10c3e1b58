"""One column pass of the kernel: the columns, the date's arrays, factor values so far.

:class:`Env` is to the column kernel what the row context is to the row scorer: rule kinds
and condition nodes read counterparties through it (``vec()``); :class:`RaggedRows` holds the
per-pass derived arrays of one ragged field and the per-row reductions over its items.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .columns import Columns, Ragged

if TYPE_CHECKING:
    from ._dateplan import DatePlan

__all__ = ["Env", "RaggedRows", "is_none"]

F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]
I64 = npt.NDArray[np.int64]


def is_none(values: npt.NDArray[Any]) -> B:
    """Which entries of an object array are None (compared in C, not in a Python loop)."""
    out: B = np.asarray(values == None, dtype=np.bool_)  # noqa: E711  (elementwise on an object array)
    return out


class RaggedRows:
    """Per-chunk derived arrays of one ragged field (lengths, non-empty rows, row of each item)."""

    def __init__(self, rag: Ragged, n: int) -> None:
        self.rag = rag
        self.n = n
        self.lengths = rag.lengths
        self.nonempty = self.lengths > 0
        self._items: I64 | None = None

    @property
    def items(self) -> I64:
        if self._items is None:
            self._items = self.rag.rows()
        return self._items

    def max(self, values: F64, default: float) -> F64:
        """Maximum per row (``default`` for empty rows) of non-negative item values."""
        out = np.zeros(self.n)
        if len(values):
            if values.min() < 0:  # not for risk points; kept general
                out[self.nonempty] = np.maximum.reduceat(values, self.rag.offsets[:-1][self.nonempty])
            else:
                np.maximum.at(out, self.items, values)
        if default != 0 and not self.nonempty.all():
            out[~self.nonempty] = default
        return out

    def any(self, mask: B) -> B:
        out = np.zeros(self.n, np.bool_)
        out[self.items[mask]] = True
        return out

    def ordered_sum(self, values: F64) -> F64:
        """Left-to-right sum per row from 0.0, exactly as ``total += x`` adds.

        ``np.add.at`` applies the additions one by one in item order (``reduceat`` would
        add in another order and differ in the last bits).
        """
        out = np.zeros(self.n)
        if len(values):
            np.add.at(out, self.items, values)
        return out


class Env:
    """One kernel pass over ``n`` rows: the columns, the date's arrays and factor values so far."""

    def __init__(self, plan: DatePlan, cols: Columns) -> None:
        self.plan = plan
        self.cols = cols
        self.n = n = len(cols)
        self.countries = country_numbers(cols)
        self.risk = plan.country_risk(self.countries)
        self.inc_missing = cols.incorporation < 0
        self.inc_risk = np.where(self.inc_missing, 0.0, self.risk[cols.incorporation])
        self.rows = {
            name: RaggedRows(getattr(cols, name), n) for name in ("operations", "owners", "trade_partners", "products")
        }
        self._item_risk: dict[str, F64] = {}
        self.factors: dict[str, F64] = {}
        self.weighted = np.zeros(n)
        self.error: list[tuple[B, str, str]] = []

    def item_risk(self, name: str) -> F64:
        """Risk points of every item of a ragged country field."""
        got = self._item_risk.get(name)
        if got is None:
            got = self._item_risk[name] = self.risk[getattr(self.cols, name).values]
        return got

    def missing(self, name: str) -> B:
        """Rows where the field was not given."""
        if name == "incorporation":
            return self.inc_missing
        missing: B = getattr(self.cols, name).missing
        return missing

    def attribute(self, name: str) -> list[Any]:
        """The values of attribute ``name`` per row (``None``: not given)."""
        values = self.cols.attributes.get(name)
        return [None] * self.n if values is None else values.tolist()

    def attribute_missing(self, name: str) -> B:
        """Rows that do not give attribute ``name``."""
        values = self.cols.attributes.get(name)
        if values is None:
            return np.ones(self.n, np.bool_)
        return is_none(values)

    def per_value(self, name: str, predicate: Any) -> B:
        """``predicate(value)`` per row, decided once per distinct value of the attribute."""
        values = self.cols.attributes.get(name)
        out: B = np.full(self.n, bool(predicate(None)), np.bool_)  # rows that do not give it
        if values is None:
            return out
        given = np.flatnonzero(~is_none(values))
        if given.size:
            index: dict[tuple[type, Any], int] = {}
            keys = (index.setdefault((type(v), v), len(index)) for v in values[given].tolist())
            codes = np.fromiter(keys, np.int64, given.size)
            out[given] = np.array([bool(predicate(v)) for _, v in index], np.bool_)[codes]
        return out

    def refuse(self, mask: B, field: str, message: str) -> None:
        """Rows of ``mask`` are refused with ``message`` at ``field`` (a row's first refusal is kept)."""
        if mask.any():
            self.error.append((mask, field, message))


def country_numbers(
    cols: Columns, fields: Sequence[str] = ("incorporation", "operations", "owners", "trade_partners")
) -> I64:
    """The country numbers ``cols`` gives in ``fields`` (repeats kept: callers need no order)."""
    parts = [_field_numbers(cols, name)[0] for name in fields]
    return np.concatenate(parts).astype(np.int64, copy=False) if parts else np.zeros(0, np.int64)


def country_items(cols: Columns, fields: Sequence[str]) -> list[tuple[I64, I64]]:
    """Per field of ``fields``: the country numbers ``cols`` gives in it and the row of each
    (a missing incorporation gives none)."""
    out: list[tuple[I64, I64]] = []
    for name in fields:
        numbers, rag = _field_numbers(cols, name)
        rows = np.flatnonzero(cols.incorporation >= 0) if rag is None else rag.rows()
        out.append((numbers.astype(np.int64), rows))
    return out


def _field_numbers(cols: Columns, name: str) -> tuple[npt.NDArray[np.int32], Ragged | None]:
    """The country numbers of one field (a missing incorporation gives none) and its Ragged."""
    if name == "incorporation":
        return cols.incorporation[cols.incorporation >= 0], None
    rag: Ragged = getattr(cols, name)
    return rag.values, rag
