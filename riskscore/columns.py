"""The columnar form of many counterparties: numpy arrays plus offsets for the ragged lists.

A :class:`Columns` holds ``n`` counterparties:

================  ===========================================================================
``ids``           ``list[str]`` of length ``n``
``incorporation`` ``int32[n]``: a country number (see :func:`country_numbers`), ``-1`` missing
``operations``    :class:`Ragged` of country numbers
``owners``        :class:`Ragged` of country numbers, with ``shares`` (``float64``)
``trade_partners`` :class:`Ragged` of country numbers, with ``shares``
``products``      :class:`Ragged` of product numbers (see :func:`product_numbers`)
``pep``           ``bool[n]``
``sanctions_hit`` ``bool[n]``
``attributes``    ``dict[str, object[n]]``: custom attribute values by name, ``None`` not given
================  ===========================================================================

A :class:`Ragged` stores row ``i``'s items at ``values[offsets[i]:offsets[i + 1]]``
(``offsets`` is ``int64[n + 1]``, starting at 0) and ``missing[i]`` says the field was not
provided (``None``), which the policy scores differently from an empty list.

Country and product numbers are process-wide: every canonical country code (``DE``,
``UA-43``) and HS code gets one small integer the first time it is seen, so compiled
policies can hold per-country arrays; another process numbers them in its own order, so a
:class:`Columns` pickles by codes and renumbers itself on load. Build columns with
:meth:`Columns.from_records`, :meth:`Columns.from_pandas` or :meth:`Columns.from_arrow`, or by
hand with :func:`country_numbers` and :func:`product_numbers`.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import chain, repeat
from operator import attrgetter, is_, itemgetter
from typing import Any

import numpy as np
import numpy.typing as npt

from .counterparty import (
    MAX_ATTRIBUTE_KEY,
    MAX_ATTRIBUTES,
    MAX_INT,
    MAX_ITEMS,
    MAX_TEXT,
    SHARE_TOLERANCE,
    Counterparty,
    Owner,
    TradePartner,
    parse_counterparty,
)
from .countries import known_countries, normalize_country
from .errors import CounterpartyError, CountryError, FieldIssue

__all__ = ["Columns", "Ragged", "country_codes", "country_numbers", "product_codes", "product_numbers"]

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]
Obj = npt.NDArray[np.object_]

MISSING = -1
_BAD = -2


class _Registry(dict[Any, int]):
    """Raw value -> number, normalising (and numbering) values the first time they are seen."""

    def __init__(self, normalize: Any, seed: Iterable[str] = ()) -> None:
        super().__init__()
        self.normalize = normalize
        self.codes: list[str] = []
        self.number: dict[str, int] = {}
        self.lock = threading.Lock()
        for code in seed:
            self[code] = self.add(code)
        self[None] = MISSING

    def add(self, code: str) -> int:
        found = self.number.get(code)
        if found is None:
            with self.lock:
                found = self.number.get(code)
                if found is None:
                    found = len(self.codes)
                    self.codes.append(code)
                    self.number[code] = found
        return found

    def __missing__(self, raw: Any) -> int:
        if type(raw) is not str or len(raw) > 100:
            return _BAD
        try:
            code = self.normalize(raw)
        except (CountryError, ValueError):
            if len(self) < 200_000:  # an unknown value is looked up (with its suggestions) once
                self[raw] = _BAD
            return _BAD
        number = self.add(code)
        if len(self) < 200_000:
            self[raw] = number
        return number


def _hs(raw: str) -> str:
    text = raw.replace(".", "").replace(" ", "")
    if not (2 <= len(text) <= 10 and len(text) % 2 == 0 and text.isascii() and text.isdigit()):
        raise ValueError(raw)
    return text


COUNTRIES = _Registry(normalize_country, known_countries())
PRODUCTS = _Registry(_hs)


def country_numbers(values: Iterable[Any]) -> I32:
    """Country numbers of country values (any form :func:`riskscore.normalize_country` takes).

    ``None`` gives ``-1`` (missing); an unknown country raises :class:`~riskscore.CountryError`.
    """
    out = np.fromiter(map(COUNTRIES.__getitem__, values), np.int32)
    if (out == _BAD).any():
        bad = [v for v in values if COUNTRIES[v] == _BAD] if isinstance(values, Sequence) else []
        if bad and isinstance(bad[0], str) and len(bad[0]) <= 100:
            normalize_country(bad[0])  # raises the precise error: unknown, or ambiguous with its candidates
        raise CountryError(bad[0] if bad else "?")
    return out


def country_codes(numbers: npt.ArrayLike) -> list[str | None]:
    """The canonical country codes of country numbers (``None`` for -1)."""
    codes = COUNTRIES.codes
    return [codes[int(i)] if i >= 0 else None for i in np.asarray(numbers).tolist()]


def product_numbers(values: Iterable[Any]) -> I32:
    """Product numbers of HS codes (2 to 10 digits; dots and spaces ignored)."""
    out = np.fromiter(map(PRODUCTS.__getitem__, values), np.int32)
    if (out < 0).any():
        raise ValueError("malformed HS code: 2 to 10 digits, even length")
    return out


def product_codes(numbers: npt.ArrayLike) -> list[str]:
    """The HS codes of product numbers."""
    codes = PRODUCTS.codes
    return [codes[int(i)] for i in np.asarray(numbers).tolist()]


@dataclass(frozen=True)
class Ragged:
    """One list field of many counterparties: flat ``values`` plus ``offsets`` and ``missing``."""

    values: I32
    offsets: I64
    missing: B
    shares: F64 | None = None

    @property
    def lengths(self) -> I64:
        """Items per row."""
        return np.diff(self.offsets)

    def rows(self) -> I64:
        """The row of every item."""
        return np.repeat(np.arange(len(self.missing), dtype=np.int64), self.lengths)

    def take(self, index: I64) -> Ragged:
        """The rows at ``index``, in that order."""
        lengths = self.lengths[index]
        offsets = np.zeros(len(index) + 1, np.int64)
        np.cumsum(lengths, out=offsets[1:])
        starts = np.repeat(self.offsets[:-1][index] - offsets[:-1], lengths)
        items = np.arange(offsets[-1], dtype=np.int64) + starts
        shares = None if self.shares is None else self.shares[items]
        return Ragged(self.values[items], offsets, self.missing[index], shares)

    @staticmethod
    def concat(parts: Sequence[Ragged]) -> Ragged:
        """Rows of ``parts`` one after the other."""
        if len(parts) == 1:
            return parts[0]
        lengths = np.concatenate([p.lengths for p in parts])
        offsets = np.zeros(len(lengths) + 1, np.int64)
        np.cumsum(lengths, out=offsets[1:])
        shares = None if parts[0].shares is None else np.concatenate([p.shares for p in parts if p.shares is not None])
        return Ragged(
            np.concatenate([p.values for p in parts]), offsets, np.concatenate([p.missing for p in parts]), shares
        )

    @classmethod
    def build(
        cls, lists: Sequence[Sequence[Any] | None], numbers: _Registry, shares: Sequence[float] | None = None
    ) -> Ragged:
        """From one list per row (``None`` = missing) of raw values, numbering them."""
        missing = np.fromiter(map(is_, lists, repeat(None)), np.bool_, len(lists))
        present = [x if x is not None else () for x in lists]
        offsets = np.zeros(len(lists) + 1, np.int64)
        np.cumsum(np.fromiter(map(len, present), np.int64, len(lists)), out=offsets[1:])
        values = np.fromiter(map(numbers.__getitem__, chain.from_iterable(present)), np.int32, int(offsets[-1]))
        share_array = None if shares is None else np.array(shares, np.float64)
        return cls(values, offsets, missing, share_array)


@dataclass(frozen=True)
class Columns:
    """Many counterparties as numpy arrays (see the module docstring for the layout)."""

    ids: list[str]
    incorporation: I32
    operations: Ragged
    owners: Ragged
    trade_partners: Ragged
    products: Ragged
    pep: B
    sanctions_hit: B
    owner_names: list[str | None] | None = field(default=None, compare=False)
    attributes: dict[str, Obj] = field(default_factory=dict, compare=False)

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_records(cls, records: Iterable[Counterparty | Mapping[str, Any]]) -> Columns:
        """Validate records (as :meth:`riskscore.Policy.score` does) and build columns.

        Raises :class:`~riskscore.CounterpartyError` for the first bad record (use
        :meth:`riskscore.Policy.score_many` with ``errors="collect"`` to keep going).
        """
        cols, errors, _ = build_columns(list(records))
        if errors:
            raise errors[0]
        return cols

    @classmethod
    def from_pandas(cls, frame: Any) -> Columns:
        """From a pandas DataFrame, read as :meth:`riskscore.Policy.score_many` reads it (docs/batch.md):
        nulls (NaN, None, pd.NA) as missing, lists of ``{"country", "share"}`` mappings for owners."""
        from ._intake import columns_of

        return columns_of(frame)

    @classmethod
    def from_arrow(cls, table: Any) -> Columns:
        """From a pyarrow Table or RecordBatch (lists of structs for owners and partners), read from its buffers."""
        from ._intake import columns_of

        return columns_of(table)

    def problems(self) -> list[tuple[int, str, str]]:
        """Rows that :meth:`riskscore.Policy.score` would refuse: ``(row, field path, message)``.

        Raises :class:`~riskscore.CounterpartyError` (code ``invalid``, no row index) when the
        arrays themselves are inconsistent (lengths, offsets, numbers that no country or product
        has in this process).
        """
        n = len(self.ids)  # ids are the caller's labels: not checked (no per-row work here)
        for name in ("incorporation", "pep", "sanctions_hit"):
            if len(getattr(self, name)) != n:
                raise _inconsistent(name, f"Columns.{name} has {len(getattr(self, name))} rows, not {n}")
        for key, column in self.attributes.items():
            if len(column) != n:
                raise _inconsistent("attributes", f"Columns.attributes[{key[:60]!r}] has {len(column)} rows, not {n}")
        inc = self.incorporation
        if n and (int(inc.min()) < MISSING or int(inc.max()) >= len(COUNTRIES.codes)):
            raise _inconsistent("incorporation", "Columns.incorporation " + _NOT_NUMBERS.format("country"))
        out: list[tuple[int, str, str]] = []
        for name in ("operations", "owners", "trade_partners", "products"):
            out += _ragged_problems(getattr(self, name), name, n)
        return sorted(out)

    def __getstate__(self) -> dict[str, Any]:
        """Pickle by codes: country and product numbers are this process's, so the state holds
        the codes of the numbers used and, in place of each number, its index in that table."""
        state = dict(self.__dict__)
        countries = [self.incorporation, self.operations.values, self.owners.values, self.trade_partners.values]
        country_table, local = _code_table(countries, COUNTRIES)
        state["incorporation"] = local[0]
        for name, values in zip(("operations", "owners", "trade_partners"), local[1:], strict=True):
            state[name] = replace(state[name], values=values)
        product_table, (products,) = _code_table([self.products.values], PRODUCTS)
        state["products"] = replace(self.products, values=products)
        state[_TABLES] = (country_table, product_table)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Renumber the codes of :meth:`__getstate__` into this process's registries."""
        state = dict(state)
        tables = state.pop(_TABLES, None)
        if tables is not None:  # a pickle by numbers (made before codes were stored) is taken as is
            countries = _renumber(tables[0], COUNTRIES)
            state["incorporation"] = countries[state["incorporation"]]
            for name in ("operations", "owners", "trade_partners"):
                state[name] = replace(state[name], values=countries[state[name].values])
            state["products"] = replace(
                state["products"], values=_renumber(tables[1], PRODUCTS)[state["products"].values]
            )
        self.__dict__.update(state)

    def take(self, index: I64) -> Columns:
        """The rows at ``index``, in that order."""
        ids = [self.ids[i] for i in index.tolist()]
        names = None
        if self.owner_names is not None:
            offs = self.owners.offsets.tolist()
            names = [n for i in index.tolist() for n in self.owner_names[offs[i] : offs[i + 1]]]
        return Columns(
            ids,
            self.incorporation[index],
            self.operations.take(index),
            self.owners.take(index),
            self.trade_partners.take(index),
            self.products.take(index),
            self.pep[index],
            self.sanctions_hit[index],
            names,
            {k: v[index] for k, v in self.attributes.items()},
        )

    @staticmethod
    def concat(parts: Sequence[Columns]) -> Columns:
        """Rows of ``parts`` one after the other."""
        if len(parts) == 1:
            return parts[0]
        names: list[str | None] | None = None
        if any(p.owner_names is not None for p in parts):
            names = []
            for p in parts:
                names.extend(p.owner_names if p.owner_names is not None else [None] * len(p.owners.values))
        return Columns(
            list(chain.from_iterable(p.ids for p in parts)),
            np.concatenate([p.incorporation for p in parts]),
            Ragged.concat([p.operations for p in parts]),
            Ragged.concat([p.owners for p in parts]),
            Ragged.concat([p.trade_partners for p in parts]),
            Ragged.concat([p.products for p in parts]),
            np.concatenate([p.pep for p in parts]),
            np.concatenate([p.sanctions_hit for p in parts]),
            names,
            _concat_attributes(parts),
        )

    def counterparty(self, i: int) -> Counterparty:
        """Row ``i`` as a :class:`~riskscore.Counterparty` (for explanations)."""
        codes = COUNTRIES.codes

        def items(r: Ragged) -> list[int] | None:
            return None if r.missing[i] else r.values[r.offsets[i] : r.offsets[i + 1]].tolist()

        def shares(r: Ragged) -> list[float]:
            assert r.shares is not None
            out: list[float] = r.shares[r.offsets[i] : r.offsets[i + 1]].tolist()
            return out

        ops, own, par, prod = (
            items(self.operations),
            items(self.owners),
            items(self.trade_partners),
            items(self.products),
        )
        names = self.owner_names
        start = int(self.owners.offsets[i])
        inc = int(self.incorporation[i])
        return Counterparty.model_construct(
            id=self.ids[i],
            incorporation=codes[inc] if inc >= 0 else None,
            operations=None if ops is None else [codes[c] for c in ops],
            owners=None
            if own is None
            else [
                Owner.model_construct(country=codes[c], share=s, name=names[start + k] if names else None)
                for k, (c, s) in enumerate(zip(own, shares(self.owners), strict=True))
            ],
            trade_partners=None
            if par is None
            else [
                TradePartner.model_construct(country=codes[c], share=s)
                for c, s in zip(par, shares(self.trade_partners), strict=True)
            ],
            products=None if prod is None else [PRODUCTS.codes[c] for c in prod],
            pep=bool(self.pep[i]),
            sanctions_hit=bool(self.sanctions_hit[i]),
            attributes={k: v[i] for k, v in self.attributes.items() if v[i] is not None},
        )


_NOT_NUMBERS = (
    "holds numbers that are not {} numbers of this process (make them with riskscore.columns."
    "country_numbers / product_numbers in the process that scores them; a pickled Columns renumbers itself)"
)
_TABLES = "_codes"


def _inconsistent(name: str, message: str) -> CounterpartyError:
    """The error for columns whose arrays are inconsistent (not a bad row): code ``invalid``, no index."""
    return CounterpartyError([FieldIssue(name, message, None, "invalid")])


def _ragged_problems(rag: Ragged, name: str, n: int) -> list[tuple[int, str, str]]:
    """Check one list field's arrays (raising) and return its bad rows (too many items, shares)."""
    limit = len(PRODUCTS.codes) if name == "products" else len(COUNTRIES.codes)
    offs = rag.offsets
    if len(offs) != n + 1 or len(rag.missing) != n or (n and int(offs[0]) != 0):
        raise _inconsistent(name, f"Columns.{name}: offsets must start at 0 and have n + 1 entries")
    lengths = np.diff(offs)
    if n and int(lengths.min()) < 0:
        raise _inconsistent(name, f"Columns.{name}: offsets must not decrease")
    values = rag.values
    if int(offs[-1]) != len(values):
        raise _inconsistent(name, f"Columns.{name}: the last offset is not the number of values")
    if len(values) and not 0 <= int(values.min()) <= int(values.max()) < limit:
        kind = "product" if name == "products" else "country"
        raise _inconsistent(name, f"Columns.{name}.values " + _NOT_NUMBERS.format(kind))
    out: list[tuple[int, str, str]] = []
    if n and int(lengths.max()) > MAX_ITEMS:
        out += [(i, name, f"more than {MAX_ITEMS} items") for i in np.flatnonzero(lengths > MAX_ITEMS).tolist()]
    if rag.missing.any() and (rag.missing & (lengths > 0)).any():
        raise _inconsistent(name, f"Columns.{name}: a row marked missing has items")
    if name in ("owners", "trade_partners"):
        out += _share_problems(rag, name)
    return out


def _code_table(arrays: Sequence[I32], registry: _Registry) -> tuple[list[str | int], list[I32]]:
    """The distinct numbers of ``arrays`` as a table (a code, or a number that has none: negative
    numbers are kept, numbers past the registry become ``-2``) and each array as indexes into it."""
    used, index = np.unique(np.concatenate([np.asarray(a, np.int64) for a in arrays]), return_inverse=True)
    codes = registry.codes
    table: list[str | int] = [codes[k] if 0 <= k < len(codes) else (k if k < 0 else _BAD) for k in used.tolist()]
    bounds = np.cumsum([len(a) for a in arrays])[:-1]
    return table, [part.astype(np.int32) for part in np.split(index.reshape(-1), bounds)]


def _renumber(table: Sequence[str | int], registry: _Registry) -> I32:
    """This process's number of every entry of a :func:`_code_table` table (codes registered as needed)."""
    return np.array([registry.add(c) if isinstance(c, str) else c for c in table], np.int32).reshape(-1)


def _concat_attributes(parts: Sequence[Columns]) -> dict[str, Obj]:
    out: dict[str, Obj] = {}
    for key in dict.fromkeys(k for p in parts for k in p.attributes):
        out[key] = np.concatenate([p.attributes.get(key, _nones(len(p))) for p in parts])
    return out


def _nones(n: int) -> Obj:
    return np.full(n, None, dtype=object)


def _attribute_columns(cps: Sequence[Counterparty], keep: Collection[str] | None) -> dict[str, Obj]:
    """Attribute columns of validated counterparties: the names in ``keep`` (None: every name given)."""
    names = keep if keep is not None else dict.fromkeys(k for cp in cps for k in cp.attributes)
    out: dict[str, Obj] = {}
    for key in names:
        column = _nones(len(cps))
        column[:] = [cp.attributes.get(key) for cp in cps]
        if keep is None or any(v is not None for v in column.tolist()):
            out[key] = column
    return out


# ---------------------------------------------------------------- building from records
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
    if shares.size == 0:
        return True
    if not (np.isfinite(shares).all() and shares.min() >= 0.0 and shares.max() <= 1.0):
        return False
    # reduceat over the non-empty rows only: an empty row's start would cut the sum of the
    # row before it (and at the end, a start past the last item is invalid)
    nonempty = np.diff(offsets) > 0
    sums = np.zeros(len(offsets) - 1)
    sums[nonempty] = np.add.reduceat(shares, offsets[:-1][nonempty])
    over = sums > 1.0 + SHARE_TOLERANCE - 1e-12
    if over.any():  # decide close calls exactly, as the validator does (math.fsum)
        for i in np.flatnonzero(over).tolist():
            if math.fsum(shares[offsets[i] : offsets[i + 1]].tolist()) > 1.0 + SHARE_TOLERANCE:
                return False
    return True


def _share_problems(rag: Ragged, name: str) -> list[tuple[int, str, str]]:
    """Rows whose shares are not numbers in 0..1 or sum to more than 1 (as the validator says)."""
    sh = rag.shares
    if sh is None or len(sh) != len(rag.values):
        raise _inconsistent(name, f"Columns.{name}: one share per item is needed")
    if not len(sh):
        return []
    offs = rag.offsets
    if not (np.isfinite(sh).all() and sh.min() >= 0.0 and sh.max() <= 1.0):
        bad = ~np.isfinite(sh) | (sh < 0.0) | (sh > 1.0)
        rows = np.unique(np.repeat(np.arange(len(offs) - 1), np.diff(offs))[bad])
        return [(i, name, "a share is not a number in 0..1") for i in rows.tolist()]
    cum = np.zeros(len(sh) + 1)
    np.cumsum(sh, out=cum[1:])
    sums = cum[offs[1:]] - cum[offs[:-1]]  # within a few ulps of the cumulative total
    margin = 1e-12 + 8 * np.finfo(np.float64).eps * float(cum[-1])
    out = []
    for i in np.flatnonzero(sums > 1.0 + SHARE_TOLERANCE - margin).tolist():
        total = math.fsum(sh[offs[i] : offs[i + 1]].tolist())
        if total > 1.0 + SHARE_TOLERANCE:
            out.append((i, name, f"the shares sum to {total:.10g}, more than 1"))
    return out


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


def _from_models(cps: list[Counterparty], keep: Collection[str] | None = None) -> Columns:
    """Columns from validated counterparties (no checks needed); ``keep``: attribute names to keep."""
    n = len(cps)
    g = attrgetter

    def ragged(key: str, with_shares: bool) -> Ragged:
        lists = list(map(g(key), cps))
        if not with_shares:
            return Ragged.build(lists, COUNTRIES if key != "products" else PRODUCTS)
        flat = list(chain.from_iterable(x or () for x in lists))
        rag = Ragged.build([None if x is None else list(map(g("country"), x)) for x in lists], COUNTRIES)
        return Ragged(rag.values, rag.offsets, rag.missing, np.array(list(map(g("share"), flat)), np.float64))

    owners = ragged("owners", True)
    flat_owners = list(chain.from_iterable(c.owners or () for c in cps))
    names = [o.name for o in flat_owners] if any(o.name for o in flat_owners) else None
    return Columns(
        list(map(g("id"), cps)),
        np.fromiter(map(COUNTRIES.__getitem__, map(g("incorporation"), cps)), np.int32, n),
        ragged("operations", False),
        owners,
        ragged("trade_partners", True),
        ragged("products", False),
        np.fromiter(map(g("pep"), cps), np.bool_, n),
        np.fromiter(map(g("sanctions_hit"), cps), np.bool_, n),
        names,
        _attribute_columns(cps, keep),
    )


def _slow(recs: Sequence[Any], start: int, errors: list[CounterpartyError]) -> list[Counterparty]:
    good: list[Counterparty] = []
    for k, rec in enumerate(recs):
        try:
            good.append(parse_counterparty(rec, start + k))
        except CounterpartyError as exc:
            exc.index = start + k
            errors.append(exc)
            good.append(None)  # type: ignore[arg-type]
    return good


CHUNK = 8192


def build_columns(
    records: Sequence[Any], attributes: Collection[str] | None = None
) -> tuple[Columns, list[CounterpartyError], I64]:
    """Validate and convert records to columns, keeping the custom ``attributes`` named (None: all).

    Returns the columns of the valid records, the errors of the others (``index`` set), and
    for each column row the index of its record.
    """
    parts: list[Columns] = []
    rows: list[I64] = []
    errors: list[CounterpartyError] = []

    def run(lo: int, hi: int) -> None:
        chunk = records[lo:hi]
        types = set(map(type, chunk))
        if types == {dict}:
            try:
                parts.append(_fast_dicts(chunk, attributes))  # type: ignore[arg-type]
                rows.append(np.arange(lo, hi, dtype=np.int64))
                return
            except _Slow:
                pass
        elif types == {Counterparty}:
            parts.append(_from_models(chunk, attributes))  # type: ignore[arg-type]
            rows.append(np.arange(lo, hi, dtype=np.int64))
            return
        if hi - lo > 16:
            mid = (lo + hi) // 2
            run(lo, mid)
            run(mid, hi)
            return
        parsed = _slow(chunk, lo, errors)
        keep = [k for k, cp in enumerate(parsed) if cp is not None]
        if keep:
            parts.append(_from_models([parsed[k] for k in keep], attributes))
            rows.append(np.array(keep, np.int64) + lo)

    for lo in range(0, len(records), CHUNK):
        run(lo, min(lo + CHUNK, len(records)))
    if not parts:
        empty = Ragged(np.zeros(0, np.int32), np.zeros(1, np.int64), np.zeros(0, np.bool_))
        shares = Ragged(empty.values, empty.offsets, empty.missing, np.zeros(0))
        none = np.zeros(0, np.bool_)
        return (
            Columns([], np.zeros(0, np.int32), empty, shares, shares, empty, none, none),
            errors,
            np.zeros(0, np.int64),
        )
    return Columns.concat(parts), errors, np.concatenate(rows)


# ---------------------------------------------------------------- one record, fast
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
