"""What depends only on the as-of date, for the row scorer: country risk, list answers, citations.

A :class:`Snapshot` per (policy, date) answers "what is this code's risk on this date and
why" once and caches it (bounded); :class:`riskscore._dateplan.DatePlan` turns the same
answers into arrays for the column kernel, so list semantics are decided in one place.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from ._arith import r9
from ._text import CACHE_LIMIT, RefKey, dedupe, fmt, keyed_refs, since
from .countries import country_name
from .lists import Entry, JurisdictionList, Membership, Status
from .policy_model import ListPoints
from .result import ResultWarning, SourceRef, no_history, stale_list, unknown_status

if TYPE_CHECKING:
    from .columns import Record, _Item
    from .conditions import CountryInSpec
    from .counterparty import Counterparty, Owner, TradePartner
    from .engine import Engine

__all__ = ["CountryRisk", "Snapshot", "country_risk", "unknown_warnings"]


class CountryRisk:
    """Risk points of one code on one date, with the list hits and unknowns behind them."""

    __slots__ = ("_refs", "_text", "assumed", "code", "hits", "name", "points", "points_text", "unknown")

    def __init__(
        self,
        code: str,
        points: float,
        hits: list[tuple[float, Membership]],
        unknown: list[str],
        assumed: list[tuple[str, float]],
    ) -> None:
        self.code = code
        self.points = points
        self.hits = hits
        self.unknown = unknown
        self.assumed = assumed
        self.name = country_name(code)
        self.points_text = fmt(points)
        self._text: str | None = None
        self._refs: tuple[list[tuple[RefKey, SourceRef]], list[tuple[RefKey, SourceRef]]] | None = None

    def describe(self) -> str:
        """``'FATF increased monitoring (2023-06-23)'``-style text of the deciding lists."""
        if self._text is None:
            parts = [
                f"{m.list.title}{f' [{m.period.category}]' if m.period and m.period.category else ''}"
                f" {since(m.period.listed) if m.period else 'since ?'}"
                for _, m in self.hits
            ]
            parts += [
                f"status unknown on '{lid}' (policy assumes {fmt(pts)} points)" for lid, pts in self.assumed if pts > 0
            ]
            self._text = "; ".join(parts) if parts else "on no applied list (baseline)"
        return self._text

    def refs(self) -> tuple[list[tuple[RefKey, SourceRef]], list[tuple[RefKey, SourceRef]]]:
        """Keyed citations of all hits, and of the deciding (first) hit only."""
        if self._refs is None:
            self._refs = (
                keyed_refs(m for _, m in self.hits),
                keyed_refs(m for _, m in self.hits[:1]),
            )
        return self._refs


class Snapshot:
    """Everything that depends only on the date: country risk, list answers, citations, texts."""

    def __init__(self, engine: Engine, as_of: date) -> None:
        self.as_of = as_of
        self.engine = engine
        self.risk: dict[str, CountryRisk] = {}
        self.lock = threading.Lock()
        self.batch: Any = None  # the date's column arrays (riskscore._dateplan.DatePlan), built on first use
        self.listed: dict[tuple[str, str], list[Membership]] = {}
        self.products: dict[tuple[str, str], list[tuple[Entry, Membership]]] = {}
        self.keyed: dict[int, list[tuple[RefKey, SourceRef]]] = {}
        self.memo: dict[Any, Any] = {}
        self.warnings = [
            stale_list(lst.id, lst.reviewed, lst.review_horizon, as_of)
            for lst in engine.applied_lists
            if as_of > lst.review_horizon
        ]
        # country-risk lists without unknown_points whose status may be UNKNOWN on this date
        self.unknown_lists = [
            lst for lp, lst in engine.mappings if lp.unknown_points is None and lst.may_be_unknown(as_of)
        ]
        # Lists used only by conditions (product lists, say) report unknown dates here, since
        # no country-risk lookup does it for them.
        risk_lists = {lst.id for _, lst in engine.mappings}
        self.warnings += [
            no_history(lst.id, lst.history_from, as_of)
            for lst in engine.applied_lists
            if lst.id not in risk_lists and as_of < lst.history_from
        ]

    def country(self, code: str) -> CountryRisk:
        found = self.risk.get(code)
        if found is None:
            found = country_risk(self.engine, code, self.as_of)
            with self.lock:
                self.risk[code] = found
        return found

    def members(self, lst: JurisdictionList, code: str) -> list[Membership]:
        """The LISTED memberships of ``code`` and, for a subdivision, of its country on ``lst``."""
        key = (lst.id, code)
        found = self.listed.get(key)
        if found is None:
            found = [m for m in lst.inherited(code, self.as_of) if m.status is Status.LISTED and m.period is not None]
            if len(self.listed) < CACHE_LIMIT:
                self.listed[key] = found
        return found

    def matches(self, spec: CountryInSpec, code: str) -> list[tuple[JurisdictionList, Membership]]:
        """The lists of a ``country_in`` (applied ones, category filter included) that ``code`` is on."""
        key = ("in", id(spec), code)  # specs live as long as the compiled policy
        found: list[tuple[JurisdictionList, Membership]] | None = self.memo.get(key)
        if found is None:
            found = []
            for list_id in spec.lists:
                lst = self.engine.lists.get(list_id)
                if lst is None:  # issued by an authority the policy does not apply
                    continue
                # a subdivision matches through its own listing or its country's, whichever passes
                m = next(
                    (
                        x
                        for x in self.members(lst, code)
                        if x.period is not None and (spec.categories is None or x.period.category in spec.categories)
                    ),
                    None,
                )
                if m is not None:
                    found.append((lst, m))
            if len(self.memo) < CACHE_LIMIT:
                self.memo[key] = found
        return found

    def product(self, lst: JurisdictionList, code: str) -> list[tuple[Entry, Membership]]:
        """Listed entries of a product list matching an HS code."""
        key = (lst.id, code)
        found = self.products.get(key)
        if found is None:
            found = []
            for entry in lst.product_entries(code):
                m = lst.status(entry.code, self.as_of)
                if m.status is Status.LISTED and m.period is not None:
                    found.append((entry, m))
            if len(self.products) < CACHE_LIMIT:
                self.products[key] = found
        return found

    def refs(self, memberships: list[Membership]) -> list[SourceRef]:
        """Citations of memberships handed out by this snapshot (cached per membership)."""
        keyed: list[tuple[RefKey, SourceRef]] = []
        for m in memberships:
            got = self.keyed.get(id(m))
            if got is None:
                got = keyed_refs((m,))
                if len(self.keyed) < CACHE_LIMIT:
                    self.keyed[id(m)] = got
                    self.memo[("keep", id(m))] = m  # keep m alive so its id stays unique
            keyed.extend(got)
        return dedupe(keyed)


def country_risk(engine: Engine, code: str, as_of: date) -> CountryRisk:
    """Risk points of a canonical code on a date: the max over applied lists."""
    hits: list[tuple[float, Membership]] = []
    unknown: list[str] = []
    assumed: list[tuple[str, float]] = []
    best = engine.model.country_risk.baseline
    for lp, lst in engine.mappings:
        found = lst.inherited(code, as_of)
        m = found[0]
        if m.status is Status.LISTED:
            # a subdivision listed itself and through its country: the more severe counts
            pts, m = max(((list_points(lp, x), x) for x in found), key=lambda h: h[0])
            hits.append((pts, m))
            best = max(best, pts)
        elif m.status is Status.UNKNOWN:
            if lp.unknown_points is None:
                unknown.append(lst.id)
            else:
                assumed.append((lst.id, lp.unknown_points))
                best = max(best, lp.unknown_points)
    hits.sort(key=lambda h: -h[0])
    return CountryRisk(code, best, hits, unknown, assumed)


def list_points(lp: ListPoints, m: Membership) -> float:
    """The points a listing gives under a ``country_risk.lists`` mapping."""
    assert m.period is not None
    if m.period.category is not None and m.period.category in lp.category_points:
        return lp.category_points[m.period.category]
    if lp.points_per_unit is not None and m.period.value is not None:
        return min(100.0, r9(m.period.value * lp.points_per_unit))
    return lp.points


def country_codes(cp: Counterparty | Record, field: str) -> list[str]:
    """The country codes of one field of a counterparty, in order."""
    if field == "incorporation":
        return [cp.incorporation] if cp.incorporation else []
    if field == "operations":
        return list(cp.operations or ())
    items: Sequence[Owner | TradePartner | _Item] = getattr(cp, field) or ()
    return [item.country for item in items]


def unknown_warnings(snap: Snapshot, codes_by_field: Iterable[Sequence[str]]) -> list[ResultWarning]:
    """One ``unknown-status`` warning per list with no recorded status on the date for a
    country of a field whose risk the policy reads (``Engine.risk_fields``, whether or not a
    short-circuited condition read it), naming those countries in field order.
    ``score`` and ``BatchResult.row_warnings`` both call this."""
    found: dict[str, list[str]] = {}
    for codes_of_field in codes_by_field:
        for code in codes_of_field:
            for list_id in snap.country(code).unknown:
                codes = found.setdefault(list_id, [])
                if code not in codes:
                    codes.append(code)
    lists = snap.engine.lists
    return [unknown_status(list_id, lists[list_id].history_from, snap.as_of, codes) for list_id, codes in found.items()]
