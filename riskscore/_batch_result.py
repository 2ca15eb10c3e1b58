"""Bulk results: :class:`BatchResult`, scores of many counterparties as arrays.

Row ``i`` becomes the :class:`~riskscore.Result` :meth:`~riskscore.Policy.score` would give
only when read (``batch[i]``); warnings per row and per batch come from the columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from ._arith import rnd, tier_numbers
from ._dateplan import date_plan, row_codes
from ._vecenv import country_items
from .columns import COUNTRIES, Columns
from .errors import CounterpartyError
from .result import Result, ResultWarning, unknown_status

if TYPE_CHECKING:
    from ._vector import Out
    from .engine import Engine

__all__ = ["BatchResult"]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


class BatchResult:
    """Scores of many counterparties as arrays; ``batch[i]`` is the :class:`~riskscore.Result`.

    Arrays have one row per input counterparty, in input order. Rows of invalid
    counterparties (``errors="collect"``) have ``ok`` false, a NaN score and tier -1.

    Attributes:
        scores: final scores (``float64``).
        tiers: tier numbers (``int8``), indexes into ``tier_ids``.
        scores_before_overrides, tiers_before_overrides: the weighted score and its tier.
        factors: ``(n, len(factor_ids))`` factor values, 0..100.
        contributions: ``(n, len(factor_ids))`` weighted points each factor added.
        fired: ``(n, len(rule_ids))`` which rules fired (have a contribution).
        overrides: ``(n, len(override_ids))`` which overrides applied.
        ids: the counterparty ids (``None`` for invalid rows).
        errors: one :class:`~riskscore.CounterpartyError` per invalid row (``index`` set).
        mode: ``"vectorised"`` or ``"per-row"`` (then ``fallback_reason`` says why).
        as_of, fingerprint: the date scored and the policy's fingerprint, as on every row.
        warnings: the :class:`~riskscore.ResultWarning` list of the whole batch: the date's
            ``stale-list`` and ``no-history`` warnings (on every row too), then one
            ``unknown-status`` per list naming every country (sorted) of the valid rows that has
            no recorded status on it; :meth:`row_warnings` gives each row's own.
    """

    def __init__(
        self,
        engine: Engine,
        as_of: date,
        n: int,
        source: Sequence[Any] | Columns,
        rows: I64 | None,
        mode: Literal["vectorised", "per-row"],
        fallback_reason: str | None,
    ) -> None:
        model = engine.model
        self._engine = engine
        self._source = source
        self._rows = rows
        self.as_of = as_of
        self.fingerprint = engine.fingerprint
        self.warnings: list[ResultWarning] = []
        self._cols: Columns | None = None  # the columns scored (vectorised mode)
        self._col_of: dict[int, int] | None = None  # input row -> column row, when they differ
        self._unknown: dict[str, set[str]] = {}  # per-row mode: list id -> unknown countries seen
        self._annotate: Any = None  # with a network: adds each row's network proofs (Policy.score_many)
        self.mode = mode
        self.fallback_reason = fallback_reason
        self.tier_ids = [t.id for t in engine.tiers]
        self.factor_ids = [f.id for f in model.factors]
        self.rule_ids = [r.id for f in model.factors for r in f.rules]
        self.override_ids = [o.id for o in model.overrides]
        nf = len(self.factor_ids)
        # the float outputs share one block (column-major: each a contiguous column or
        # columns): fewer first touches of fresh pages, and a batch of 100,000 rows is over
        # numpy's 4 MiB threshold for huge pages, which halves what touching them costs
        block = np.zeros((n, 2 + 2 * nf), order="F")
        block[:, :2] = np.nan
        self.scores = block[:, 0]
        self.scores_before_overrides = block[:, 1]
        self.factors = block[:, 2 : 2 + nf]
        self.contributions = block[:, 2 + nf :]
        self.tiers = np.full(n, -1, np.int8)
        self.tiers_before_overrides = np.full(n, -1, np.int8)
        self.fired = np.zeros((n, len(self.rule_ids)), np.bool_, order="F")
        self.overrides = np.zeros((n, len(self.override_ids)), np.bool_, order="F")
        self.ok = np.zeros(n, np.bool_)
        self.ids: list[str | None] = [None] * n
        self.errors: list[CounterpartyError] = []
        self._error_of: dict[int, CounterpartyError] = {}
        self.input_ids: list[Any] | None = None  # the ids as given (frames: refused rows keep theirs)
        self.index: Any = None  # the input DataFrame's index, kept by to_pandas

    def __len__(self) -> int:
        return len(self.scores)

    def __repr__(self) -> str:
        return f"<riskscore.BatchResult {len(self)} rows, {len(self.errors)} errors, {self.mode}, as of {self.as_of}>"

    @property
    def tier_labels(self) -> list[str | None]:
        """Tier ids per row (``None`` for invalid rows)."""
        ids = self.tier_ids
        return [ids[t] if t >= 0 else None for t in self.tiers.tolist()]

    def _valid_row(self, i: int) -> int:
        """``i`` as a row number (negative from the end); raises the row's error for an invalid row."""
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        if i in self._error_of:
            raise self._error_of[i]
        return i

    def __getitem__(self, i: int) -> Result:
        """Row ``i`` as the :class:`~riskscore.Result` :meth:`~riskscore.Policy.score` gives."""
        i = self._valid_row(i)
        if isinstance(self._source, Columns):
            cp = self._source.counterparty(i)
        else:
            from .counterparty import parse_counterparty

            cp = parse_counterparty(self._source[i], i)
        result = self._engine.score(cp, self.as_of)
        return result if self._annotate is None else self._annotate(result)

    def row_warnings(self, i: int) -> list[ResultWarning]:
        """Row ``i``'s warnings, as :meth:`~riskscore.Policy.score` gives them (``batch[i].warnings``).

        Computed from the columns (no re-scoring); raises the row's error for an invalid row.
        """
        from .engine import unknown_warnings

        i = self._valid_row(i)
        if self._cols is None:
            return self[i].warnings
        snap = self._engine.snapshot(self.as_of)
        if not snap.unknown_lists:
            return list(snap.warnings)
        k = i if self._col_of is None else self._col_of[i]
        return snap.warnings + unknown_warnings(snap, row_codes(self._cols, k, self._engine.risk_fields))

    def _finish(self) -> None:
        """Set the batch-level warnings once every row is filled."""
        snap = self._engine.snapshot(self.as_of)
        unknown = self._unknown if self._cols is None else self._unknown_countries(snap.unknown_lists)
        lists = {lst.id: lst for lst in snap.unknown_lists}
        self.warnings = snap.warnings + [
            unknown_status(lid, lists[lid].history_from, self.as_of, sorted(unknown[lid]))
            for lid in lists
            if unknown.get(lid)
        ]

    def _unknown_countries(self, unknown_lists: Sequence[Any]) -> dict[str, set[str]]:
        """Per list: the countries of valid rows (in fields whose risk the policy reads) it has no status for."""
        if not unknown_lists:
            return {}
        cols = self._cols
        assert cols is not None
        valid = self.ok if self._rows is None else self.ok[self._rows]
        numbers = [n[valid[rows]] for n, rows in country_items(cols, self._engine.risk_fields)]
        touched = np.unique(np.concatenate(numbers)) if numbers else np.zeros(0, np.int64)
        mask = date_plan(self._engine, self.as_of).country_unknown(touched)
        snap = self._engine.snapshot(self.as_of)
        codes = COUNTRIES.codes
        out: dict[str, set[str]] = {}
        for num in touched[mask[touched]].tolist():
            code = codes[num]
            for list_id in snap.country(code).unknown:
                out.setdefault(list_id, set()).add(code)
        return out

    def to_pandas(self) -> Any:
        """The batch as a ``pandas.DataFrame``: one row per input row, in input order.

        Columns ``id``, ``ok``, ``score``, ``tier``, ``score_before_overrides``,
        ``tier_before_overrides``, ``factor_<id>`` per factor, ``fired_rules``, ``overrides``,
        ``warnings`` (lists), ``error`` and ``error_path`` (refused rows); ``attrs`` holds the
        fingerprint, as-of date, policy id and version and the batch warnings. A DataFrame
        input's index is kept. Needs the optional ``pandas`` extra; see docs/batch.md.
        """
        from ._export import batch_to_pandas

        return batch_to_pandas(self, self.index)

    def to_arrow(self) -> Any:
        """The batch as a ``pyarrow.Table``, with the columns of :meth:`to_pandas` (nulls on
        refused rows) and the metadata in the schema. Needs the optional ``pyarrow`` extra."""
        from ._export import batch_to_arrow

        return batch_to_arrow(self)

    def explain(self, i: int, *, markdown: bool = False) -> str:
        """The readable explanation of row ``i``, citing sources (see :meth:`riskscore.Result.explain`)."""
        return self[i].explain(markdown=markdown)

    # -- filling
    def _fill(self, at: I64 | slice, out: Out, tier_mins: F64, matrices: bool) -> None:
        self.scores[at] = out.score
        self.scores_before_overrides[at] = out.before
        self.tiers[at] = tier_numbers(tier_mins, out.score if out.rounded else rnd(out.score))
        self.tiers_before_overrides[at] = tier_numbers(tier_mins, out.before)
        if matrices:
            self.factors[at] = out.factors
            self.contributions[at] = out.contributions
            self.fired[at] = out.fired
            self.overrides[at] = out.overrides
        self.ok[at] = True

    def _fail(self, error: CounterpartyError) -> None:
        assert error.index is not None
        self.errors.append(error)
        self._error_of[error.index] = error
        self.ok[error.index] = False
        self.ids[error.index] = None
        self.scores[error.index] = np.nan
        self.tiers[error.index] = -1
        self.tiers_before_overrides[error.index] = -1

    def _fill_result(self, i: int, result: Result) -> None:
        for w in result.warnings:
            if w.code == "unknown-status":
                self._unknown.setdefault(w.list_id, set()).update(w.countries)
        self.ids[i] = result.counterparty_id
        self.scores[i] = result.score
        self.scores_before_overrides[i] = result.score_before_overrides
        self.tiers[i] = self.tier_ids.index(result.tier)
        self.tiers_before_overrides[i] = self.tier_ids.index(result.tier_before_overrides)
        self.factors[i] = [result.factors[f] for f in self.factor_ids]
        fired = {c.rule_id for c in result.contributions}
        self.fired[i] = [r in fired for r in self.rule_ids]
        for c in result.contributions:
            self.contributions[i, self.factor_ids.index(c.factor)] += c.weighted
        applied = {o.override_id for o in result.overrides}
        self.overrides[i] = [o in applied for o in self.override_ids]
        self.ok[i] = True
