"""The input digest: which counterparty, exactly, a result was computed from.

``Result.input_digest`` is ``"sha256:"`` and the hex sha256 of the UTF-8 bytes of the
counterparty's *canonical form*, version :data:`CANONICAL_VERSION` (``Result.
input_canonical_version``). The canonical form is taken from the counterparty **as validated**
(after :class:`~riskscore.Counterparty` has normalised it), so it is the same whether the input
was a dict, a ``Counterparty``, a JSON line on the command line or a row of ``score_many``.

Canonical form, version 1: a JSON object with exactly these keys (JSON text written with sorted
keys, no whitespace, ``\\uXXXX`` escapes for everything outside ASCII, no NaN or infinity)::

    id              the id, text (an integer id is validated to text: 7 and "7" are equal)
    incorporation   ISO 3166 code (alpha-2, or a subdivision like "UA-43") or null
    operations      list of codes in the order given, or null (unknown; [] is "none")
    owners          list of {"country", "name", "share"} in the order given, or null
    trade_partners  list of {"country", "share"} in the order given, or null
    products        list of HS codes as digits ("8471.30" is "847130"), or null
    pep, sanctions_hit   booleans
    attributes      object of the attributes whose value is not null, keys sorted

Normalisations are those of validation, so inputs that validate to the same counterparty digest
equally: a country by name, alpha-3 or number is its code ("Turkey", "TUR", 792 and "TR" are
equal), text is stripped of surrounding whitespace, HS codes lose dots and spaces, left-out
fields take their defaults (``pep`` false, lists null). On top of that: a number that is a whole
number is written as an integer (a share of ``1`` and ``1.0`` are equal, as are attribute values
``5`` and ``5.0``, which every condition compares equal), other numbers as Python's shortest
round-trip ``repr``; an attribute set to null is the same as one left out (scoring reads both as
"not given"). Order of list items is kept: explanations name items by their position.

Left out: the counterparty's ``name``. Scoring does not read it, no result shows it, and a
columnar batch (:class:`~riskscore.Columns`, a DataFrame) does not carry it; two records that
differ only in ``name`` digest equally. Owner names are kept (explanations cite them).

A change to any of this is a new :data:`CANONICAL_VERSION`; digests of different versions are
not comparable, and :meth:`~riskscore.Policy.verify` says so.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from json.encoder import encode_basestring_ascii as _string
from typing import Any, Protocol

from .counterparty import Counterparty

__all__ = ["CANONICAL_VERSION", "DIGEST_PREFIX", "canonical_json", "input_digest"]

CANONICAL_VERSION = 1
"""Version of the canonical form digested into ``Result.input_digest``."""
DIGEST_PREFIX = "sha256:"
"""The algorithm, written before the hex digest."""


class _Item(Protocol):
    country: str
    share: float


class _Scored(Protocol):
    """What the digest reads: a validated :class:`Counterparty` or the engine's fast record."""

    id: str
    incorporation: str | None
    operations: list[str] | None
    owners: Any
    trade_partners: Any
    products: list[str] | None
    pep: bool
    sanctions_hit: bool
    attributes: dict[str, Any]


def _number(value: float) -> float | int:
    # int(value) is exact for a whole float; 1.0 and 1 (and -0.0 and 0) are one number
    return int(value) if value.is_integer() else value


def _value(value: Any) -> Any:
    kind = type(value)
    if kind is float:
        return _number(value)
    if kind is str or kind is bool or kind is int:
        return value
    if hasattr(value, "item"):  # a numpy scalar from a columnar batch: its Python value
        return _value(value.item())
    return value


def _items(items: Iterable[Any] | None, named: bool) -> list[dict[str, Any]] | None:
    if items is None:
        return None
    if named:
        return [{"country": i.country, "name": i.name, "share": _number(float(i.share))} for i in items]
    return [{"country": i.country, "share": _number(float(i.share))} for i in items]


def canonical(cp: _Scored) -> dict[str, Any]:
    """The canonical form (version :data:`CANONICAL_VERSION`) of a validated counterparty."""
    attributes = cp.attributes
    return {
        "attributes": {k: _value(v) for k, v in attributes.items() if v is not None} if attributes else {},
        "id": cp.id,
        "incorporation": cp.incorporation,
        "operations": None if cp.operations is None else list(cp.operations),
        "owners": _items(cp.owners, True),
        "pep": cp.pep,
        "products": None if cp.products is None else list(cp.products),
        "sanctions_hit": cp.sanctions_hit,
        "trade_partners": _items(cp.trade_partners, False),
    }


_ATTRIBUTES = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def _text(number: float) -> str:
    return str(int(number)) if number.is_integer() else repr(number)


def _codes(codes: list[str] | None) -> str:
    # codes are validated ([A-Z0-9-] countries, digit HS codes): nothing in them needs escaping
    return "null" if codes is None else "[" + ",".join(['"' + c + '"' for c in codes]) + "]"


def _owners(items: Any) -> str:
    if items is None:
        return "null"
    parts = [
        f'{{"country":"{i.country}","name":{"null" if i.name is None else _string(i.name)},'
        f'"share":{_text(float(i.share))}}}'
        for i in items
    ]
    return "[" + ",".join(parts) + "]"


def _partners(items: Any) -> str:
    if items is None:
        return "null"
    return "[" + ",".join([f'{{"country":"{i.country}","share":{_text(float(i.share))}}}' for i in items]) + "]"


def canonical_json(cp: _Scored | Counterparty) -> str:
    """The canonical form as JSON text: the exact bytes (ASCII) the digest is taken of.

    Written directly (about twice as fast as ``json.dumps`` of :func:`canonical`, which the
    tests hold it equal to), since every :meth:`~riskscore.Policy.score` call digests its input."""
    attrs = cp.attributes
    inc = cp.incorporation
    attributes = _ATTRIBUTES.encode({k: _value(v) for k, v in attrs.items() if v is not None}) if attrs else "{}"
    return (
        f'{{"attributes":{attributes},"id":{_string(cp.id)},'
        f'"incorporation":{"null" if inc is None else chr(34) + inc + chr(34)},'
        f'"operations":{_codes(cp.operations)},"owners":{_owners(cp.owners)},'
        f'"pep":{"true" if cp.pep else "false"},"products":{_codes(cp.products)},'
        f'"sanctions_hit":{"true" if cp.sanctions_hit else "false"},'
        f'"trade_partners":{_partners(cp.trade_partners)}}}'
    )


def input_digest(cp: _Scored | Counterparty) -> str:
    """``"sha256:<hex>"`` of :func:`canonical_json` of a validated counterparty."""
    return DIGEST_PREFIX + hashlib.sha256(canonical_json(cp).encode("ascii")).hexdigest()


def record_digest(data: Any) -> str:
    """:func:`input_digest` of a record (a dict) that validates; raises CounterpartyError otherwise."""
    from .columns import fast_record  # columns -> batch -> engine import this module
    from .counterparty import parse_counterparty

    return input_digest(fast_record(data) or parse_counterparty(data))
