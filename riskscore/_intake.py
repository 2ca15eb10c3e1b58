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

import math
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ._optional import module_of
from .counterparty import Counterparty
from .errors import CounterpartyError, FieldIssue

if TYPE_CHECKING:
    from .batch import BatchResult
    from .engine import Engine

__all__ = ["frame_kind", "refuse_unsupported", "roles", "score_frame"]

FIELDS = tuple(Counterparty.model_fields)
ATTRIBUTE_PREFIX = "attributes."
Kind = Literal["pandas", "arrow-table", "arrow-batch"]


def frame_kind(obj: object) -> Kind | None:
    """``"pandas"``, ``"arrow-table"`` or ``"arrow-batch"`` for a frame ``score_many`` reads, else None."""
    top, name = module_of(obj), type(obj).__name__
    if top == "pandas" and name == "DataFrame":
        return "pandas"
    if top == "pyarrow" and name == "Table":
        return "arrow-table"
    if top == "pyarrow" and name == "RecordBatch":
        return "arrow-batch"
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


def roles(names: Sequence[Any], engine: Engine) -> dict[str, tuple[str, str]]:
    """Per column: ``("field", name)`` or ``("attribute", name)``; raises for a column that is neither."""
    declared = engine.model.attributes or {}
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


# ---------------------------------------------------------------- values
def _null(value: Any) -> bool:
    """True for None, NaN, pd.NA and NaT (without importing pandas)."""
    if value is None:
        return True
    kind = type(value)
    if kind is float or isinstance(value, np.floating):
        return math.isnan(value)
    name = kind.__name__
    return name in ("NAType", "NaTType") or (isinstance(value, np.datetime64) and bool(np.isnat(value)))


def clean(value: Any) -> Any:
    """A cell as the record value ``score`` takes: nulls as None, arrays as lists, numpy scalars as Python."""
    if _null(value):
        return None
    if isinstance(value, (list, tuple, np.ndarray)):
        return [clean(v) for v in value]
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value


def _columns(frame: Any, kind: Kind) -> dict[str, list[Any]]:
    if kind == "pandas":
        return {name: frame[name].tolist() for name in frame.columns}
    return {name: frame.column(name).to_pylist() for name in frame.schema.names}


def records(frame: Any, kind: Kind, engine: Engine) -> list[dict[str, Any]]:
    """The frame's rows as records (the reference reading every faster path must equal)."""
    names = list(frame.columns) if kind == "pandas" else list(frame.schema.names)
    role = roles(names, engine)
    data = _columns(frame, kind)
    n = len(frame)
    out: list[dict[str, Any]] = [{} for _ in range(n)]
    for column, values in data.items():
        what, key = role[column]
        for rec, value in zip(out, values, strict=True):
            value = clean(value)
            if what == "field":
                rec[key] = value if not (key == "attributes" and value is None) else {}
            else:
                rec.setdefault("attributes", {})[key] = value
    return out


def score_frame(
    engine: Engine, frame: Any, kind: Kind, as_of: date, errors: Literal["raise", "collect"]
) -> BatchResult:
    """Score a DataFrame, Table or RecordBatch (see the module docstring)."""
    from .batch import score_many

    recs = records(frame, kind, engine)
    batch = score_many(engine, recs, as_of, errors)
    batch.input_ids = [r.get("id") for r in recs]
    if kind == "pandas":
        batch.index = frame.index
    return batch
