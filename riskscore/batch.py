"""Bulk scoring: one compiled policy, numpy arrays in, numpy arrays out, explanations on demand.

:meth:`riskscore.Policy.score_many` scores many counterparties with the same numbers as
:meth:`~riskscore.Policy.score` (scores to 1e-9, the same tiers and fired rules): the
policy is compiled once per as-of date into arrays indexed by country number (country
risk, list membership per ``country_in`` condition) and by product number (``product_in``
conditions); the counterparties become :class:`~riskscore.columns.Columns`; each rule and
condition is then a handful of numpy operations over all rows, with ``reduceat``-style
aggregations over the ragged owners, partners, operations and products. Sums that the
engine adds left to right are added left to right here too, and rounding to 9 decimals
reproduces Python's ``round`` exactly.

Every rule kind and condition is vectorised. Conditions on custom attributes of a policy
that declares them (``attributes:``) read object columns and are decided once per distinct
value with the row engine's own predicates; a policy that reads attributes without
declaring them is scored by the per-row engine, and the result says so
(``mode == "per-row"``, ``fallback_reason``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from . import conditions as cond
from ._arith import rnd, rnd_fsum
from ._batch_result import BatchResult
from ._dateplan import DatePlan, date_plan
from ._vector import kernel, row_slice
from .attributes import column_issues
from .columns import Columns, build_columns
from .counterparty import Counterparty
from .errors import CounterpartyError, FieldIssue

if TYPE_CHECKING:
    from .engine import Engine

__all__ = ["KERNEL_ROWS", "BatchError", "BatchResult", "DatePlan", "fallback_reason", "rnd", "rnd_fsum", "score_many"]

I64 = npt.NDArray[np.int64]

KERNEL_ROWS = 16000  # rows per pass: bounds temporary memory; float64 arrays stay under 128 KiB (no mmap)


class BatchError(CounterpartyError):
    """Some counterparties of a batch are invalid; ``errors`` holds one error per bad row.

    Each error's ``index`` is the row's position in the input and its ``issues`` carry the
    field paths, as for :meth:`riskscore.Policy.score`.
    """

    def __init__(self, errors: list[CounterpartyError]) -> None:
        self.errors = sorted(errors, key=lambda e: e.index or 0)
        issues = [
            FieldIssue(f"[{e.index}]" + (f".{i.path}" if i.path else ""), i.message, i.value, i.code)
            for e in self.errors
            for i in e.issues
        ]
        super().__init__(issues)
        self.args = (f"{len(self.errors)} invalid counterparties: " + "; ".join(str(i) for i in issues[:20]),)


_UNSUPPORTED = "the policy reads custom attributes without declaring them (attributes:), so they are untyped"


def fallback_reason(engine: Engine) -> str | None:
    """Why this policy cannot be vectorised (None: it can)."""
    whens = [when for _, _, when in engine.model.conditions()]
    if engine.model.attributes is None and any(cond.attribute_reads(when) for when in whens):
        return _UNSUPPORTED
    return None


def score_many(
    engine: Engine,
    counterparties: Iterable[Counterparty | Mapping[str, Any]] | Columns,
    as_of: date,
    errors: Literal["raise", "collect"] = "raise",
) -> BatchResult:
    """Score many counterparties; see :meth:`riskscore.Policy.score_many`."""
    if errors not in ("raise", "collect"):
        raise ValueError(f"errors must be 'raise' or 'collect', got {errors!r}")
    if not isinstance(counterparties, (list, Columns)):
        from ._intake import frame_kind, refuse_unsupported, score_frame

        kind = frame_kind(counterparties)
        if kind is not None:
            return score_frame(engine, counterparties, kind, as_of, errors)
        refuse_unsupported(counterparties)
    reason = engine.batch_fallback if hasattr(engine, "batch_fallback") else fallback_reason(engine)
    engine.batch_fallback = reason
    if isinstance(counterparties, Columns):
        source: Sequence[Any] | Columns = counterparties
        bad: list[CounterpartyError] = []
        cols, rows = counterparties, None
        for row, field, msg in cols.problems():
            if not bad or bad[-1].index != row:
                bad.append(CounterpartyError([FieldIssue(field, msg)], index=row))
        n = len(cols)
    else:
        records = counterparties if isinstance(counterparties, list) else list(counterparties)
        source, n = records, len(records)
        if reason is not None:
            return _per_row(engine, records, as_of, errors, reason)
        specs = engine.model.attributes
        cols, bad, rows = build_columns(records, None if specs is None else list(specs))
        if not bad:
            rows = None
    if reason is not None:
        assert isinstance(source, Columns)
        return _per_row(engine, [source.counterparty(i) for i in range(n)], as_of, errors, reason)
    return score_columns(engine, cols, bad, rows, source, as_of, errors)


def score_columns(
    engine: Engine,
    cols: Columns,
    bad: list[CounterpartyError],
    rows: I64 | None,
    source: Sequence[Any] | Columns,
    as_of: date,
    errors: Literal["raise", "collect"],
) -> BatchResult:
    """Score checked columns (``rows``: each column row's input index, None: the same) of a
    vectorisable policy; ``bad`` are the refused input rows, ``source[i]`` is input row ``i``."""
    n = len(source)
    batch = BatchResult(engine, as_of, n, source, rows, "vectorised", None)
    batch._cols = cols
    if rows is not None:
        batch._col_of = {i: k for k, i in enumerate(rows.tolist())}
    if rows is None:
        batch.ids = list(cols.ids)
    else:
        for k, i in enumerate(rows.tolist()):
            batch.ids[i] = cols.ids[k]
    refused = _attribute_errors(engine, cols, rows, {e.index for e in bad})
    plan = date_plan(engine, as_of)
    tier_mins = np.array([t.min for t in engine.tiers])
    for lo in range(0, len(cols), KERNEL_ROWS):
        hi = min(lo + KERNEL_ROWS, len(cols))
        out = kernel(engine, plan, row_slice(cols, lo, hi), batch if rows is None else None, lo)
        at: Any = slice(lo, hi) if rows is None else rows[lo:hi]
        batch._fill(at, out, tier_mins, matrices=rows is not None)
        for row, field, msg in out.error:
            index = lo + row if rows is None else int(rows[lo + row])
            if index not in refused:  # the engine checks attributes first
                batch._fail(CounterpartyError([FieldIssue(field, msg)], index=index))
    for e in [*refused.values(), *bad]:  # after the kernel passes: rows of bad columns were computed, then dropped here
        batch._fail(e)
    batch._finish()
    if errors == "raise" and batch.errors:
        raise BatchError(batch.errors)
    batch.errors.sort(key=lambda e: e.index or 0)
    return batch


def _attribute_errors(
    engine: Engine, cols: Columns, rows: I64 | None, skip: set[int | None]
) -> dict[int, CounterpartyError]:
    """Rows whose attributes break the policy's declarations, by input index (as the engine refuses them)."""
    specs = engine.model.attributes
    if specs is None:
        return {}
    out: dict[int, CounterpartyError] = {}
    for row, issues in sorted(column_issues(specs, cols.attributes, len(cols)).items()):
        index = row if rows is None else int(rows[row])
        if index not in skip:
            out[index] = CounterpartyError(issues, index=index)
    return out


def _per_row(engine: Engine, records: Sequence[Any], as_of: date, errors: str, reason: str) -> BatchResult:
    from .counterparty import parse_counterparty

    batch = BatchResult(engine, as_of, len(records), records, None, "per-row", reason)
    for i, rec in enumerate(records):
        try:
            batch._fill_result(i, engine.score(parse_counterparty(rec, i), as_of))
        except CounterpartyError as exc:
            exc.index = i
            batch._fail(exc)
    batch._finish()
    if errors == "raise" and batch.errors:
        raise BatchError(batch.errors)
    return batch
