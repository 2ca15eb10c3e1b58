"""DataFrames and Arrow tables as input to :meth:`riskscore.Policy.score_many`.

Each row is read as the record ``{column: value}`` that :meth:`~riskscore.Policy.score`
takes, with every null (``None``, ``NaN``, ``pd.NA``, ``NaT``, an Arrow null) as ``None``:
a null list or country is missing data (scored with the rule's ``missing_points`` or
refused when the policy requires the field); a null ``id``, ``pep`` or ``sanctions_hit`` is
refused (a flag is never taken as false because it is unknown). Columns are the record's
field names; a custom attribute is a column ``attributes.<name>``, or a bare column named
like an attribute the policy declares, or an ``attributes`` column of mappings. Any other
column is refused up front, naming it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from ._optional import module_of
from ._readers import arrow_chunk, clean, pandas_chunk
from .columns import Columns, _Slow, build_columns
from .counterparty import Counterparty
from .errors import CounterpartyError, FieldIssue

if TYPE_CHECKING:
    from .batch import BatchResult
    from .engine import Engine

__all__ = ["frame_kind", "refuse_unsupported", "roles", "score_frame"]

FIELDS = tuple(Counterparty.model_fields)
ATTRIBUTE_PREFIX = "attributes."
Obj = npt.NDArray[np.object_]
I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]
Kind = Literal["pandas", "arrow_table", "arrow_batch"]


def frame_kind(obj: object) -> Kind | None:
    """``"pandas"``, ``"arrow_table"`` or ``"arrow_batch"`` for a frame ``score_many`` reads, else None."""
    top, name = module_of(obj), type(obj).__name__
    if top == "pandas" and name == "DataFrame":
        return "pandas"
    if top == "pyarrow" and name == "Table":
        return "arrow_table"
    if top == "pyarrow" and name == "RecordBatch":
        return "arrow_batch"
    return None


_HINTS = {
    "polars": "convert it with .to_arrow() or .to_pandas()",
    "dask": "use riskscore.dask, or score each partition (map_partitions)",
    "pyspark": "use riskscore.spark (mapInArrow)",
}


def refuse_unsupported(obj: object) -> None:
    """Raise :class:`~riskscore.CounterpartyError` for an input whose iteration would not give records."""
    top, name = module_of(obj), type(obj).__name__
    why = None
    if isinstance(obj, (str, bytes, bytearray)):
        why = "text (it would be read one character at a time): parse it first, e.g. riskscore.parse_counterparty_json"
    elif hasattr(obj, "keys") and hasattr(obj, "__getitem__") and top not in ("pandas", "pyarrow"):
        why = "one mapping (it would be read key by key): pass a list of records, or use Policy.score"
    elif top in ("pandas", "pyarrow"):
        why = "pass a pandas DataFrame, a pyarrow Table or RecordBatch (one counterparty per row)"
    elif top in _HINTS:
        why = _HINTS[top]
    if why is not None:
        raise CounterpartyError([FieldIssue("", f"score_many cannot read a {top}.{name}: {why}")])


def _bad_column(column: object, message: str) -> CounterpartyError:
    return CounterpartyError([FieldIssue(str(column)[:100], message, column, "invalid")])


def roles(names: Sequence[Any], engine: Engine | None) -> dict[str, tuple[str, str]]:
    """Per column: ``("field", name)`` or ``("attribute", name)``; raises for a column that is neither."""
    declared = (engine.model.attributes or {}) if engine is not None else {}
    out: dict[str, tuple[str, str]] = {}
    seen: set[str] = set()
    for column in names:
        if type(column) is not str:
            raise _bad_column(column, f"column names are text; {column!r} is a {type(column).__name__}")
        if column in FIELDS:
            role = ("field", column)
        elif column.startswith(ATTRIBUTE_PREFIX) and len(column) > len(ATTRIBUTE_PREFIX):
            role = ("attribute", column[len(ATTRIBUTE_PREFIX) :])
        elif column in declared:
            role = ("attribute", column)
        else:
            raise _bad_column(
                column,
                f"unknown column {column!r}: not a counterparty field ({', '.join(FIELDS)}) nor an attribute the "
                f"policy declares; name it '{ATTRIBUTE_PREFIX}{column}' to pass it as a custom attribute, or drop it",
            )
        key = role[1] if role[0] == "attribute" else "\0" + role[1]
        if key in seen:
            raise _bad_column(column, f"column {column!r} is given twice (or as both 'x' and 'attributes.x')")
        seen.add(key)
        out[column] = role
    if "attributes" in out and any(kind == "attribute" for kind, _ in out.values()):
        raise _bad_column("attributes", "give custom attributes as an 'attributes' column or as columns, not both")
    return out


def frame_roles(frame: Any, kind: Kind, engine: Engine | None) -> dict[str, tuple[str, str]]:
    """:func:`roles` of the frame's columns; a frame with rows but no ``id`` column is refused up front."""
    role = roles(list(frame.columns) if kind == "pandas" else list(frame.schema.names), engine)
    if len(frame) and "id" not in role:
        hint = " (the index is not read: df.reset_index() makes it a column)" if kind == "pandas" else ""
        raise _bad_column("id", f"no 'id' column: every counterparty needs an id{hint}")
    return role


def _columns(frame: Any, kind: Kind) -> dict[str, list[Any]]:
    if kind == "pandas":
        return {name: frame[name].tolist() for name in frame.columns}
    return {name: frame.column(name).to_pylist() for name in frame.schema.names}


def records(frame: Any, kind: Kind, role: dict[str, tuple[str, str]]) -> list[dict[str, Any]]:
    """The frame's rows as records (the reference reading every faster path must equal)."""
    n = len(frame)
    out: list[dict[str, Any]] = [{} for _ in range(n)]
    for column, values in _columns(frame, kind).items():
        what, key = role[column]
        for rec, value in zip(out, values, strict=True):
            value = clean(value)
            if what == "field":
                rec[key] = value if not (key == "attributes" and value is None) else {}
            else:
                rec.setdefault("attributes", {})[key] = value
    return out


class _FrameRows(Sequence[dict[str, Any]]):
    """Row ``i`` of a frame as its record, built when asked for (``BatchResult[i]`` re-scores it)."""

    def __init__(self, frame: Any, kind: Kind, role: dict[str, tuple[str, str]]) -> None:
        self.frame, self.kind, self.role = frame, kind, role

    def __len__(self) -> int:
        return len(self.frame)

    def __getitem__(self, i: Any) -> Any:
        if not isinstance(i, int):
            raise TypeError("one row at a time")
        one = self.frame.iloc[i : i + 1] if self.kind == "pandas" else self.frame.slice(i, 1)
        return records(one, self.kind, self.role)[0]


CHUNK = 16384
ARROW_CHUNK = 1 << 20  # Arrow buffers are read whole: a larger chunk saves concatenating the parts


def _chunks(frame: Any, kind: Kind) -> Iterator[tuple[int, Any]]:
    n = len(frame)
    size = CHUNK if kind == "pandas" else ARROW_CHUNK
    for lo in range(0, n, size):
        if kind == "pandas":
            yield lo, frame.iloc[lo : lo + size]
        else:
            part = frame.slice(lo, size)
            yield lo, (part.combine_chunks().to_batches() or [part])[0] if kind == "arrow_table" else part


def _take(chunk: Any, kind: Kind, at: I64) -> Any:
    return chunk.iloc[at] if kind == "pandas" else chunk.take(at)


class _Parts:
    """Column parts, the input row of each column row, and the errors of the refused rows."""

    def __init__(self) -> None:
        self.cols: list[Columns] = []
        self.rows: list[I64] = []
        self.errors: list[CounterpartyError] = []

    def add(self, cols: Columns, rows: I64) -> None:
        self.cols.append(cols)
        self.rows.append(rows)

    def records(self, part: list[dict[str, Any]], rows: I64, keep: Collection[str] | None) -> None:
        """Rows read as records (validated as ``score`` does); ``rows``: their input indexes."""
        cols, bad, at = build_columns(part, keep)
        self.add(cols, rows[at])
        self.errors += [CounterpartyError(e.issues, index=int(rows[e.index or 0])) for e in bad]


def frame_columns(
    frame: Any, kind: Kind, role: dict[str, tuple[str, str]], keep: Collection[str] | None
) -> tuple[Columns, list[CounterpartyError], I64 | None]:
    """The frame's valid rows as columns, the errors of the others, and each column row's input
    index (None: every row is valid, in order). Rows or chunks the fast readers do not take are
    read as records."""
    parts = _Parts()
    for lo, chunk in _chunks(frame, kind):
        index = np.arange(lo, lo + len(chunk), dtype=np.int64)
        bad = np.zeros(len(chunk), np.bool_)
        try:
            read = pandas_chunk if kind == "pandas" else arrow_chunk
            cols = read(chunk, role, keep, bad)
        except _Slow:
            parts.records(records(chunk, kind, role), index, keep)
            continue
        if not bad.any():
            parts.add(cols, index)
            continue
        good, odd = np.flatnonzero(~bad), np.flatnonzero(bad)
        parts.add(cols.take(good), index[good])
        parts.records(records(_take(chunk, kind, odd), kind, role), index[odd], keep)
    if not parts.cols:
        return build_columns([])[0], [], None
    cols, rows = Columns.concat(parts.cols), np.concatenate(parts.rows)
    if len(rows) and (np.diff(rows) < 0).any():
        order = np.argsort(rows, kind="stable")
        cols, rows = cols.take(order), rows[order]
    return cols, parts.errors, rows if parts.errors else None


def columns_of(frame: Any) -> Columns:
    """:class:`~riskscore.Columns` of a DataFrame, Table or RecordBatch (attributes: ``attributes.<name>``
    columns or an ``attributes`` column); raises the first row's :class:`~riskscore.CounterpartyError`."""
    kind = frame_kind(frame)
    if kind is None:
        refuse_unsupported(frame)
        raise CounterpartyError(
            [FieldIssue("", f"expected a DataFrame, Table or RecordBatch, not {type(frame).__name__}")]
        )
    role = frame_roles(frame, kind, None)
    cols, errors, _ = frame_columns(frame, kind, role, None)
    if errors:
        raise min(errors, key=lambda e: e.index or 0)
    return cols


def _ids(frame: Any, kind: Kind) -> list[Any] | None:
    if kind == "pandas":
        return frame["id"].tolist() if "id" in frame.columns else None
    return frame.column("id").to_pylist() if "id" in frame.schema.names else None


def score_frame(
    engine: Engine, frame: Any, kind: Kind, as_of: date, errors: Literal["raise", "collect"]
) -> BatchResult:
    """Score a DataFrame, Table or RecordBatch (see the module docstring)."""
    from .batch import fallback_reason, score_columns, score_many

    role = frame_roles(frame, kind, engine)
    reason = engine.batch_fallback if hasattr(engine, "batch_fallback") else fallback_reason(engine)
    if reason is not None:
        batch = score_many(engine, records(frame, kind, role), as_of, errors)
    else:
        specs = engine.model.attributes
        cols, bad, rows = frame_columns(frame, kind, role, None if specs is None else list(specs))
        batch = score_columns(engine, cols, bad, rows, _FrameRows(frame, kind, role), as_of, errors)
    if batch.errors:  # the ids of refused rows, for to_pandas()/to_arrow(); scored rows carry theirs
        batch.input_ids = _ids(frame, kind)
    if kind == "pandas":
        batch.index = frame.index
    return batch
