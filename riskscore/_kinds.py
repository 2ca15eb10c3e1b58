"""Rule kinds: one slotted class per kind, ``row()`` and ``vec()`` side by side.

``row(ctx)`` gives a fired rule's points, reason, facts, sources and items for one
counterparty (or None: it did not fire); ``vec(env)`` gives every row's points and whether
it fired. ``rounded(risk_rounded)`` says whether the points are always already rounded to
the fixed precision (the kernel then skips a rounding pass). Adding a rule kind is one
class here (or in :mod:`riskscore._kinds_shares`; the base is :mod:`riskscore._kind_base`)
and one entry in :data:`KINDS`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ._arith import is_r9
from ._cnode_base import Matched
from ._cnodes import compile_condition
from ._kind_base import Kind
from ._kinds_shares import ExposureKind, OwnershipKind
from ._text import CACHE_LIMIT, Explained, Fired, capped, dedupe, fmt, item, items, ready
from .conditions import RiskRef, operands
from .policy_model import ConditionRule, CountryRiskRule, ExposureRule, OwnershipRule, Rule

if TYPE_CHECKING:
    from ._vecenv import Env

__all__ = ["KINDS", "Kind", "compile_rule"]

F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]


class ConditionKind(Kind):
    """``condition``: fixed points when a condition holds; declared attributes not given
    score at least their ``missing_points``."""

    __slots__ = ("gaps", "node")

    def __init__(self, rule: ConditionRule, gaps: list[tuple[str, float]] | None = None) -> None:
        super().__init__(rule)
        self.node = compile_condition(rule.when)
        self.gaps = gaps or []

    def bounds(self, max_risk: float, baseline: float) -> tuple[float, float]:
        return 0.0, max([self.rule.points, *(pts for _, pts in self.gaps)])  # absent attributes: missing_points

    def row(self, ctx: Any) -> Fired | None:
        rule, out = self.rule, Matched()
        hit = self.node.row(ctx, out)
        if self.gaps:
            absent = [(name, pts) for name, pts in self.gaps if ctx.cp.attributes.get(name) is None]
            missing = max((pts for _, pts in absent), default=0.0)
            if absent and (not hit or missing > rule.points):
                facts = [f"attributes.{name} not provided" for name, _ in absent]
                why = f"{'; '.join(facts)}: scored as missing data ({fmt(missing)} points)"
                return missing, ready(why, facts, [], None)
        if not hit:
            return None
        sources = ctx.snap.refs(out.memberships) + self.citations  # now: the result keeps no snapshot alive

        def explain() -> Explained:
            reason = self.template.render({"points": rule.points, "facts": "; ".join(out.facts)})
            return reason, list(out.facts), list(sources), items(out.items)

        return rule.points, explain

    def vec(self, env: Env) -> tuple[F64, B]:
        fired = self.node.vec(env)
        pts = np.full(env.n, self.rule.points)
        if self.gaps:  # as the row scorer: absent attributes score at least their missing_points
            absent = np.zeros(env.n, np.bool_)
            missing = np.zeros(env.n)
            for name, gap in self.gaps:
                here = env.attribute_missing(name)
                absent |= here
                missing = np.where(here, np.maximum(missing, gap), missing)
            take = absent & (~fired | (missing > self.rule.points))
            pts = np.where(take, missing, pts)
            fired = fired | absent
        return pts, fired

    def rounded(self, risk_rounded: bool) -> bool:
        return is_r9(self.rule.points) and all(is_r9(g) for _, g in self.gaps)

    def risk_fields(self) -> set[str]:
        return {op.risk for op in operands(self.rule.when) if isinstance(op, RiskRef)}


class CountryRiskKind(Kind):
    """``country_risk``: the highest country risk of a field."""

    __slots__ = ()

    def bounds(self, max_risk: float, baseline: float) -> tuple[float, float]:
        rule = self.rule
        options = [baseline, *([rule.missing_points] if rule.missing_points is not None else [])]
        if rule.field == "operations":  # the only country_risk field that can be an empty list
            options.append(rule.empty_points)
        return min(options), super().bounds(max_risk, baseline)[1]

    def listed_points(self, field: str, risk: float) -> float | None:
        return risk if field == self.rule.field else None

    def row(self, ctx: Any) -> Fired | None:
        rule = self.rule
        raw = getattr(ctx.cp, rule.field)
        if raw is None:
            return self.missing_row(rule.field)
        codes = (raw,) if isinstance(raw, str) else tuple(dict.fromkeys(raw))  # repeats change no maximum
        if not codes:
            if rule.empty_points == 0:
                return None
            return rule.empty_points, ready(f"no {rule.field} given ({fmt(rule.empty_points)} points)", [], [], None)
        memo, key = ctx.snap.memo, (rule.id, codes)
        got: Fired | None = memo.get(key)
        if got is None:
            got = self._explained(ctx, raw, codes)
            if len(memo) < CACHE_LIMIT:
                memo[key] = got
        return got

    def _explained(self, ctx: Any, raw: Any, codes: tuple[str, ...]) -> Fired:
        field = self.rule.field
        risks = [ctx.snap.country(c) for c in codes]
        best = max(risks, key=lambda r: r.points)
        facts = [f"{field}: {r.name} ({r.code}) = {r.points_text} points, {r.describe()}" for r in risks]
        values = {"country": best.code, "country_name": best.name, "points": best.points, "lists": best.describe()}
        reason = self.template.render(values)
        index = None if isinstance(raw, str) else raw.index(best.code)
        lists = tuple([m.list.id for _, m in best.hits])
        fired = [item(field, index, best.code, risks.index(best), points=best.points, lists=lists)]
        return best.points, ready(reason, capped(facts), dedupe(best.refs()[0]), items(fired))

    def vec(self, env: Env) -> tuple[F64, B]:
        rule = self.rule
        missing = env.missing(rule.field)
        mp = self.missing_vec(env, rule.field, missing)
        if rule.field == "incorporation":
            return np.where(missing, mp, env.inc_risk), np.ones(env.n, np.bool_)
        rows = env.rows[rule.field]
        empty = ~missing & ~rows.nonempty
        pts = rows.max(env.item_risk(rule.field), rule.empty_points)
        pts[missing] = mp
        return pts, ~(empty & (rule.empty_points == 0))

    def rounded(self, risk_rounded: bool) -> bool:
        return risk_rounded and super().rounded(risk_rounded)


KINDS: dict[type, type[Kind]] = {
    ConditionRule: ConditionKind,
    CountryRiskRule: CountryRiskKind,
    OwnershipRule: OwnershipKind,
    ExposureRule: ExposureKind,
}
"""The kind class of each rule model."""


def compile_rule(rule: Rule, gaps: dict[str, list[tuple[str, float]]]) -> Kind:
    """The compiled rule of a validated rule model (``gaps``: declared attributes' missing points per rule)."""
    cls = KINDS[type(rule)]
    if cls is ConditionKind:
        return ConditionKind(rule, gaps.get(rule.id))  # type: ignore[arg-type]
    return cls(rule)
