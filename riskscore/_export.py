"""A :class:`~riskscore.BatchResult` as a pandas DataFrame or an Arrow table, and their schema.

One row per input row, in input order, with these columns (``<factor>`` is each factor id
of the policy, in the policy's order):

=========================  ==================  =================================================
column                     Arrow type          meaning (null / NaN / None on a refused row)
=========================  ==================  =================================================
``id``                     string              the counterparty id (a refused row: its id as
                                               given, when it was a string, else null)
``ok``                     bool                scored (false: refused, see ``error``)
``score``                  float64             final score
``tier``                   string              the policy's tier id
``score_before_overrides`` float64             the weighted score
``tier_before_overrides``  string              its tier id
``factor_<factor>``        float64             each factor's value, 0..100
``fired_rules``            list<string>        ids of the rules that fired, in policy order
``overrides``              list<string>        ids of the overrides that applied
``warnings``               list<string>        the row's warnings as ``code:list_id``
``error``                  string              why the row was refused (``path: message``)
``error_path``             string              the field path of the first problem
=========================  ==================  =================================================

Metadata (Arrow schema metadata, ``DataFrame.attrs``): ``riskscore.policy_id``,
``riskscore.policy_version``, ``riskscore.fingerprint``, ``riskscore.as_of`` (ISO date) and
``riskscore.warnings`` (the batch's warnings, JSON).
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ._optional import need

if TYPE_CHECKING:
    from .batch import BatchResult
    from .engine import Engine

__all__ = ["batch_to_arrow", "batch_to_pandas", "column_names", "metadata", "schema"]

B = npt.NDArray[np.bool_]
I64 = npt.NDArray[np.int64]
Obj = npt.NDArray[np.object_]

FACTOR_PREFIX = "factor_"
_HEAD = ("id", "ok", "score", "tier", "score_before_overrides", "tier_before_overrides")
_TAIL = ("fired_rules", "overrides", "warnings", "error", "error_path")


def column_names(engine: Engine) -> list[str]:
    """The output columns for ``engine``'s policy, in order."""
    return [*_HEAD, *(FACTOR_PREFIX + f.id for f in engine.model.factors), *_TAIL]


def metadata(engine: Engine, as_of: date | None = None, warnings: list[Any] | None = None) -> dict[str, str]:
    """The result metadata (without ``as_of`` and ``warnings`` when not given)."""
    out = {
        "riskscore.policy_id": engine.model.id,
        "riskscore.policy_version": engine.model.version,
        "riskscore.fingerprint": engine.fingerprint,
    }
    if as_of is not None:
        out["riskscore.as_of"] = as_of.isoformat()
    if warnings is not None:
        out["riskscore.warnings"] = json.dumps([w.model_dump(mode="json") for w in warnings])
    return out


def schema(engine: Engine, meta: dict[str, str] | None = None) -> Any:
    """The ``pyarrow.Schema`` of the output for ``engine``'s policy."""
    pa = need("pyarrow")
    strings = pa.list_(pa.string())
    types = {
        "id": pa.string(),
        "ok": pa.bool_(),
        "score": pa.float64(),
        "tier": pa.string(),
        "score_before_overrides": pa.float64(),
        "tier_before_overrides": pa.string(),
        "fired_rules": strings,
        "overrides": strings,
        "warnings": strings,
        "error": pa.string(),
        "error_path": pa.string(),
    }
    fields = [pa.field(name, types.get(name, pa.float64()), nullable=name != "ok") for name in column_names(engine)]
    return pa.schema(fields, metadata=meta if meta is not None else metadata(engine))


class _Rows:
    """The per-row values of a batch that both formats share."""

    def __init__(self, batch: BatchResult) -> None:
        self.batch = batch
        self.ok: B = batch.ok.copy()
        n = len(batch)
        given = getattr(batch, "input_ids", None)
        ids: list[str | None] = list(batch.ids)
        if given is not None:
            ids = [i if i is not None else (g if type(g) is str else None) for i, g in zip(ids, given, strict=True)]
        self.ids = ids
        tier_ids = np.array([*batch.tier_ids, None], dtype=object)
        self.tier = tier_ids[batch.tiers.astype(np.int64)]  # -1 -> None
        self.tier_before = tier_ids[batch.tiers_before_overrides.astype(np.int64)]
        self.errors: list[str | None] = [None] * n
        self.paths: list[str | None] = [None] * n
        for e in batch.errors:
            assert e.index is not None
            self.errors[e.index] = "; ".join(str(i) for i in e.issues) or str(e)
            self.paths[e.index] = e.path
        self.warnings = _Warnings(batch)

    def scores(self, values: Any) -> Any:
        out = np.array(values, np.float64)
        out[~self.ok] = np.nan
        return out


def _id_lists(matrix: B, ok: B) -> tuple[I64, I64]:
    """Offsets (n + 1) and flat column numbers of the true cells of ``matrix`` per row (refused rows: none)."""
    rows, cols = np.nonzero(matrix & ok[:, None])
    offsets = np.zeros(len(ok) + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=len(ok)), out=offsets[1:])
    return offsets, cols.astype(np.int64)


class _Warnings:
    """Each row's warnings as ``code:list_id``: the date's (``base``, on every valid row) or, for
    the rows that touch a country of unknown status, their own (``own``)."""

    def __init__(self, batch: BatchResult) -> None:
        from ._dateplan import date_plan
        from ._vecenv import country_items, country_numbers

        engine = batch._engine
        snap = engine.snapshot(batch.as_of)
        self.ok = batch.ok
        self.base = [f"{w.code}:{w.list_id}" for w in snap.warnings]
        self.own: dict[int, list[str]] = {}
        if not snap.unknown_lists:
            return
        cols = batch._cols
        if cols is None:  # per-row mode
            rows = np.flatnonzero(batch.ok).tolist()
        else:
            mask = date_plan(engine, batch.as_of).country_unknown(country_numbers(cols, engine.risk_fields))
            touched = np.zeros(len(cols), np.bool_)
            for numbers, items in country_items(cols, engine.risk_fields):
                touched[items[mask[numbers]]] = True
            at = np.flatnonzero(touched)
            rows = (at if batch._rows is None else batch._rows[at]).tolist()
        for i in rows:
            if batch.ok[i]:
                self.own[i] = [f"{w.code}:{w.list_id}" for w in batch.row_warnings(i)]

    def flat(self) -> tuple[I64, list[str]]:
        """Offsets (n + 1) and the flat warnings of every row."""
        lengths = np.where(self.ok, len(self.base), 0).astype(np.int64)
        for i, own in self.own.items():
            lengths[i] = len(own)
        offsets = np.zeros(len(lengths) + 1, np.int64)
        np.cumsum(lengths, out=offsets[1:])
        if not self.own:
            return offsets, self.base * int(self.ok.sum())
        flat: list[str] = []
        for i, good in enumerate(self.ok.tolist()):
            if good:
                flat += self.own.get(i, self.base)
        return offsets, flat


@contextmanager
def _bulk() -> Iterator[None]:
    """Pause the cyclic garbage collector while 100,000s of small lists of text are built:
    they hold no cycles, and each collection would rescan the whole heap."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def batch_to_arrow(batch: BatchResult, kind: str = "table") -> Any:
    """``batch`` as a ``pyarrow.Table`` (``kind="table"``) or ``RecordBatch`` (``"batch"``)."""
    pa = need("pyarrow")
    engine = batch._engine
    meta = metadata(engine, batch.as_of, batch.warnings)
    sch = schema(engine, meta)
    data = _Rows(batch)
    null = pa.array(~data.ok)
    offsets, flat = data.warnings.flat()

    def floats(values: Any) -> Any:
        return pa.array(np.asarray(values, np.float64), pa.float64(), mask=~data.ok)

    def id_lists(matrix: B, ids: list[str]) -> Any:
        offsets, flat = _id_lists(matrix, data.ok)
        values = pa.array(ids, pa.string()).take(pa.array(flat, pa.int64()))
        return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values, mask=null)

    columns = [
        pa.array(data.ids, pa.string()),
        pa.array(data.ok, pa.bool_()),
        floats(batch.scores),
        pa.array(data.tier.tolist(), pa.string()),
        floats(batch.scores_before_overrides),
        pa.array(data.tier_before.tolist(), pa.string()),
        *(floats(batch.factors[:, k]) for k in range(len(batch.factor_ids))),
        id_lists(batch.fired, batch.rule_ids),
        id_lists(batch.overrides, batch.override_ids),
        pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), pa.array(flat, pa.string()), mask=null),
        pa.array(data.errors, pa.string()),
        pa.array(data.paths, pa.string()),
    ]
    if kind == "batch":
        return pa.RecordBatch.from_arrays(columns, schema=sch)
    return pa.Table.from_arrays(columns, schema=sch)


def _split(offsets: I64, flat: list[str], ok: B) -> Obj:
    """One list per row (``None`` on refused rows) of ``flat[offsets[i]:offsets[i + 1]]``."""
    bounds = offsets.tolist()
    out = np.empty(len(ok), dtype=object)
    with _bulk():
        out[:] = [flat[bounds[i] : bounds[i + 1]] if good else None for i, good in enumerate(ok.tolist())]
    return out


def _object_lists(matrix: B, ids: list[str], ok: B) -> Obj:
    offsets, cols = _id_lists(matrix, ok)
    return _split(offsets, np.array(ids, dtype=object)[cols].tolist(), ok)


def _objects(values: list[Any]) -> Obj:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def batch_to_pandas(batch: BatchResult, index: Any = None) -> Any:
    """``batch`` as a ``pandas.DataFrame`` (``index``: the input frame's index, else a RangeIndex)."""
    pd = need("pandas")
    engine = batch._engine
    data = _Rows(batch)
    ok = data.ok
    columns: dict[str, Any] = {
        "id": _objects(data.ids),
        "ok": ok,
        "score": data.scores(batch.scores),
        "tier": data.tier,
        "score_before_overrides": data.scores(batch.scores_before_overrides),
        "tier_before_overrides": data.tier_before,
    }
    for k, fid in enumerate(batch.factor_ids):
        columns[FACTOR_PREFIX + fid] = data.scores(batch.factors[:, k])
    columns["fired_rules"] = _object_lists(batch.fired, batch.rule_ids, ok)
    columns["overrides"] = _object_lists(batch.overrides, batch.override_ids, ok)
    columns["warnings"] = _split(*data.warnings.flat(), ok)
    columns["error"] = _objects(data.errors)
    columns["error_path"] = _objects(data.paths)
    frame = _frame(pd, columns, index)
    frame.attrs.update(metadata(engine, batch.as_of, batch.warnings))
    return frame


def _frame(pd: Any, columns: dict[str, Any], index: Any) -> Any:
    """A DataFrame of exactly these dtypes: object for text and lists, bool, float64."""
    series = {
        name: pd.Series(values, dtype=values.dtype if values.dtype != object else object, copy=False)
        for name, values in columns.items()
    }
    frame = pd.DataFrame(series, copy=False)
    if index is not None:
        frame.index = index
    return frame


def empty_frame(engine: Engine) -> Any:
    """The zero-row DataFrame of the output for ``engine``'s policy (the dtypes of every output)."""
    pd = need("pandas")
    names = column_names(engine)
    kinds: dict[str, type[np.generic]] = {"ok": np.bool_}
    for name in names:
        if name.startswith(FACTOR_PREFIX) or name in ("score", "score_before_overrides"):
            kinds[name] = np.float64
    columns = {name: np.zeros(0, kinds.get(name, object)) for name in names}
    frame = _frame(pd, columns, None)
    frame.attrs.update(metadata(engine))
    return frame
