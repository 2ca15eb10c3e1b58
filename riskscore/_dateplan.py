"""The date's arrays for the column kernel, indexed by country and product number.

Every answer comes from the date's :class:`~riskscore._snapshot.Snapshot` (the row scorer's
answers), extended lazily as new codes are numbered, so both evaluators decide list
semantics the same way: risk points, ``country_in`` membership per spec, unknown statuses,
``product_in`` membership per spec.
"""

from __future__ import annotations

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


class DatePlan:
    """Everything the kernel needs for one as-of date: arrays indexed by country/product number."""

    def __init__(self, engine: Engine, as_of: date) -> None:
        self.engine = engine
        self.as_of = as_of
        self.risk = np.zeros(0)
        self.risk_rounded = True
        self._members: dict[Any, B] = {}
        self._products: dict[Any, B] = {}
        self._unknown = np.zeros(0, np.bool_)

    def country_risk(self) -> F64:
        """Risk points per country number."""
        codes = COUNTRIES.codes
        if len(self.risk) < len(codes):
            snap = self.engine.snapshot(self.as_of)
            extra = [snap.country(c).points for c in codes[len(self.risk) :]]
            self.risk = np.concatenate([self.risk, np.array(extra, np.float64)])
            self.risk_rounded = bool((rnd(self.risk) == self.risk).all())
        return self.risk

    def country_member(self, spec: CountryInSpec) -> B:
        """Per country number: is it (or its country) on one of ``spec``'s lists."""
        key = (tuple(spec.lists), None if spec.categories is None else tuple(spec.categories))
        codes = COUNTRIES.codes
        have = self._members.get(key, np.zeros(0, np.bool_))
        if len(have) < len(codes):
            extra = [self._listed(c, spec) for c in codes[len(have) :]]
            have = np.concatenate([have, np.array(extra, np.bool_)])
            self._members[key] = have
        return have

    def _listed(self, code: str, spec: CountryInSpec) -> bool:
        # the engine's answer (a subdivision matches through its own listing or its country's)
        return bool(self.engine.snapshot(self.as_of).matches(spec, code))

    def country_unknown(self) -> B:
        """Per country number: has it no recorded status, on the date, on a country-risk list
        without ``unknown_points``."""
        codes = COUNTRIES.codes
        have = self._unknown
        if len(have) < len(codes):
            snap = self.engine.snapshot(self.as_of)
            extra = [bool(snap.country(c).unknown) for c in codes[len(have) :]]
            have = self._unknown = np.concatenate([have, np.array(extra, np.bool_)])
        return have

    def product_member(self, spec: ProductInSpec) -> B:
        """Per product number: does the HS code match a listed entry of ``spec.list``."""
        key = (spec.list, None if spec.categories is None else tuple(spec.categories))
        codes = PRODUCTS.codes
        have = self._products.get(key, np.zeros(0, np.bool_))
        if len(have) < len(codes):
            extra = [self._product_listed(c, spec) for c in codes[len(have) :]]
            have = np.concatenate([have, np.array(extra, np.bool_)])
            self._products[key] = have
        return have

    def _product_listed(self, code: str, spec: ProductInSpec) -> bool:
        lst = self.engine.lists.get(spec.list)
        if lst is None:
            return False
        for _, m in self.engine.snapshot(self.as_of).product(lst, code):
            if m.period is not None and (spec.categories is None or m.period.category in spec.categories):
                return True
        return False


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
