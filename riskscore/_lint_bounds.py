"""Policy lint checks over the weights and tiers: score bounds, dominant factors, reachable tiers.

``eba-dominant-factor`` (a factor weighs more than ``lint.max_factor_weight``),
``eba-top-tier-unreachable`` and ``unreachable-tier`` (no score or override lands in a
tier), from the lowest and highest score the factors can give (:meth:`BoundsChecks.weighted_bounds`).
"""

from __future__ import annotations

from ._kind_base import Kind
from ._lint_context import LintContext

__all__ = ["BoundsChecks"]


class BoundsChecks(LintContext):
    """The score bounds of the policy's weighting, and the checks built on them."""

    def _max_risk(self) -> float:
        cr = self.m.country_risk
        best = cr.baseline
        for lp in cr.lists:
            if lp.list not in self.policy.lists:
                continue
            best = max(best, lp.points, *lp.category_points.values(), lp.unknown_points or 0.0)
            if lp.points_per_unit is not None:
                best = 100.0
        return best

    def _rule_bounds(self, kind: Kind) -> tuple[float, float]:
        """The fewest and most points a compiled rule counts (a rule that never fires: at most 0)."""
        lo, hi = kind.bounds(self._max_risk(), self.m.country_risk.baseline)
        return lo, 0.0 if kind.id in self.dead else hi

    def weighted_bounds(self) -> tuple[float, float]:
        """The lowest and highest weighted score the factors can give (before overrides)."""
        lo = hi = 0.0
        for f, kinds in zip(self.m.factors, self.policy._engine.kinds, strict=True):
            mins, maxes = zip(*(self._rule_bounds(k) for k in kinds), strict=True)  # a factor has >= 1 rule
            if f.combine == "max":
                f_hi, f_lo = max(maxes), max(mins)
            else:
                f_hi, f_lo = min(100.0, sum(maxes)), min(100.0, sum(mins))
            hi += f.weight * f_hi
            lo += f.weight * f_lo
        return round(lo, 9), round(min(100.0, hi), 9)

    def dominant_factor(self) -> None:
        """``eba-dominant-factor``: a factor weighing more than the bound."""
        for i, f in enumerate(self.m.factors):
            if f.weight > self.max_weight + 1e-12:
                self.add(
                    "eba-dominant-factor",
                    "error",
                    f.id,
                    f"factor {f.id!r} weighs {f.weight:g}, above the bound {self.max_weight:g}: "
                    f"one factor dominates the score",
                    ("factors", i, "weight"),
                )

    def tiers_reachable(self) -> None:
        """``eba-top-tier-unreachable`` / ``unreachable-tier``: a tier no score or override reaches."""
        lo, hi = self.weighted_bounds()
        live = [(i, o) for i, o in enumerate(self.m.overrides) if o.id not in self.dead]
        for _, o in live:
            if o.action == "add" and o.points is not None:
                hi, lo = min(100.0, hi + max(0.0, o.points)), max(0.0, lo + min(0.0, o.points))
            elif o.action == "cap" and o.score is not None:
                lo = min(lo, o.score)
        targets: set[str] = set()
        for _, o in live:
            if o.action == "prohibit":
                targets.add(self.tiers[-1].id)
            elif o.action == "floor":
                targets.add(o.tier if o.tier is not None else self._tier_of(o.score or 0.0))
        order = {t.id: i for i, t in enumerate(self.m.tiers)}
        for k, t in enumerate(self.tiers):
            upper = self.tiers[k + 1].min if k + 1 < len(self.tiers) else float("inf")
            if t.id in targets or (hi >= t.min and lo < upper):
                continue
            top = k == len(self.tiers) - 1
            self.add(
                "eba-top-tier-unreachable" if top else "unreachable-tier",
                "error" if top else "warning",
                t.id,
                f"no counterparty can reach tier {t.id!r} (min {t.min:g}): scores range over "
                f"[{lo:g}, {hi:g}] and no override {'prohibits or ' if top else ''}floors to it",
                ("tiers", order[t.id]),
            )

    def _tier_of(self, score: float) -> str:
        tier = self.tiers[0].id
        for t in self.tiers:
            if score >= t.min:
                tier = t.id
        return tier
