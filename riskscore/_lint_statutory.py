"""The policy lint check ``eba-statutory-high``: statutory high-risk situations end high.

A counterparty linked to a country on a statutory list (``lint.statutory_lists``, default
:data:`DEFAULT_STATUTORY_LISTS`) through any of :data:`COUNTRY_FIELDS` must never end below
the high tier: a prohibit or floor override covers it, or the weighting alone guarantees it.
"""

from __future__ import annotations

from typing import Any

from . import conditions as cond
from ._lint_bounds import BoundsChecks
from ._yaml import PathKey

__all__ = ["COUNTRY_FIELDS", "DEFAULT_STATUTORY_LISTS", "StatutoryChecks"]

DEFAULT_STATUTORY_LISTS = ("fatf_call_for_action", "sanctions_us", "sanctions_eu", "sanctions_uk")
COUNTRY_FIELDS = ("incorporation", "operations", "owners", "trade_partners")


class StatutoryChecks(BoundsChecks):
    """``eba-statutory-high``, per statutory list and country field (subjects ``list:field``)."""

    def _high(self) -> tuple[str, float] | None:
        wanted = self.cfg.high_tier or "high"
        t = next((t for t in self.tiers if t.id == wanted), None)
        return (t.id, t.min) if t else None

    def statutory(self) -> None:
        """``eba-statutory-high``: a statutory list and field that can end below the high tier."""
        names = self.cfg.statutory_lists if self.cfg.statutory_lists is not None else list(DEFAULT_STATUTORY_LISTS)
        names = [n for n in names if n in self.policy.lists]
        if not names:
            return
        high = self._high()
        if high is None:
            if len(self.tiers) > 1:
                self.add(
                    "eba-statutory-high",
                    "error",
                    "tiers",
                    f"no tier {self.cfg.high_tier or 'high'!r} to check statutory high-risk situations against; "
                    "set lint.high_tier",
                    ("tiers",),
                )
            return
        high_id, high_min = high
        for list_id in names:
            lst = self.policy.lists[list_id]
            cats = {p.category for e in lst.entries for p in e.periods}
            for field in COUNTRY_FIELDS:
                covered, partial = self._override_cover(list_id, field, cats, high_id, high_min)
                if covered or self._weighting_guarantees(list_id, field, high_min):
                    continue
                extra = f" ({'; '.join(partial)})" if partial else ""
                self.add(
                    "eba-statutory-high",
                    "error",
                    f"{list_id}:{field}",
                    f"a counterparty with {field} in a country on {list_id!r} can end below {high_id!r}: "
                    f"no prohibit or floor override covers every such case{extra}, and the weighting "
                    f"alone does not guarantee {high_min:g} points",
                    self._list_path(list_id),
                )

    def _override_cover(
        self, list_id: str, field: str, cats: set[str | None], high_id: str, high_min: float
    ) -> tuple[bool, list[str]]:
        """Whether a live prohibit or high floor override covers every such case; else what some cover."""
        rank = {t.id: i for i, t in enumerate(self.tiers)}
        partial: list[str] = []
        for o in self.m.overrides:
            strong = o.action == "prohibit" or (
                o.action == "floor"
                and (
                    (o.tier is not None and rank[o.tier] >= rank[high_id])
                    or (o.score is not None and o.score >= high_min)
                )
            )
            if not strong or o.id in self.dead:
                continue
            verdict = _implied(o.when, list_id, field, cats)
            if verdict is True:
                return True, partial
            if isinstance(verdict, str):
                partial.append(f"{o.id} covers {verdict} only")
        return False, partial

    def _list_path(self, list_id: str) -> PathKey:
        """Where the policy weighs the list (``country_risk.lists[i]``), else its ``overrides``."""
        return next(
            (("country_risk", "lists", i) for i, lp in enumerate(self.m.country_risk.lists) if lp.list == list_id),
            ("overrides",),
        )

    def _weighting_guarantees(self, list_id: str, field: str, high_min: float) -> bool:
        if any(o.action == "cap" and (o.score or 0.0) < high_min for o in self.m.overrides):
            return False
        lp = next((lp for lp in self.m.country_risk.lists if lp.list == list_id), None)
        if lp is None:
            return False
        pts = min([lp.points, *lp.category_points.values()])
        total = 0.0
        for f, kinds in zip(self.m.factors, self.policy._engine.kinds, strict=True):
            best = 0.0
            for kind in kinds:
                listed = kind.listed_points(field, pts)
                best = max(best, listed if listed is not None else self._rule_bounds(kind)[0])
            total += f.weight * best
        return total >= high_min - 1e-9


def _implied(c: Any, list_id: str, field: str, cats: set[str | None]) -> bool | str | None:
    """Does "a country of ``field`` is on ``list_id``" make ``c`` true?

    True: always; a string: only partly (what is covered); None: not shown.
    """
    if isinstance(c, cond.Any_):
        partial = None
        for part in c.any:
            got = _implied(part, list_id, field, cats)
            if got is True:
                return True
            partial = partial or got
        return partial
    if isinstance(c, cond.All) and len(c.all) == 1:
        return _implied(c.all[0], list_id, field, cats)
    if not isinstance(c, cond.CountryIn):
        return None
    spec = c.country_in
    if list_id not in spec.lists or spec.field not in (field, "any"):
        return None
    if spec.categories is not None and not cats <= set(spec.categories):
        return f"periods of categories {spec.categories}"
    if spec.min_share > 0 and field in ("owners", "trade_partners"):
        return f"shares of {spec.min_share:g} or more"
    return True
