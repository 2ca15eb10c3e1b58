"""The scoring engine: one counterparty, one policy, one date -> a :class:`Result`.

Arithmetic (see docs/scoring.md): every aggregate (an exposure sum, a factor value, the
score) is rounded to :data:`PRECISION` (9) decimal places with Python's ``round``; a
contribution's ``weighted`` is ``weight * points`` unrounded and the score is the rounded
``math.fsum`` of them, so contributions add up to the score exactly at that precision;
comparisons use rounded values, so real-world round percentages land on
thresholds instead of a binary-float hair below them. A score exactly at a tier's
minimum belongs to that (higher) tier.
"""

from __future__ import annotations

import math
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel

from ._data_versions import data_versions
from ._digest import CANONICAL_VERSION, input_digest
from ._display import num, pct
from ._version import __version__
from .attributes import attribute_gaps, counterparty_issues
from .columns import Record, _Item
from .conditions import PRECISION, CountryInSpec, Matched, Node, ProductInSpec, RiskRef, compile_condition, operands
from .counterparty import Counterparty, Owner, TradePartner
from .countries import country_name
from .errors import CounterpartyError, FieldIssue
from .lists import Entry, Event, JurisdictionList, Membership, Status
from .policy_model import (
    ConditionRule,
    CountryRiskRule,
    ExposureRule,
    ListPoints,
    OwnershipRule,
    PolicyModel,
    Rule,
)
from .result import (
    AppliedOverride,
    Contribution,
    FactItem,
    Result,
    ResultWarning,
    SourceRef,
    format_since,
    no_history,
    stale_list,
    unknown_possible,
    unknown_scored,
    unknown_status,
)

__all__ = ["MAX_FACTS", "CountryRisk", "Engine"]

MAX_FACTS = 20
"""Most facts a rule, or one ``country_in``/``product_in`` condition, lists; the rest are
counted in a last fact ``... and N more`` (their citations are all kept)."""
MAX_NAMED = 5
"""Most owners named in one aggregated ownership fact or reason; the rest are counted."""

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def _r(x: float) -> float:
    return round(x, PRECISION) + 0.0  # + 0.0 turns -0.0 into 0.0


def _render(template: str, values: dict[str, Any]) -> str:
    return _PLACEHOLDER.sub(lambda m: _fmt(values.get(m.group(1), m.group(0))), template)


class _Template:
    """A reason template split once into literal text and placeholders (fast to fill)."""

    __slots__ = ("parts",)

    def __init__(self, template: str) -> None:
        pieces = _PLACEHOLDER.split(template)
        self.parts = [(pieces[i], pieces[i + 1] if i + 1 < len(pieces) else None) for i in range(0, len(pieces), 2)]

    def render(self, values: dict[str, Any]) -> str:
        out = []
        for literal, name in self.parts:
            out.append(literal)
            if name is not None:
                out.append(_fmt(values[name]) if name in values else "{" + name + "}")
        return "".join(out)


def _capped(facts: list[str]) -> list[str]:
    """``facts`` cut to :data:`MAX_FACTS`, the rest counted in a last ``... and N more`` fact."""
    if len(facts) <= MAX_FACTS:
        return facts
    return [*facts[:MAX_FACTS], f"... and {len(facts) - MAX_FACTS} more"]


def _named(labels: list[str]) -> str:
    """Up to :data:`MAX_NAMED` labels joined, the rest counted."""
    if len(labels) <= MAX_NAMED:
        return ", ".join(labels)
    return ", ".join(labels[:MAX_NAMED]) + f" and {len(labels) - MAX_NAMED} more"


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return num(value)  # the display rule of riskscore._display
    return str(value)


_SINGULAR = {"owners": "owner", "trade_partners": "trade partner"}


def _who(field: str, i: int, name: str | None = None) -> str:
    """``owner 'Volga Holding'``, ``owner #1`` or ``trade partner #2``: by name, else by position."""
    return f"{_SINGULAR[field]} '{name}'" if name else f"{_SINGULAR[field]} #{i + 1}"


def _item(
    field: str,
    index: int | None,
    code: str,
    fact: int | None,
    *,
    name: str | None = None,
    share: float | None = None,
    points: float | None = None,
    lists: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The values of a :class:`FactItem` (built by :func:`_items` once the facts are final)."""
    return {
        "field": field,
        "index": index,
        "code": code,
        "name": name,
        "share": share,
        "points": points,
        "lists": lists,
        "fact": fact if fact is not None and fact < MAX_FACTS else None,
    }


_SET = object.__setattr__
M = TypeVar("M", bound=BaseModel)


def _maker(cls: type[M]) -> Callable[[dict[str, Any]], M]:
    """A builder of ``cls`` from values the engine has already validated (no re-validation).

    Equivalent to ``cls.model_construct(**values)`` with every field given, at a fraction of
    the cost; the result models have no private attributes, extras or post-init hooks.
    """
    new = cls.__new__
    fields = set(cls.model_fields)
    slots = BaseModel.__dict__  # BaseModel's slot descriptors: faster than object.__setattr__
    set_fields = slots["__pydantic_fields_set__"].__set__
    set_extra = slots["__pydantic_extra__"].__set__
    set_private = slots["__pydantic_private__"].__set__

    def make(values: dict[str, Any]) -> M:
        model = new(cls)
        _SET(model, "__dict__", values)
        set_fields(model, fields)
        set_extra(model, None)
        set_private(model, None)
        return model

    return make


_source_ref = _maker(SourceRef)
_fact_item = _maker(FactItem)


def _items(values: list[dict[str, Any]]) -> list[FactItem] | None:
    return [_fact_item(v) for v in values] if values else None


_new_contribution = _maker(Contribution)
_applied_override = _maker(AppliedOverride)
_result = _maker(Result)


RefKey = tuple[str, str, str]
_Fired = tuple[float, str, list[str], list[SourceRef], list[FactItem] | None]
"""A fired rule's points, reason, facts, sources and items."""


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
        self.points_text = _fmt(points)
        self._text: str | None = None
        self._refs: tuple[list[tuple[RefKey, SourceRef]], list[tuple[RefKey, SourceRef]]] | None = None

    def describe(self) -> str:
        """``'FATF increased monitoring (2023-06-23)'``-style text of the deciding lists."""
        if self._text is None:
            parts = [
                f"{m.list.title}{f' [{m.period.category}]' if m.period and m.period.category else ''}"
                f" {_since(m.period.listed) if m.period else 'since ?'}"
                for _, m in self.hits
            ]
            parts += [
                f"status unknown on '{lid}' (policy assumes {_fmt(pts)} points)" for lid, pts in self.assumed if pts > 0
            ]
            self._text = "; ".join(parts) if parts else "on no applied list (baseline)"
        return self._text

    def refs(self) -> tuple[list[tuple[RefKey, SourceRef]], list[tuple[RefKey, SourceRef]]]:
        """Keyed citations of all hits, and of the deciding (first) hit only."""
        if self._refs is None:
            self._refs = (
                _keyed_refs(m for _, m in self.hits),
                _keyed_refs(m for _, m in self.hits[:1]),
            )
        return self._refs


def _since(event: Event) -> str:
    """``since 2011 (year)``, ``listed on or before 2022-01-01``..., with a non-confirmed mark."""
    mark = f" [confidence: {event.confidence}]" if event.confidence != "confirmed" else ""
    return format_since(event.date, event.precision) + mark


def _keyed_refs(memberships: Iterable[Membership]) -> list[tuple[RefKey, SourceRef]]:
    out: list[tuple[RefKey, SourceRef]] = []
    for m in memberships:
        if m.entry is None or m.period is None:
            continue
        event = m.period.listed
        for sid in (event.source, *event.see_also):
            src = m.list.source(sid)
            ref = _source_ref(
                {
                    "title": src.title,
                    "url": src.url,
                    "list_id": m.list.id,
                    "authority": m.list.authority,
                    "code": m.entry.code,
                    "category": m.period.category,
                    "listed_on": event.date,
                    "date_precision": event.precision,
                    "confidence": event.confidence,
                },
            )
            out.append(((m.list.id, m.entry.code, sid), ref))
    return out


def _dedupe(keyed: Iterable[tuple[RefKey, SourceRef]]) -> list[SourceRef]:
    out: list[SourceRef] = []
    seen: set[RefKey] = set()
    for key, ref in keyed:
        if key not in seen:
            seen.add(key)
            out.append(ref)
    return out


_CACHE_LIMIT = 100_000


class _Snapshot:
    """Everything that depends only on the date: country risk, list answers, citations, texts."""

    def __init__(self, engine: Engine, as_of: date) -> None:
        self.as_of = as_of
        self.engine = engine
        self.risk: dict[str, CountryRisk] = {}
        self.lock = threading.Lock()
        self.batch: Any = None  # the compiled arrays of riskscore.batch, built on first use
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
            found = self.engine.country_risk(code, self.as_of)
            with self.lock:
                self.risk[code] = found
        return found

    def members(self, lst: JurisdictionList, code: str) -> list[Membership]:
        """The LISTED memberships of ``code`` and, for a subdivision, of its country on ``lst``."""
        key = (lst.id, code)
        found = self.listed.get(key)
        if found is None:
            found = [m for m in lst.inherited(code, self.as_of) if m.status is Status.LISTED and m.period is not None]
            if len(self.listed) < _CACHE_LIMIT:
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
            if len(self.memo) < _CACHE_LIMIT:
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
            if len(self.products) < _CACHE_LIMIT:
                self.products[key] = found
        return found

    def refs(self, memberships: list[Membership]) -> list[SourceRef]:
        """Citations of memberships handed out by this snapshot (cached per membership)."""
        keyed: list[tuple[RefKey, SourceRef]] = []
        for m in memberships:
            got = self.keyed.get(id(m))
            if got is None:
                got = _keyed_refs((m,))
                if len(self.keyed) < _CACHE_LIMIT:
                    self.keyed[id(m)] = got
                    self.memo[("keep", id(m))] = m  # keep m alive so its id stays unique
            keyed.extend(got)
        return _dedupe(keyed)


class Engine:
    """A compiled policy: immutable after construction and safe to share across threads."""

    def __init__(
        self,
        model: PolicyModel,
        lists: dict[str, JurisdictionList],
        fingerprint: str,
        authorities: list[str],
    ) -> None:
        self.model = model
        self.lists = lists
        self.fingerprint = fingerprint
        self.authorities = authorities
        self.mappings: list[tuple[ListPoints, JurisdictionList]] = [
            (lp, lists[lp.list]) for lp in model.country_risk.lists if lp.list in lists
        ]
        self.applied_lists = [lst for _, lst in self.mappings]
        self.risk_fields = _risk_fields(model)
        seen = {lst.id for lst in self.applied_lists}
        for lst in lists.values():
            if lst.id not in seen:
                self.applied_lists.append(lst)
                seen.add(lst.id)
        self.conditions: dict[str, Node] = {}
        for factor in model.factors:
            for rule in factor.rules:
                if isinstance(rule, ConditionRule):
                    self.conditions[rule.id] = compile_condition(rule.when)
        self.override_nodes = [compile_condition(o.when) for o in model.overrides]
        self.attribute_specs = model.attributes
        self.attribute_gaps = attribute_gaps(model)
        order = {"add": 0, "cap": 1, "floor": 2, "prohibit": 3}
        self.override_order = sorted(range(len(model.overrides)), key=lambda i: order[model.overrides[i].action])
        self.tiers = sorted(model.tiers, key=lambda t: t.min)
        self.templates: dict[str, _Template] = {}
        self.citations: dict[str, list[SourceRef]] = {}
        for factor in model.factors:
            for rule in factor.rules:
                self.templates[rule.id] = _Template(rule.reason)
                self.citations[rule.id] = [_source_ref(_citation(c.title, c.url)) for c in rule.sources]
        self.override_citations = [[_source_ref(_citation(c.title, c.url)) for c in o.sources] for o in model.overrides]
        self.tier_min = {t.id: t.min for t in self.tiers}
        self.batch_fallback: str | None
        self._snapshots: OrderedDict[date, _Snapshot] = OrderedDict()
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        """Pickle without the per-date caches and locks (they are rebuilt on demand)."""
        state = self.__dict__.copy()
        del state["_snapshots"], state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._snapshots = OrderedDict()
        self._lock = threading.Lock()

    # ------------------------------------------------------------ dates and countries
    def date_warnings(self, as_of: date) -> list[ResultWarning]:
        """Warnings that hold for every result on ``as_of`` plus, for bulk output without
        per-row warnings, the country-risk lists whose status may be unknown on that date."""
        snap = self.snapshot(as_of)
        scored = [
            unknown_scored(lst.id, lst.history_from, as_of, lp.unknown_points)
            for lp, lst in self.mappings
            if lp.unknown_points and as_of < lst.history_from
        ]
        return (
            snap.warnings
            + [unknown_possible(lst.id, lst.history_from, lst.coverage, as_of) for lst in snap.unknown_lists]
            + scored
        )

    def snapshot(self, as_of: date) -> _Snapshot:
        """The per-date country-risk cache (the 64 most recent dates are kept)."""
        snap = self._snapshots.get(as_of)
        if snap is None:
            with self._lock:
                snap = self._snapshots.get(as_of)
                if snap is None:
                    snap = _Snapshot(self, as_of)
                    self._snapshots[as_of] = snap
                    while len(self._snapshots) > 64:
                        self._snapshots.popitem(last=False)
        return snap

    def country_risk(self, code: str, as_of: date) -> CountryRisk:
        """Risk points of a canonical code on a date: the max over applied lists."""
        hits: list[tuple[float, Membership]] = []
        unknown: list[str] = []
        assumed: list[tuple[str, float]] = []
        best = self.model.country_risk.baseline
        for lp, lst in self.mappings:
            found = lst.inherited(code, as_of)
            m = found[0]
            if m.status is Status.LISTED:
                # a subdivision listed itself and through its country: the more severe counts
                pts, m = max(((self._list_points(lp, x), x) for x in found), key=lambda h: h[0])
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

    @staticmethod
    def _list_points(lp: ListPoints, m: Membership) -> float:
        assert m.period is not None
        if m.period.category is not None and m.period.category in lp.category_points:
            return lp.category_points[m.period.category]
        if lp.points_per_unit is not None and m.period.value is not None:
            return min(100.0, _r(m.period.value * lp.points_per_unit))
        return lp.points

    def warnings(self, snap: _Snapshot, cp: Counterparty | Record) -> list[ResultWarning]:
        """The warnings of a result: the date's, and the unknown statuses of ``cp``'s countries."""
        if not snap.unknown_lists:
            return list(snap.warnings)
        return snap.warnings + unknown_warnings(snap, (country_codes(cp, f) for f in self.risk_fields))

    def tier_of(self, score: float) -> str:
        """The tier of a score: the highest tier whose minimum is <= the rounded score."""
        s = _r(score)
        tier = self.tiers[0].id
        for t in self.tiers:
            if s >= t.min:
                tier = t.id
        return tier

    # ------------------------------------------------------------ scoring
    def score(self, cp: Counterparty | Record, as_of: date) -> Result:
        """Score one validated counterparty on ``as_of``."""
        if self.attribute_specs is not None:
            issues = counterparty_issues(self.attribute_specs, cp.attributes)
            if issues:
                raise CounterpartyError(issues)
        snap = self.snapshot(as_of)
        ctx = _Context(self, snap, cp)
        contributions: list[Contribution] = []
        for factor in self.model.factors:
            fired: list[tuple[Rule, _Fired]] = []
            for rule in factor.rules:
                got = ctx.evaluate(rule)
                if got is not None:
                    fired.append((rule, got))
            weight = factor.weight
            if factor.combine == "max":
                value = max((f[1][0] for f in fired), default=0.0)
                winner = next((i for i, f in enumerate(fired) if f[1][0] == value), -1)
                for i, (rule, got) in enumerate(fired):
                    counted = got[0] if i == winner else 0.0
                    contributions.append(_contribution(rule.id, factor.id, weight, counted, got))
            else:
                total = 0.0
                for rule, got in fired:
                    counted = _r(min(got[0], 100.0 - total))
                    total = _r(total + counted)
                    contributions.append(_contribution(rule.id, factor.id, weight, counted, got))
                value = total
            ctx.factors[factor.id] = _r(value)
        weighted = min(100.0, _r(math.fsum([c.weighted for c in contributions])))
        ctx.weighted = weighted
        tier_before = self.tier_of(weighted)
        score, tier = weighted, tier_before
        applied: list[AppliedOverride] = []
        for i in self.override_order:
            ov = self.model.overrides[i]
            out = Matched()
            if not self.override_nodes[i].test(ctx, out):
                continue
            new_score = score
            if ov.action == "prohibit":
                new_score = 100.0
            elif ov.action == "add":
                assert ov.points is not None
                new_score = min(100.0, max(0.0, _r(score + ov.points)))
            elif ov.action == "cap":
                assert ov.score is not None
                new_score = min(score, ov.score)
            elif ov.tier is not None:
                new_score = max(score, self.tier_min[ov.tier])
            else:
                assert ov.score is not None
                new_score = max(score, ov.score)
            new_tier = self.tiers[-1].id if ov.action == "prohibit" else self.tier_of(new_score)
            sources = snap.refs(out.memberships) + self.override_citations[i]
            applied.append(
                _applied_override(
                    {
                        "override_id": ov.id,
                        "action": ov.action,
                        "rationale": ov.rationale,
                        "score_before": score,
                        "score_after": new_score,
                        "tier_before": tier,
                        "tier_after": new_tier,
                        "facts": out.facts,
                        "sources": sources,
                        "items": _items(out.items),
                    },
                )
            )
            score, tier = new_score, new_tier
        return _result(
            {
                "counterparty_id": cp.id,
                "score": score,
                "tier": tier,
                "score_before_overrides": weighted,
                "tier_before_overrides": tier_before,
                "factors": ctx.factors,
                "contributions": contributions,
                "overrides": applied,
                "warnings": self.warnings(snap, cp),
                "as_of": as_of,
                "policy_id": self.model.id,
                "policy_version": self.model.version,
                "fingerprint": self.fingerprint,
                "authorities": list(self.authorities),
                "engine_version": __version__,
                "data_versions": data_versions(),
                "input_digest": input_digest(cp),
                "input_canonical_version": CANONICAL_VERSION,
            },
        )


_COUNTRY_FIELDS = ("incorporation", "operations", "owners", "trade_partners")


def _risk_fields(model: PolicyModel) -> tuple[str, ...]:
    """The counterparty fields whose country risk the policy reads: by a country-risk,
    ownership or exposure rule, or a ``{risk: field}`` operand (in any rule or override)."""
    read: set[str] = set()
    whens = [o.when for o in model.overrides]
    for factor in model.factors:
        for rule in factor.rules:
            if isinstance(rule, CountryRiskRule | ExposureRule):
                read.add(rule.field)
            elif isinstance(rule, OwnershipRule):
                read.add("owners")
            elif isinstance(rule, ConditionRule):
                whens.append(rule.when)
    read |= {op.risk for when in whens for op in operands(when) if isinstance(op, RiskRef)}
    return tuple(f for f in _COUNTRY_FIELDS if f in read)


def country_codes(cp: Counterparty | Record, field: str) -> list[str]:
    """The country codes of one field of a counterparty, in order."""
    if field == "incorporation":
        return [cp.incorporation] if cp.incorporation else []
    if field == "operations":
        return list(cp.operations or ())
    items: Sequence[Owner | TradePartner | _Item] = getattr(cp, field) or ()
    return [item.country for item in items]


def unknown_warnings(snap: _Snapshot, codes_by_field: Iterable[Sequence[str]]) -> list[ResultWarning]:
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


def _citation(title: str, url: str | None) -> dict[str, Any]:
    return {
        "title": title,
        "url": url,
        "list_id": None,
        "authority": None,
        "code": None,
        "category": None,
        "listed_on": None,
        "date_precision": None,
        "confidence": "confirmed",
    }


def _contribution(rule_id: str, factor: str, weight: float, counted: float, got: _Fired) -> Contribution:
    return _new_contribution(
        {
            "rule_id": rule_id,
            "factor": factor,
            "points": got[0],
            "weight": weight,
            "weighted": weight * counted,
            "reason": got[1],
            "facts": got[2],
            "sources": got[3],
            "items": got[4],
        },
    )


_COUNTRY_FIELDS = ("incorporation", "operations", "owners", "trade_partners")


class _Context:
    """Per-call state: the counterparty, the date's snapshot and factor values so far."""

    __slots__ = ("cp", "engine", "factors", "fields", "snap", "weighted")

    def __init__(self, engine: Engine, snap: _Snapshot, cp: Counterparty | Record) -> None:
        self.engine = engine
        self.snap = snap
        self.cp = cp
        self.factors: dict[str, float] = {}
        self.weighted = 0.0
        self.fields: dict[str, list[tuple[str, float | None]]] = {}  # country_in's items per field

    def _field_items(self, field: str) -> list[tuple[str, float | None]]:
        """The (country, share) items of ``field`` (operations without repeats), built once per call."""
        items = self.fields.get(field)
        if items is None:
            items = self._countries(field)
            if field == "operations":
                items = list(dict.fromkeys(items))  # a repeated country matches no more
            self.fields[field] = items
        return items

    # -- helpers
    def _risk(self, code: str) -> CountryRisk:
        return self.snap.country(code)

    def _countries(self, name: str) -> list[tuple[str, float | None]]:
        cp = self.cp
        if name == "incorporation":
            return [(cp.incorporation, None)] if cp.incorporation else []
        if name == "operations":
            return [(c, None) for c in cp.operations or ()]
        if name == "owners":
            return [(o.country, o.share) for o in cp.owners or ()]
        if name == "trade_partners":
            return [(p.country, p.share) for p in cp.trade_partners or ()]
        out: list[tuple[str, float | None]] = []
        for field in ("incorporation", "operations", "owners", "trade_partners"):
            out.extend(self._countries(field))
        return out

    def _missing_field(self, rule: Rule, field: str, empty: bool = False) -> _Fired:
        missing = getattr(rule, "missing_points", None)
        if missing is None:
            what = "an empty list is not accepted" if empty else "it sets no missing_points"
            raise CounterpartyError([FieldIssue(field, f"required by rule '{rule.id}' of the policy ({what})")])
        fact = f"{field} given as an empty list" if empty else f"{field} not provided"
        return missing, f"{fact}: scored as missing data ({_fmt(missing)} points)", [fact], [], None

    # -- rules
    def evaluate(self, rule: Rule) -> _Fired | None:
        """Points, reason, facts and sources of a rule, or None if it did not fire."""
        if isinstance(rule, CountryRiskRule):
            return self._country_rule(rule)
        if isinstance(rule, OwnershipRule):
            return self._ownership_rule(rule)
        if isinstance(rule, ExposureRule):
            return self._exposure_rule(rule)
        node = self.engine.conditions[rule.id]
        out = Matched()
        hit = node.test(self, out)
        gaps = self.engine.attribute_gaps.get(rule.id)
        if gaps:
            absent = [(name, pts) for name, pts in gaps if self.cp.attributes.get(name) is None]
            missing = max((pts for _, pts in absent), default=0.0)
            if absent and (not hit or missing > rule.points):
                facts = [f"attributes.{name} not provided" for name, _ in absent]
                why = f"{'; '.join(facts)}: scored as missing data ({_fmt(missing)} points)"
                return missing, why, facts, [], None
        if not hit:
            return None
        reason = self.engine.templates[rule.id].render({"points": rule.points, "facts": "; ".join(out.facts)})
        sources = self.snap.refs(out.memberships) + self.engine.citations[rule.id]
        return rule.points, reason, out.facts, sources, _items(out.items)

    def _country_rule(self, rule: CountryRiskRule) -> _Fired | None:
        raw = getattr(self.cp, rule.field)
        if raw is None:
            return self._missing_field(rule, rule.field)
        codes = (raw,) if isinstance(raw, str) else tuple(dict.fromkeys(raw))  # repeats change no maximum
        if not codes:
            if rule.empty_points == 0:
                return None
            return rule.empty_points, f"no {rule.field} given ({_fmt(rule.empty_points)} points)", [], [], None
        risks = [self._risk(c) for c in codes]
        key = (rule.id, codes)
        memo = self.snap.memo
        got = memo.get(key)
        if got is None:
            best = max(risks, key=lambda r: r.points)
            facts = _capped(
                [f"{rule.field}: {r.name} ({r.code}) = {r.points_text} points, {r.describe()}" for r in risks]
            )
            values = {"country": best.code, "country_name": best.name, "points": best.points, "lists": best.describe()}
            reason = self.engine.templates[rule.id].render(values)
            at = risks.index(best)
            index = None if isinstance(raw, str) else raw.index(best.code)
            lists = tuple([m.list.id for _, m in best.hits])
            items = [_item(rule.field, index, best.code, at, points=best.points, lists=lists)]
            got = (best.points, reason, facts, _dedupe(best.refs()[0]), _items(items))
            if len(memo) < _CACHE_LIMIT:
                memo[key] = got
        return got[0], got[1], list(got[2]), list(got[3]), None if got[4] is None else list(got[4])

    def _ownership_rule(self, rule: OwnershipRule) -> _Fired | None:
        owners: Sequence[Owner | _Item] | None = self.cp.owners
        if owners is None or (not owners and rule.empty_points is None):
            return self._missing_field(rule, "owners", empty=owners is not None)
        if not owners:
            assert rule.empty_points is not None
            return rule.empty_points, f"no owners given ({_fmt(rule.empty_points)} points)", [], [], None
        # shares are added up per country before saturation, as listed ownership is aggregated
        groups: dict[str, list[int]] = {}
        for i, owner in enumerate(owners):
            groups.setdefault(owner.country, []).append(i)
        best_pts, best_total = -1.0, 0.0
        best_risk: CountryRisk | None = None
        best_idx: list[int] = []
        facts = []
        best_group = 0
        saturation = rule.saturation
        for g, (code, idx) in enumerate(groups.items()):
            risk = self._risk(code)
            total = 0.0
            for i in idx:
                total += owners[i].share
            pts = _r(risk.points * min(1.0, total / saturation))
            if len(idx) == 1:
                facts.append(
                    f"{_who('owners', idx[0], owners[idx[0]].name)}: {risk.name} ({code}) holds {pct(total)}, "
                    f"risk {risk.points_text} -> {_fmt(pts)} points"
                )
            else:
                facts.append(
                    f"{_named([_who('owners', i, owners[i].name) for i in idx])}: {risk.name} ({code}) shares "
                    f"added up to {pct(_r(total))}, risk {risk.points_text} -> {_fmt(pts)} points"
                )
            if pts > best_pts:
                best_pts, best_total, best_risk, best_idx, best_group = pts, total, risk, idx, g
        assert best_risk is not None
        pts, code = best_risk.points, best_risk.code
        items = [  # the owners the deciding fact names
            _item("owners", i, code, best_group, name=owners[i].name, share=owners[i].share, points=pts)
            for i in best_idx[:MAX_NAMED]
        ]
        values = {
            "country": best_risk.code,
            "country_name": best_risk.name,
            "share": pct(_r(best_total) if len(best_idx) > 1 else best_total),
            "risk": best_risk.points,
            "points": best_pts,
            "lists": best_risk.describe(),
            "owner": _named([f"'{owners[i].name}'" if owners[i].name else f"#{i + 1}" for i in best_idx]),
        }
        reason = self.engine.templates[rule.id].render(values)
        return best_pts, reason, _capped(facts), _dedupe(best_risk.refs()[0]), _items(items)

    def _exposure_rule(self, rule: ExposureRule) -> _Fired | None:
        items: Sequence[Owner | TradePartner | _Item] | None = (
            self.cp.trade_partners if rule.field == "trade_partners" else self.cp.owners
        )
        if items is None:
            return self._missing_field(rule, rule.field)
        total = 0.0
        facts: list[str] = []
        fired: list[dict[str, Any]] = []
        keyed: list[tuple[RefKey, SourceRef]] = []
        field = rule.field
        owners = field == "owners"
        label = "owner" if owners else "trade partner"
        for i, item in enumerate(items):
            code, share = item.country, item.share
            risk = self._risk(code)
            part = share * risk.points
            total += part
            name = item.name if owners else None  # type: ignore[union-attr]
            who = f"{label} '{name}'" if name else f"{label} #{i + 1}"
            facts.append(f"{who}: {risk.name} ({code}) {pct(share)} x risk {risk.points_text}")
            if part > 0:
                fact = i if i < MAX_FACTS else None
                fired.append(
                    {
                        "field": field,
                        "index": i,
                        "code": code,
                        "name": name,
                        "share": share,
                        "points": risk.points,
                        "lists": (),
                        "fact": fact,
                    }
                )
            keyed.extend(risk.refs()[1])
        points = min(100.0, _r(total))
        if points == 0:
            return None
        if len(fired) > MAX_FACTS:  # the largest exposures, in input order
            top = sorted(fired, key=lambda v: -v["share"] * v["points"])[MAX_FACTS - 1]
            limit = top["share"] * top["points"]
            fired = [v for v in fired if v["share"] * v["points"] >= limit][:MAX_FACTS]
        values = {"exposure": points, "points": points, "partners": len(items)}
        reason = self.engine.templates[rule.id].render(values)
        return points, reason, _capped(facts), _dedupe(keyed), _items(fired)

    # -- the condition Context protocol
    def flag(self, name: str) -> bool:
        return bool(getattr(self.cp, name))

    def missing(self, name: str) -> bool:
        return getattr(self.cp, name) is None

    def count(self, name: str) -> int:
        return len(getattr(self.cp, name) or ())

    def attribute(self, name: str) -> Any:
        return self.cp.attributes.get(name)

    def risk(self, name: str) -> float:
        codes = [c for c, _ in self._countries(name)]
        return max((self._risk(c).points for c in codes), default=0.0)

    def factor(self, name: str) -> float:
        return self.factors[name]

    def weighted_score(self) -> float:
        return self.weighted

    def countries_in(self, spec: CountryInSpec, out: Matched) -> bool:
        found = False
        snap = self.snap
        for field in _COUNTRY_FIELDS if spec.field == "any" else (spec.field,):
            items = self._field_items(field)
            if not items:
                continue
            facts: list[str] = []
            fired: list[dict[str, Any]] = []
            memberships: list[Membership] = []
            total = 0.0
            for i, (code, share) in enumerate(items):
                matched = snap.matches(spec, code)
                if not matched:
                    continue
                where, share_text, index, name = field, "", None, None
                if field == "operations":
                    index = list(self.cp.operations or ()).index(code)
                elif share is not None:
                    total += share  # the shares of all matching items count together
                    name = getattr(self.cp, field)[i].name if field == "owners" else None
                    where, share_text, index = _who(field, i, name), f", {pct(share)},", i
                on = "; ".join(f"{lst.title}{_category(m)} {_since(m.period.listed)}" for lst, m in matched if m.period)
                fired.append(
                    {
                        "field": field,
                        "index": index,
                        "code": code,
                        "name": name,
                        "share": share,
                        "points": None,
                        "lists": tuple([x.id for x, _ in matched]),
                        "fact": len(facts),
                    }
                )
                facts.append(f"{where}: {snap.country(code).name} ({code}){share_text} is on {on}")
                memberships.extend(m for _, m in matched)
            if not fired:
                continue
            if field in ("owners", "trade_partners") and spec.min_share > 0:
                if round(total, PRECISION) < spec.min_share:
                    continue
                if len(fired) > 1:
                    facts.insert(
                        0,
                        f"{field.replace('_', ' ')} on {', '.join(spec.lists)}: {len(fired)} with shares adding up "
                        f"to {pct(_r(total))} >= {pct(spec.min_share)}",
                    )
                    for item in fired:
                        item["fact"] = (
                            None if item["fact"] is None or item["fact"] + 1 >= MAX_FACTS else item["fact"] + 1
                        )
            found = True
            base = len(out.facts)
            fired = fired[:MAX_FACTS]  # as many as the facts tell
            for item in fired:
                if item["fact"] is not None:
                    item["fact"] += base
            out.facts.extend(_capped(facts))
            out.items.extend(fired)
            out.memberships.extend(memberships)
        return found

    def products_in(self, spec: ProductInSpec, out: Matched) -> bool:
        lst = self.engine.lists.get(spec.list)
        if lst is None:  # issued by an authority the policy does not apply
            return False
        facts: list[str] = []
        base = len(out.facts)
        products = list(self.cp.products or ())
        for code in dict.fromkeys(products):  # a repeated product matches no more
            for entry, m in self.snap.product(lst, code):
                if spec.categories is not None and (m.period is None or m.period.category not in spec.categories):
                    continue
                if len(facts) < MAX_FACTS:  # as many as the facts tell
                    item = _item("products", products.index(code), code, len(facts), lists=(lst.id,))
                    item["fact"] += base
                    out.items.append(item)
                facts.append(f"product {code} matches {entry.code} ({entry.name or ''}) on {lst.title}{_category(m)}")
                out.memberships.append(m)
        out.facts.extend(_capped(facts))
        return bool(facts)


def _category(m: Membership) -> str:
    return f" [{m.period.category}]" if m.period is not None and m.period.category else ""
