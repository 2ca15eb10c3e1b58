"""Reading frame cells: nulls, plain values, attribute columns, and one chunk to columns.

Used by :mod:`riskscore._intake`: a pandas chunk goes through Arrow when pyarrow is
installed (attribute columns are read by pandas, so their Python types never change), else
column by column from Python lists; an Arrow chunk through :mod:`riskscore._arrow`.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Collection
from typing import Any

import numpy as np
import numpy.typing as npt

from .columns import Columns, _check_types, _fast_attributes, _Slow, fast_lists
from .counterparty import MAX_ATTRIBUTE_KEY, MAX_ATTRIBUTES, MAX_INT, MAX_TEXT

__all__ = ["arrow_chunk", "attribute_columns", "clean", "pandas_chunk", "pandas_columns"]

Obj = npt.NDArray[np.object_]
B = npt.NDArray[np.bool_]
Role = dict[str, tuple[str, str]]


def _null(value: Any) -> bool:
    """True for None, NaN, pd.NA and NaT (without importing pandas)."""
    if value is None:
        return True
    kind = type(value)
    if kind is float or isinstance(value, np.floating):
        return math.isnan(value)
    name = kind.__name__
    return name in ("NAType", "NaTType") or (isinstance(value, np.datetime64) and bool(np.isnat(value)))


def clean(value: Any, top: bool = True) -> Any:
    """A cell as the record value ``score`` takes: a null cell as None, arrays as lists, numpy
    scalars as Python ones (a NaN inside a list stays NaN: the validator refuses it as such)."""
    if top and _null(value):
        return None
    if isinstance(value, (list, tuple, np.ndarray)):
        return [clean(v, False) for v in value]
    if isinstance(value, dict):
        return {k: clean(v, False) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value


def _no_nulls(values: list[Any], mask: Any) -> list[Any]:
    """``values`` with the positions of ``mask`` set to None."""
    at = np.flatnonzero(mask)
    if len(at):
        values = list(values)
        for i in at.tolist():
            values[i] = None
    return values


def _odd_attribute(v: Any) -> bool:
    """True for a value the validator would refuse or change."""
    kind = type(v)
    if kind is str:
        return bool(len(v) > MAX_TEXT or v != v.strip())
    if kind is int:
        return bool(abs(v) > MAX_INT)
    if kind is float:
        return not math.isfinite(v)
    return v is not None and kind is not bool


def attribute_columns(
    lists: dict[str, list[Any]], keep: Collection[str] | None, n: int, bad: B | None = None
) -> dict[str, Obj]:
    """Attribute columns from one list of values per attribute, as the record reader makes them.

    A row with a value the validator might treat otherwise is marked in ``bad`` (without
    ``bad``: raises _Slow); an attribute name it would refuse raises _Slow.
    """
    if len(lists) > MAX_ATTRIBUTES:
        raise _Slow
    out: dict[str, Obj] = {}
    for key, values in lists.items():
        if not 0 < len(key) <= MAX_ATTRIBUTE_KEY or key != key.strip():
            raise _Slow
        column = np.full(n, None, dtype=object)
        column[:] = [clean(v) for v in values]
        odd = np.fromiter(map(_odd_attribute, column.tolist()), np.bool_, n)
        if odd.any():
            if bad is None:
                raise _Slow
            bad |= odd
        out[key] = column
    if keep is None:
        return out
    return {key: out[key] if key in out else np.full(n, None, dtype=object) for key in keep}


_LISTS = ("operations", "owners", "trade_partners", "products")


def _pandas_lists(frame: Any, role: dict[str, tuple[str, str]]) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    """Per field and per attribute: the column's values with nulls as None (lists as lists)."""
    fields: dict[str, list[Any]] = {}
    attrs: dict[str, list[Any]] = {}
    for column in frame.columns:
        what, key = role[column]
        series = frame[column]
        values = series.tolist()
        if what == "attribute":
            attrs[key] = values
            continue
        values = _no_nulls(values, series.isna().to_numpy())
        if key in _LISTS and any(type(v) is np.ndarray for v in values):
            values = [v.tolist() if type(v) is np.ndarray else v for v in values]
        fields[key] = values
    return fields, attrs


def pandas_columns(frame: Any, role: dict[str, tuple[str, str]], keep: Collection[str] | None) -> Columns:
    """Columns of a DataFrame (nulls as None), read column by column; raises _Slow for anything unusual."""
    fields, attrs = _pandas_lists(frame, role)
    n = len(frame)
    if "attributes" in fields:
        given = [{} if v is None else v for v in fields.pop("attributes")]
        _check_types(given, {dict})
        extra = _fast_attributes(given, keep)
    else:
        extra = attribute_columns(attrs, keep, n)

    def need(key: str) -> list[Any]:
        if key not in fields:
            raise _Slow
        return fields[key]

    def get(key: str, default: Any = None) -> list[Any]:
        return fields[key] if key in fields else [default] * n

    return fast_lists(need, get, extra)


def arrow_chunk(chunk: Any, role: dict[str, tuple[str, str]], keep: Collection[str] | None, bad: B) -> Columns:
    from ._arrow import arrow_columns

    names = chunk.schema.names
    attrs = {role[name][1]: chunk.column(name).to_pylist() for name in names if role[name][0] == "attribute"}
    return arrow_columns(chunk, attribute_columns(attrs, keep, chunk.num_rows, bad), bad)


def pandas_chunk(chunk: Any, role: dict[str, tuple[str, str]], keep: Collection[str] | None, bad: B) -> Columns:
    """Through Arrow when pyarrow is installed (the attributes read by pandas, so no type of theirs
    changes); else column by column from Python lists, the whole chunk refused at the first odd value."""
    try:
        pa = importlib.import_module("pyarrow")
    except ImportError:
        return pandas_columns(chunk, role, keep)
    from ._arrow import arrow_columns

    fields = [c for c in chunk.columns if role[c][0] == "field"]
    try:
        table = pa.Table.from_pandas(chunk[fields], preserve_index=False, nthreads=1)
    except (pa.ArrowException, TypeError, ValueError):
        raise _Slow from None
    attrs = {role[c][1]: chunk[c].tolist() for c in chunk.columns if role[c][0] == "attribute"}
    extra = attribute_columns(attrs, keep, len(chunk), bad)
    return arrow_columns((table.combine_chunks().to_batches() or [table])[0], extra, bad)
