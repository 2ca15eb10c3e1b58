"""Country and product numbers: the process-wide registries behind :class:`riskscore.Columns`.

Every canonical country code (``DE``, ``UA-43``) and HS code gets one small integer the
first time this process sees it (:data:`COUNTRIES`, :data:`PRODUCTS`); :func:`country_numbers`,
:func:`product_numbers` and their inverses convert. Numbers mean nothing in another process:
:func:`_code_table` and :func:`_renumber` carry them across as codes (a pickled Columns).
Re-exported by :mod:`riskscore.columns`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from .countries import known_countries, normalize_country
from .errors import CounterpartyError, CountryError, FieldIssue

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
    """Product numbers of HS codes (2 to 10 digits; dots and spaces ignored).

    A value that is no HS code raises :class:`~riskscore.CounterpartyError` naming its
    position in ``values`` (``[3]: malformed HS code 'abc': ...``).
    """
    values = values if isinstance(values, Sequence) else list(values)
    out = np.fromiter(map(PRODUCTS.__getitem__, values), np.int32, len(values))
    if (out < 0).any():
        from .counterparty import malformed_hs  # here: the counterparty model needs no numbering at import

        i = int(np.flatnonzero(out < 0)[0])
        raise CounterpartyError([FieldIssue(f"[{i}]", malformed_hs(values[i]), values[i])])
    return out


def product_codes(numbers: npt.ArrayLike) -> list[str]:
    """The HS codes of product numbers."""
    codes = PRODUCTS.codes
    return [codes[int(i)] for i in np.asarray(numbers).tolist()]


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
