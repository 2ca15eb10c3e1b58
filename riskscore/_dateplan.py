"""The date's arrays for the column kernel, indexed by country and product number.

Every answer comes from the date's :class:`~riskscore._snapshot.Snapshot` (the row scorer's
answers), extended lazily as new codes are numbered, so both evaluators decide list
semantics the same way: risk points, ``country_in`` membership per spec, unknown statuses,
``product_in`` membership per spec.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ._arith import rnd
from ._condition_models import CountryInSpec, ProductInSpec
from .columns import COUNTRIES, PRODUCTS, Columns, Ragged

if TYPE_CHECKING:
    from .engine import Engine

__all__ = ["DatePlan", "date_plan", "row_codes"]

F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.integer[Any]]


class DatePlan:
    """Everything the kernel needs for one as-of date: arrays indexed by country/product number.

    Only the numbers a batch uses are computed (each once per date, from the snapshot's
    answers): every accessor takes the numbers its caller will index with, computes those
    not done yet, and returns an array that is right at them (other entries are zero). A
    ``country_in`` or ``product_in`` spec first asked for is computed for every number done
    so far. Thread-safe: values are written under a lock, and an array handed out is only
    ever written at entries its reader does not index.
    """

    def __init__(self, engine: Engine, as_of: date) -> None:
        self.engine = engine
        self.as_of = as_of
        self.risk = np.zeros(0)
        self.risk_rounded = True  # over every country done: never True when one is not rounded
        self._unknown = np.zeros(0, np.bool_)
        self._country_done = np.zeros(0, np.bool_)
        self._members: dict[Any, tuple[CountryInSpec, B]] = {}  # key -> the first spec asked, its array
        self._product_done = np.zeros(0, np.bool_)
        self._products: dict[Any, tuple[ProductInSpec, B]] = {}
        self._lock = threading.Lock()

    # -- countries
    def country_risk(self, numbers: Ints) -> F64:
        """Risk points per country number (right at ``numbers``)."""
        self._countries(numbers)
        return self.risk

    def country_unknown(self, numbers: Ints) -> B:
        """Per country number (right at ``numbers``): has it no recorded status, on the date,
        on a country-risk list without ``unknown_points``."""
        self._countries(numbers)
        return self._unknown

    def country_member(self, spec: CountryInSpec, numbers: Ints) -> B:
        """Per country number (right at ``numbers``): is it (or its country) on one of
        ``spec``'s lists."""
        key = (tuple(spec.lists), None if spec.categories is None else tuple(spec.categories))
        self._countries(numbers)
        got = self._members.get(key)
        if got is None:
            with self._lock:
                got = self._members.get(key)
                if got is None:
                    have = np.zeros(len(self._country_done), np.bool_)
                    snap = self.engine.snapshot(self.as_of)
                    codes = COUNTRIES.codes
                    for k in np.flatnonzero(self._country_done).tolist():
                        have[k] = bool(snap.matches(spec, codes[k]))
                    got = self._members[key] = (spec, have)
        return got[1]

    def _countries(self, numbers: Ints) -> None:
        done = self._country_done
        if len(done) == len(COUNTRIES.codes) and (len(numbers) == 0 or done[numbers].all()):
            return  # (arrays as long as the numbering: any number indexes them, e.g. -1 for none)
        with self._lock:
            self._grow_countries(len(COUNTRIES.codes))
            todo = _todo(numbers, self._country_done)
            if not todo:
                return
            snap = self.engine.snapshot(self.as_of)
            codes = COUNTRIES.codes
            specs = [(have, spec) for spec, have in self._members.values()]
            for k in todo:
                risk = snap.country(codes[k])
                self.risk[k] = risk.points
                self._unknown[k] = bool(risk.unknown)
                for have, spec in specs:
                    have[k] = bool(snap.matches(spec, codes[k]))
            new = self.risk[todo]
            self.risk_rounded = self.risk_rounded and bool((rnd(new) == new).all())
            self._country_done[todo] = True  # last: a reader that sees it done finds the values

    def _grow_countries(self, size: int) -> None:
        extra = size - len(self._country_done)
        if extra > 0:  # new arrays: those handed out before keep their (still right) entries
            self.risk = np.concatenate([self.risk, np.zeros(extra)])
            self._unknown = np.concatenate([self._unknown, np.zeros(extra, np.bool_)])
            for key, (spec, have) in self._members.items():
                self._members[key] = (spec, np.concatenate([have, np.zeros(extra, np.bool_)]))
            self._country_done = np.concatenate([self._country_done, np.zeros(extra, np.bool_)])

    # -- products
    def product_member(self, spec: ProductInSpec, numbers: Ints) -> B:
        """Per product number (right at ``numbers``): does the HS code match a listed entry of
        ``spec.list``."""
        key = (spec.list, None if spec.categories is None else tuple(spec.categories))
        got = self._products.get(key)
        done = self._product_done
        if got is not None and len(done) == len(PRODUCTS.codes) and (len(numbers) == 0 or done[numbers].all()):
            return got[1]
        with self._lock:
            self._grow_products(len(PRODUCTS.codes))
            got = self._products.get(key)
            if got is None:  # a new spec: every product done so far
                have = np.zeros(len(self._product_done), np.bool_)
                for k in np.flatnonzero(self._product_done).tolist():
                    have[k] = self._product_listed(PRODUCTS.codes[k], spec)
                got = self._products[key] = (spec, have)
            todo = _todo(numbers, self._product_done)
            for k in todo:
                for sp, arr in self._products.values():
                    arr[k] = self._product_listed(PRODUCTS.codes[k], sp)
            self._product_done[todo] = True
            return self._products[key][1]

    def _grow_products(self, size: int) -> None:
        extra = size - len(self._product_done)
        if extra > 0:
            self._product_done = np.concatenate([self._product_done, np.zeros(extra, np.bool_)])
            for k, (sp, arr) in self._products.items():
                self._products[k] = (sp, np.concatenate([arr, np.zeros(extra, np.bool_)]))

    def _product_listed(self, code: str, spec: ProductInSpec) -> bool:
        lst = self.engine.lists.get(spec.list)
        if lst is None:
            return False
        for _, m in self.engine.snapshot(self.as_of).product(lst, code):
            if m.period is not None and (spec.categories is None or m.period.category in spec.categories):
                return True
        return False


def _todo(numbers: Ints, done: B) -> list[int]:
    """The distinct numbers of ``numbers`` not done, ascending (a mark per number: no sort)."""
    mark = np.zeros(len(done), np.bool_)
    mark[numbers] = True
    out: list[int] = np.flatnonzero(mark & ~done).tolist()
    return out


def row_codes(cols: Columns, k: int, fields: Sequence[str]) -> list[list[str]]:
    """The country codes of column row ``k``, one list per field of ``fields``."""
    codes = COUNTRIES.codes
    out: list[list[str]] = []
    for name in fields:
        if name == "incorporation":
            inc = int(cols.incorporation[k])
            out.append([codes[inc]] if inc >= 0 else [])
        else:
            rag: Ragged = getattr(cols, name)
            out.append([codes[v] for v in rag.values[rag.offsets[k] : rag.offsets[k + 1]].tolist()])
    return out


def date_plan(engine: Engine, as_of: date) -> DatePlan:
    snap = engine.snapshot(as_of)
    if snap.batch is None:
        snap.batch = DatePlan(engine, as_of)
    plan: DatePlan = snap.batch
    return plan
