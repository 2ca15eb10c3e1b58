"""The fast path from plain dicts and lists to :class:`riskscore.Columns`, without pydantic.

It takes only the usual JSON types with values the validator would accept unchanged, and
raises :class:`_Slow` on anything else, for the per-record path of :mod:`riskscore._build`
to give the exact result or error. :mod:`riskscore._readers` uses it for frame chunks.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from itertools import chain, repeat
from operator import is_, itemgetter
from typing import Any

import numpy as np

from ._columnar import Columns, _nones
from ._columns_checks import share_overruns, shares_in_range
from ._numbering import _BAD, COUNTRIES, F64, I32, I64, PRODUCTS, B, Obj, _Registry
from ._ragged import Ragged
from .counterparty import MAX_ATTRIBUTE_KEY, MAX_ATTRIBUTES, MAX_INT, MAX_ITEMS, MAX_TEXT

_NUM = {float, int}


class _Slow(Exception):
    """This run of records needs the per-record path (a type or value the fast path does not take)."""


def _check_types(values: Iterable[Any], allowed: set[type] | frozenset[type]) -> None:
    if not allowed.issuperset(map(type, values)):
        raise _Slow


_ABSENT: Any = object()
_LIST_TYPES: frozenset[type] = frozenset({list, type(None)})


class _Keys:
    """Reads fields of many dicts, counting present keys so unknown keys can be detected."""

    def __init__(self, dicts: list[dict[str, Any]]) -> None:
        self.dicts = dicts
        self.seen = 0

    def get(self, key: str, default: Any = None) -> list[Any]:
        out = list(map(dict.get, self.dicts, repeat(key), repeat(_ABSENT)))
        absent = out.count(_ABSENT)
        self.seen += len(out) - absent
        if absent:
            out = [default if x is _ABSENT else x for x in out]
        return out

    def need(self, key: str) -> list[Any]:
        try:
            out = list(map(itemgetter(key), self.dicts))
        except KeyError:
            raise _Slow from None
        self.seen += len(out)
        return out

    def check_no_other_keys(self) -> None:
        if sum(map(len, self.dicts)) != self.seen:
            raise _Slow


def _shares_ok(shares: F64, offsets: I64) -> bool:
    return shares_in_range(shares) and not share_overruns(shares, offsets)


def _ragged_shape(lists: list[Any]) -> tuple[list[Any], I64, B]:
    """The non-missing lists, offsets and the missing mask of one list field."""
    _check_types(lists, _LIST_TYPES)
    n = len(lists)
    missing = np.fromiter(map(is_, lists, repeat(None)), np.bool_, n)
    present = [x if x is not None else () for x in lists] if missing.any() else lists
    offsets = np.zeros(n + 1, np.int64)
    np.cumsum(np.fromiter(map(len, present), np.int64, n), out=offsets[1:])
    if n and int(np.diff(offsets).max()) > MAX_ITEMS:
        raise _Slow
    return present, offsets, missing


def _numbers(values: Iterable[Any], registry: _Registry, count: int) -> I32:
    out = np.fromiter(map(registry.__getitem__, values), np.int32, count)
    if count and int(out.min()) < 0:
        raise _Slow
    return out


def _items(lists: list[Any], with_names: bool) -> tuple[Ragged, list[str | None] | None]:
    present, offsets, missing = _ragged_shape(lists)
    flat = list(chain.from_iterable(present))
    _check_types(flat, {dict})
    keys = _Keys(flat)
    countries = keys.need("country")
    shares = keys.need("share")
    names = keys.get("name") if with_names else None
    keys.check_no_other_keys()
    _check_types(shares, _NUM)
    _check_types(countries, {str})
    values = _numbers(countries, COUNTRIES, len(countries))
    try:
        share_array = np.array(shares, np.float64)
    except OverflowError:  # an integer past float range: the validator reports its field path
        raise _Slow from None
    if not _shares_ok(share_array, offsets):
        raise _Slow
    if names is not None:
        if keys.seen == 2 * len(flat):
            names = None
        elif not all(n is None or (type(n) is str and len(n) <= 500 and n == n.strip()) for n in names):
            raise _Slow
    return Ragged(values, offsets, missing, share_array), names


def _codes(lists: list[Any], registry: _Registry) -> Ragged:
    present, offsets, missing = _ragged_shape(lists)
    flat = list(chain.from_iterable(present))
    _check_types(flat, {str})
    values = _numbers(flat, registry, len(flat))
    return Ragged(values, offsets, missing)


_ATTRIBUTE_TYPES = frozenset({str, int, float, bool, type(None)})


def _fast_attributes(raw: list[dict[str, Any]], keep: Collection[str] | None) -> dict[str, Obj]:
    """Attribute columns of plain dicts the validator would accept unchanged; raises _Slow otherwise."""
    if not any(raw):
        return {}
    for attrs in raw:
        if len(attrs) > MAX_ATTRIBUTES:
            raise _Slow
        for key, value in attrs.items():
            kind = type(value)
            if type(key) is not str or not 0 < len(key) <= MAX_ATTRIBUTE_KEY or key != key.strip():
                raise _Slow
            if kind not in _ATTRIBUTE_TYPES:
                raise _Slow
            if kind is str and (len(value) > MAX_TEXT or value != value.strip()):
                raise _Slow
            if (kind is int and abs(value) > MAX_INT) or (kind is float and not math.isfinite(value)):
                raise _Slow
    names = keep if keep is not None else dict.fromkeys(k for attrs in raw for k in attrs)
    out: dict[str, Obj] = {}
    for key in names:
        column = _nones(len(raw))
        column[:] = [attrs.get(key) for attrs in raw]
        out[key] = column
    return out


def _fast_dicts(recs: list[dict[str, Any]], keep: Collection[str] | None = None) -> Columns:
    """Columns from plain dicts of the usual JSON types; raises _Slow on anything else."""
    keys = _Keys(recs)
    attributes = keys.get("attributes", {})
    _check_types(attributes, {dict})
    cols = fast_lists(keys.need, keys.get, _fast_attributes(attributes, keep))
    keys.check_no_other_keys()
    return cols


def check_ids(ids: list[Any], names: list[Any]) -> None:
    """Raise _Slow unless the ids and names are text the validator takes unchanged."""
    _check_types(ids, {str})
    if list(map(str.strip, ids)) != ids or min(map(len, ids)) < 1 or max(map(len, ids)) > 200:
        raise _Slow
    _check_types(names, {str, type(None)})
    if any(len(n) > 500 for n in names if n is not None):
        raise _Slow


def fast_lists(need: Any, get: Any, attribute_columns: dict[str, Obj]) -> Columns:
    """Columns from one list of values per field: ``need(key)`` and ``get(key, default)`` return
    them (``need`` raises _Slow when the field is absent); raises _Slow on anything unusual."""
    ids = need("id")
    check_ids(ids, get("name"))
    inc_raw = get("incorporation")
    _check_types(inc_raw, {str, type(None)})
    inc = np.fromiter(map(COUNTRIES.__getitem__, inc_raw), np.int32, len(ids))
    if (inc == _BAD).any():
        raise _Slow
    ops = _codes(get("operations"), COUNTRIES)
    owners, owner_names = _items(get("owners"), True)
    partners, _ = _items(get("trade_partners"), False)
    products = _codes(get("products"), PRODUCTS)
    pep = get("pep", False)
    hit = get("sanctions_hit", False)
    _check_types(pep, {bool})
    _check_types(hit, {bool})
    return Columns(
        ids,
        inc,
        ops,
        owners,
        partners,
        products,
        np.array(pep, np.bool_),
        np.array(hit, np.bool_),
        owner_names,
        attribute_columns,
    )
