"""Arrow record batches straight to :class:`~riskscore.columns.Columns`, read from the buffers.

Countries and HS codes are dictionary-encoded, so each distinct value is normalised once;
list columns give their offsets and flat values with ``pyarrow.compute``; shares come out
as one float64 array. A column of a type this reader does not take raises ``_Slow`` (the
caller then reads the chunk as records); a row whose values the validator would refuse or
change (an unknown country, a null inside a list or in a flag, bad shares, text to strip...)
is marked in the returned mask, and the caller reads those rows as records, so results and
error messages are those of :meth:`riskscore.Policy.score`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from ._optional import need
from .columns import COUNTRIES, PRODUCTS, Columns, Ragged, _Registry, _share_problems, _Slow
from .counterparty import MAX_ITEMS

__all__ = ["arrow_columns"]

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]


def _pa() -> tuple[Any, Any]:
    return need("pyarrow"), need("pyarrow.compute", "pyarrow")


def _is_text(pa: Any, kind: Any) -> bool:
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def _np(array: Any) -> Any:
    return array.to_numpy(zero_copy_only=False)


def _numbers(array: Any, registry: _Registry) -> I32:
    """Numbers of a text (or dictionary-of-text) array, one normalisation per distinct value:
    -1 for a null, -2 for a value the registry does not know. Raises _Slow for another type."""
    pa, pc = _pa()
    kind = array.type
    if pa.types.is_null(kind):
        return np.full(len(array), -1, np.int32)
    if not pa.types.is_dictionary(kind):
        if not _is_text(pa, kind):
            raise _Slow
        array = pc.dictionary_encode(array)
    elif not _is_text(pa, kind.value_type):
        raise _Slow
    distinct = np.fromiter(map(registry.__getitem__, array.dictionary.to_pylist()), np.int32)
    lookup = np.append(np.maximum(distinct, -2), np.int32(-1))  # the last entry: null
    out: I32 = lookup[_np(pc.fill_null(array.indices, len(distinct)))].astype(np.int32, copy=False)
    return out


class _Shape:
    """One list column: its flat items, offsets, missing rows, and the row of each item."""

    def __init__(self, array: Any, bad: B) -> None:
        pa, pc = _pa()
        kind = array.type
        n = len(array)
        self.bad = bad
        if pa.types.is_null(kind):
            self.flat, self.offsets, self.missing = (
                pa.array([], pa.string()),
                np.zeros(n + 1, np.int64),
                np.ones(n, bool),
            )
            return
        if not (pa.types.is_list(kind) or pa.types.is_large_list(kind)):
            raise _Slow
        lengths = _np(pc.fill_null(pc.list_value_length(array), 0)).astype(np.int64)
        bad |= lengths > MAX_ITEMS
        self.offsets = np.zeros(n + 1, np.int64)
        np.cumsum(lengths, out=self.offsets[1:])
        self.flat = pc.list_flatten(array)
        self.missing = _np(array.is_null()).astype(np.bool_)

    def rows(self) -> I64:
        return np.repeat(np.arange(len(self.missing), dtype=np.int64), np.diff(self.offsets))

    def refuse_items(self, item_bad: B) -> None:
        """Mark the rows of the items in ``item_bad``."""
        if item_bad.any():
            self.bad[self.rows()[item_bad]] = True


def _codes(array: Any, registry: _Registry, bad: B) -> Ragged:
    shape = _Shape(array, bad)
    values = _numbers(shape.flat, registry)
    shape.refuse_items(values < 0)  # a null item or an unknown code
    return Ragged(values, shape.offsets, shape.missing)


def _items(array: Any, with_names: bool, bad: B) -> tuple[Ragged, list[str | None] | None]:
    """Owners or trade partners: a list of structs ``{country, share[, name]}``."""
    pa, pc = _pa()
    shape = _Shape(array, bad)
    flat = shape.flat
    if not len(flat):
        return Ragged(np.zeros(0, np.int32), shape.offsets, shape.missing, np.zeros(0)), None
    kind = flat.type
    if not pa.types.is_struct(kind):
        raise _Slow
    names = [kind.field(i).name for i in range(kind.num_fields)]
    allowed = {"country", "share", "name"} if with_names else {"country", "share"}
    if not {"country", "share"} <= set(names) <= allowed or len(set(names)) != len(names):
        raise _Slow
    parts = dict(zip(names, flat.flatten(), strict=True))
    share = parts["share"]
    if not (pa.types.is_floating(share.type) or pa.types.is_integer(share.type)):
        raise _Slow
    values = _numbers(parts["country"], COUNTRIES)
    shares = _np(pc.fill_null(share, 0.0)).astype(np.float64)
    item_bad = (values < 0) | _np(flat.is_null()) | _np(share.is_null())
    item_bad |= ~np.isfinite(shares) | (shares < 0.0) | (shares > 1.0)
    shares[item_bad] = 0.0
    shape.refuse_items(item_bad)
    rag = Ragged(np.maximum(values, 0), shape.offsets, shape.missing, shares)
    for row, _, _ in _share_problems(rag, "owners"):
        bad[row] = True
    return rag, _owner_names(parts.get("name"), shape)


def _owner_names(array: Any, shape: _Shape) -> list[str | None] | None:
    pa, _ = _pa()
    if array is None or array.null_count == len(array):
        return None
    if not _is_text(pa, array.type):
        raise _Slow
    names: list[str | None] = array.to_pylist()
    odd = [n is not None and (len(n) > 500 or n != n.strip()) for n in names]
    shape.refuse_items(np.array(odd, np.bool_))
    return names


def _flags(batch: Any, name: str, bad: B) -> B:
    pa, pc = _pa()
    if name not in batch.schema.names:
        return np.zeros(batch.num_rows, np.bool_)
    array = batch.column(name)
    if not pa.types.is_boolean(array.type):
        raise _Slow
    bad |= _np(array.is_null()).astype(np.bool_)
    out: B = _np(pc.fill_null(array, False)).astype(np.bool_)
    return out


def _bad_ids(ids: Any, out: list[Any]) -> B:
    """Per row: the id is null, empty, over 200 characters or has surrounding whitespace. Read
    from the offsets and bytes: only ids over 200 bytes or whose first or last byte is not
    printable ASCII (every character ``str.strip`` removes is one) are checked as strings."""
    n = len(out)
    offsets = np.frombuffer(ids.buffers()[1], np.int32 if _pa()[0].types.is_string(ids.type) else np.int64)
    offsets = offsets[ids.offset : ids.offset + n + 1].astype(np.int64)
    data = ids.buffers()[2]
    raw = np.frombuffer(data, np.uint8) if data is not None else np.zeros(0, np.uint8)
    size = np.diff(offsets)
    bad: B = size <= 0
    if ids.null_count:
        bad |= _np(ids.is_null()).astype(np.bool_)
    full = ~bad
    first = np.zeros(n, np.uint8)
    last = np.zeros(n, np.uint8)
    first[full] = raw[offsets[:-1][full]]
    last[full] = raw[offsets[1:][full] - 1]
    odd = full & ((size > 200) | (first <= 0x20) | (first >= 0x7F) | (last <= 0x20) | (last >= 0x7F))
    for i in np.flatnonzero(odd).tolist():
        text = out[i]
        bad[i] = not 0 < len(text) <= 200 or text != text.strip()
    return bad


def _ids(batch: Any, bad: B) -> list[Any]:
    pa, _ = _pa()
    ids = batch.column("id")
    if not _is_text(pa, ids.type):
        raise _Slow
    out: list[Any] = ids.to_pylist()
    bad |= _bad_ids(ids, out)
    if "name" in batch.schema.names:
        names = batch.column("name")
        if pa.types.is_null(names.type):
            return out
        if not _is_text(pa, names.type):
            raise _Slow
        _, pc = _pa()
        bad |= _np(pc.fill_null(pc.greater(pc.utf8_length(names), 500), False)).astype(np.bool_)
    return out


def arrow_columns(batch: Any, attribute_columns: dict[str, Any], bad: B) -> Columns:
    """Columns of one ``pyarrow.RecordBatch`` whose columns are counterparty fields (attribute
    columns already read); marks in ``bad`` the rows to read as records instead, and raises
    _Slow for a column of another type."""
    pa, _ = _pa()
    schema = batch.schema
    n = batch.num_rows
    if "attributes" in schema.names or "id" not in schema.names:
        raise _Slow

    def column(name: str) -> Any:
        return batch.column(name) if name in schema.names else pa.nulls(n)

    ids = _ids(batch, bad)
    owners, names = _items(column("owners"), True, bad)
    partners, _ = _items(column("trade_partners"), False, bad)
    inc = _numbers(column("incorporation"), COUNTRIES)
    bad |= inc < -1
    operations = _codes(column("operations"), COUNTRIES, bad)
    products = _codes(column("products"), PRODUCTS, bad)
    for rag in (operations, products):
        np.maximum(rag.values, 0, out=rag.values)
    return Columns(
        ids,
        np.maximum(inc, -1),
        operations,
        owners,
        partners,
        products,
        _flags(batch, "pep", bad),
        _flags(batch, "sanctions_hit", bad),
        names,
        attribute_columns,
    )
