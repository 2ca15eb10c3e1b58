"""One record checked quickly: :func:`fast_record` gives the :class:`Record` the engine reads
(no pydantic) or ``None`` for anything unusual, which then goes through the validator."""

from __future__ import annotations

import math
from typing import Any

from ._fastcols import _NUM
from ._numbering import _BAD, COUNTRIES, PRODUCTS, _Registry
from .counterparty import MAX_ITEMS, SHARE_TOLERANCE


class _Item:
    """An owner or trade partner read by :func:`fast_record` (the engine reads attributes only)."""

    __slots__ = ("country", "name", "share")

    def __init__(self, country: str, share: float, name: str | None) -> None:
        self.country = country
        self.share = share
        self.name = name


class Record:
    """A counterparty checked by :func:`fast_record`: the fields the engine reads, no pydantic."""

    __slots__ = (
        "attributes",
        "id",
        "incorporation",
        "name",
        "operations",
        "owners",
        "pep",
        "products",
        "sanctions_hit",
        "trade_partners",
    )

    def __init__(
        self,
        id: str,
        name: str | None,
        incorporation: str | None,
        operations: list[str] | None,
        owners: list[_Item] | None,
        trade_partners: list[_Item] | None,
        products: list[str] | None,
        pep: bool,
        sanctions_hit: bool,
    ) -> None:
        self.id = id
        self.name = name
        self.incorporation = incorporation
        self.operations = operations
        self.owners = owners
        self.trade_partners = trade_partners
        self.products = products
        self.pep = pep
        self.sanctions_hit = sanctions_hit
        self.attributes: dict[str, Any] = {}


_RECORD_KEYS = frozenset(Record.__slots__)
_EMPTY: dict[str, Any] = {}
_CODES = COUNTRIES.codes


def _country_code(raw: Any) -> str | None:
    number = COUNTRIES.get(raw) if type(raw) is str else None
    if number is None:
        number = COUNTRIES[raw] if type(raw) is str else _BAD
    return _CODES[number] if number >= 0 else None


def _code_list(raw: Any, registry: _Registry) -> list[str] | None:
    if type(raw) is not list or len(raw) > MAX_ITEMS:
        return None
    codes = registry.codes
    out = []
    for value in raw:
        if type(value) is not str:
            return None
        number = registry.get(value)
        if number is None:
            number = registry[value]
        if number < 0:
            return None
        out.append(codes[number])
    return out


def _item_list(raw: Any, with_names: bool) -> list[_Item] | None:
    if type(raw) is not list or len(raw) > MAX_ITEMS:
        return None
    out = []
    total = 0.0
    for item in raw:
        if type(item) is not dict:
            return None
        share: Any = item.get("share")
        name: Any = item.get("name")
        has_name = "name" in item
        if len(item) != 2 + has_name or (has_name and not with_names):
            return None
        country = _country_code(item.get("country"))
        if country is None or type(share) not in _NUM or not 0.0 <= share <= 1.0:
            return None
        if name is not None and (type(name) is not str or len(name) > 500 or name != name.strip()):
            return None
        total += share
        out.append(_Item(country, float(share), name))
    if total > 1.0 + SHARE_TOLERANCE - 1e-12 and math.fsum(i.share for i in out) > 1.0 + SHARE_TOLERANCE:
        return None
    return out


def fast_record(data: Any) -> Record | None:
    """Validate a plain JSON-like dict as :class:`~riskscore.Counterparty` would, quickly.

    Returns ``None`` for anything unusual (other types, coercions, unknown countries, bad
    shares, attributes...), which then goes through the pydantic validator for the exact
    result or error.
    """
    if type(data) is not dict or not _RECORD_KEYS.issuperset(data):
        return None
    ident = data.get("id")
    name = data.get("name")
    if type(ident) is not str or not 0 < len(ident) <= 200 or ident != ident.strip():
        return None
    if name is not None and (type(name) is not str or len(name) > 500):
        return None
    pep = data.get("pep", False)
    hit = data.get("sanctions_hit", False)
    if type(pep) is not bool or type(hit) is not bool or data.get("attributes", _EMPTY) != _EMPTY:
        return None
    inc = data.get("incorporation")
    if inc is not None and (inc := _country_code(inc)) is None:
        return None
    ops = data.get("operations")
    if ops is not None and (ops := _code_list(ops, COUNTRIES)) is None:
        return None
    products = data.get("products")
    if products is not None and (products := _code_list(products, PRODUCTS)) is None:
        return None
    owners = data.get("owners")
    if owners is not None and (owners := _item_list(owners, True)) is None:
        return None
    partners = data.get("trade_partners")
    if partners is not None and (partners := _item_list(partners, False)) is None:
        return None
    return Record(ident, name.strip() if name is not None else None, inc, ops, owners, partners, products, pep, hit)
