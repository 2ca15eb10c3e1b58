"""The cross-reference pass of loading a policy, run after every file has loaded.

:class:`Checker` finds what the models cannot see one file at a time: unknown or unapplied
lists, duplicate ids, factors referred to before they are defined, unknown tiers and reason
placeholders, weights that do not sum to 1, tiers out of order and attribute declarations.
"""

from __future__ import annotations

from typing import Any

from . import conditions as cond
from ._validate import suggest
from ._yaml import LocatedData, PathKey
from .attributes import declaration_issues
from .errors import Issue
from .lists import JurisdictionList
from .policy_model import PLACEHOLDER, RULE_PLACEHOLDERS, PolicyModel

__all__ = ["Checker"]


class Checker:
    """Cross-reference checks after every file has loaded."""

    def __init__(
        self, model: PolicyModel, lists: dict[str, JurisdictionList], applied: set[str], located: LocatedData
    ) -> None:
        self.model, self.lists, self.applied, self.located = model, lists, applied, located
        self.issues: list[Issue] = []

    def add(self, path: PathKey, message: str, code: str, suggestion: str | None = None) -> None:
        """Record a problem at ``path`` of the policy file."""
        self.issues.append(self.located.issue(path, message, code, suggestion))

    def run(self) -> None:
        """Run every check; the problems found are in :attr:`issues`, in the order checked."""
        m = self.model
        for name, fact in (m.network or {}).items():
            for i, list_id in enumerate(fact.seeds.lists):
                self._list_ref(("network", name, "seeds", "lists", i), list_id, "country")
        for i, lp in enumerate(m.country_risk.lists):
            self._list_ref(("country_risk", "lists", i, "list"), lp.list, "country")
        self._unique("factors", [f.id for f in m.factors])
        self._unique("overrides", [o.id for o in m.overrides])
        self._unique("tiers", [t.id for t in m.tiers])
        self._rules()
        self._rule_ids()
        total = sum(f.weight for f in m.factors)
        if abs(total - 1.0) > 1e-9:
            self.add(("factors",), f"factor weights sum to {total:.9g}, not 1", "weights-sum")
        self._tiers()
        self._overrides()
        for path, message, code, suggestion in declaration_issues(m):
            self.add(path, message, code, suggestion)

    def _rules(self) -> None:
        """Each rule's reason placeholders, and the lists and earlier factors its condition names."""
        earlier: set[str] = set()
        for fi, factor in enumerate(self.model.factors):
            for ri, rule in enumerate(factor.rules):
                path: PathKey = ("factors", fi, "rules", ri)
                allowed = RULE_PLACEHOLDERS[rule.kind]
                for name in PLACEHOLDER.findall(rule.reason):
                    if name not in allowed:
                        self.add(
                            (*path, "reason"),
                            f"unknown placeholder {{{name}}} for a {rule.kind} rule",
                            "bad-placeholder",
                            suggest(name, allowed),
                        )
                if rule.condition is not None:
                    self._condition(rule.condition, (*path, "when"), earlier, in_override=False)
            earlier.add(factor.id)

    def _rule_ids(self) -> None:
        """Rule ids are unique across all factors."""
        seen: set[str] = set()
        for fi, factor in enumerate(self.model.factors):
            for ri, rule in enumerate(factor.rules):
                if rule.id in seen:
                    self.add(("factors", fi, "rules", ri, "id"), f"duplicate rule id {rule.id!r}", "duplicate-id")
                seen.add(rule.id)

    def _tiers(self) -> None:
        """The first tier starts at 0 and the minimums increase strictly."""
        tiers = self.model.tiers
        if tiers[0].min != 0:
            self.add(("tiers", 0, "min"), "the first tier must start at 0", "tier-start")
        for i in range(1, len(tiers)):
            if tiers[i].min <= tiers[i - 1].min:
                self.add(("tiers", i, "min"), "tier minimums must increase strictly", "tier-order")

    def _overrides(self) -> None:
        """Each override's tier, and the lists and factors its condition names."""
        tier_ids = [t.id for t in self.model.tiers]
        all_factors = {f.id for f in self.model.factors}
        for oi, ov in enumerate(self.model.overrides):
            if ov.tier is not None and ov.tier not in tier_ids:
                self.add(
                    ("overrides", oi, "tier"), f"unknown tier {ov.tier!r}", "unknown-tier", suggest(ov.tier, tier_ids)
                )
            self._condition(ov.when, ("overrides", oi, "when"), all_factors, in_override=True)

    def _unique(self, key: str, ids: list[str]) -> None:
        seen: set[str] = set()
        for i, ident in enumerate(ids):
            if ident in seen:
                self.add((key, i, "id"), f"duplicate id {ident!r}", "duplicate-id")
            seen.add(ident)

    def _list_ref(self, path: PathKey, list_id: str, kind: str) -> None:
        lst = self.lists.get(list_id)
        if lst is None:
            self.add(path, f"unknown list {list_id!r}", "unknown-list", suggest(list_id, self.lists))
        elif lst.kind != kind:
            self.add(path, f"list {list_id!r} is a {lst.kind} list; a {kind} list is needed here", "list-kind")
        elif not self.applied.intersection(lst.authorities):
            # it would silently score nothing (0 points, a condition never true): say so instead
            applied = ", ".join(sorted(self.applied)) or "none"
            self.add(
                path,
                f"list {list_id!r} is issued by {' / '.join(lst.authorities)}, an authority this policy does not "
                f"apply (authorities: {applied}); add it to `authorities` or remove the reference",
                "unapplied-list",
            )

    def _condition(self, c: Any, path: PathKey, factors: set[str], in_override: bool) -> None:
        for node in cond.walk(c):
            if isinstance(node, cond.CountryIn):
                for lid in node.country_in.lists:
                    self._list_ref((*path, "country_in", "list"), lid, "country")
            elif isinstance(node, cond.ProductIn):
                self._list_ref((*path, "product_in", "list"), node.product_in.list, "product")
        for op in cond.operands(c):
            if isinstance(op, cond.FactorRef) and op.factor not in factors:
                where = "defined" if in_override else "defined earlier"
                self.add(path, f"factor {op.factor!r} is not {where}", "unknown-factor", suggest(op.factor, factors))
            if isinstance(op, cond.ScoreRef) and not in_override:
                self.add(path, "{score: weighted} is only available in overrides", "score-in-rule")
