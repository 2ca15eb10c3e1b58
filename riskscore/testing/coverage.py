"""Rule coverage: what a test suite made fire, what it never did, and what never can.

Counted per policy over every case that was scored (passing or not):

- a **rule** is covered when it fired at least once (a contribution with ``weighted > 0``);
- an **override** is covered when it applied at least once;
- a **list entry** (list id + code) is covered when a fired rule or an applied override
  cited it as a source.

The coverage percentage (what ``--fail-under`` compares) is
``(covered rules + covered overrides) / (rules + overrides) x 100``. List-entry coverage
is reported beside it but not part of the percentage: most entries are only ever cited
when their list decides a country's risk.

Some items can never fire. :func:`never_fires` finds the simple, certain cases: a rule of
a factor weighted 0, a rule with 0 points, a condition that cannot hold (a list the
policy does not apply, categories no period of the list has, a comparison that cannot be
true), a rule always superseded by an earlier rule of its ``max`` factor with the same
condition and at least as many points. Such items count as not covered: a dead rule is a
finding, not an excuse. List entries whose periods all end before the earliest case date,
or start after the latest, are reported as unreachable by the suite's dates.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from .. import conditions as cond
from ..policy import Policy
from ..policy_model import ConditionRule
from ..result import Result, SourceRef

__all__ = ["Coverage", "never_fires", "condition_constant"]

_RANGES = {"factor": (0.0, 100.0), "risk": (0.0, 100.0), "score": (0.0, 100.0), "count": (0.0, float("inf"))}


def _bounds(operand: Any) -> tuple[float, float] | None:
    if isinstance(operand, cond.FactorRef):
        return _RANGES["factor"]
    if isinstance(operand, cond.RiskRef):
        return _RANGES["risk"]
    if isinstance(operand, cond.ScoreRef):
        return _RANGES["score"]
    if isinstance(operand, cond.CountRef):
        return _RANGES["count"]
    if isinstance(operand, (int, float)) and not isinstance(operand, bool):
        return (float(operand), float(operand))
    return None


def _compare_constant(name: str, left: Any, right: Any) -> bool | None:
    a, b = _bounds(left), _bounds(right)
    if a is None or b is None:
        return None
    lo = {"gte": a[1] >= b[0], "gt": a[1] > b[0], "lte": a[0] <= b[1], "lt": a[0] < b[1]}
    hi = {"gte": a[0] >= b[1], "gt": a[0] > b[1], "lte": a[1] <= b[0], "lt": a[1] < b[0]}
    if name in lo:
        if not lo[name]:
            return False
        return True if hi[name] else None
    if a[0] == a[1] == b[0] == b[1]:
        return name == "eq"
    if a[1] < b[0] or b[1] < a[0]:
        return name == "ne"
    return None


def _categories(policy: Policy, list_ids: list[str]) -> set[str | None]:
    return {p.category for lid in list_ids if lid in policy.lists for e in policy.lists[lid].entries for p in e.periods}


def condition_constant(c: Any, policy: Policy) -> tuple[bool | None, str]:
    """``(False, why)`` if ``c`` can never hold, ``(True, why)`` if it always holds, else ``(None, '')``."""
    if isinstance(c, (cond.All, cond.Any_)):
        parts = [condition_constant(p, policy) for p in (c.all if isinstance(c, cond.All) else c.any)]
        decisive = not isinstance(c, cond.All)
        for value, why in parts:
            if value is decisive:
                return value, why
        if all(v is (not decisive) for v, _ in parts):
            return (not decisive), "; ".join(w for _, w in parts)
        return None, ""
    if isinstance(c, cond.Not):
        value, why = condition_constant(c.not_, policy)
        return (None if value is None else not value), why
    if isinstance(c, cond.Compare):
        name, (left, right) = c.op
        value = _compare_constant(name, left, right)
        return value, (
            f"the comparison {name} {[_show(left), _show(right)]} is always {value}" if value is not None else ""
        )
    if isinstance(c, (cond.CountryIn, cond.ProductIn)):
        spec = c.country_in if isinstance(c, cond.CountryIn) else c.product_in
        ids = spec.lists if isinstance(spec, cond.CountryInSpec) else [spec.list]
        applied = [i for i in ids if i in policy.lists and policy.lists[i].entries]
        if not applied:
            return False, f"no applied list with entries among {ids} (authorities: {', '.join(policy.authorities)})"
        if spec.categories is not None and not (set(spec.categories) & _categories(policy, applied)):
            return False, f"no period of {applied} has a category in {spec.categories}"
    return None, ""


def _show(operand: Any) -> Any:
    return operand.model_dump(by_alias=True) if hasattr(operand, "model_dump") else operand


def never_fires(policy: Policy) -> dict[str, str]:
    """Rules and overrides (by id) that can never fire, with the reason; only certain cases."""
    out: dict[str, str] = {}
    for factor in policy.model.factors:
        for i, rule in enumerate(factor.rules):
            if factor.weight == 0:
                out[rule.id] = f"its factor {factor.id!r} has weight 0"
            elif isinstance(rule, ConditionRule):
                value, why = condition_constant(rule.when, policy)
                if rule.points == 0:
                    out[rule.id] = "it gives 0 points"
                elif value is False:
                    out[rule.id] = f"its condition can never hold: {why}"
                elif factor.combine == "max":
                    for earlier in factor.rules[:i]:
                        if (
                            isinstance(earlier, ConditionRule)
                            and earlier.when == rule.when
                            and earlier.points >= rule.points
                        ):
                            out[rule.id] = (
                                f"always superseded by {earlier.id!r} (same condition, at least as many points)"
                            )
                            break
    for ov in policy.model.overrides:
        value, why = condition_constant(ov.when, policy)
        if value is False:
            out[ov.id] = f"its condition can never hold: {why}"
    return out


def _referenced_lists(policy: Policy) -> list[str]:
    m = policy.model
    ids = [lp.list for lp in m.country_risk.lists]
    for _, _, c in m.conditions():
        for node in cond.walk(c):
            if isinstance(node, cond.CountryIn):
                ids.extend(node.country_in.lists)
            elif isinstance(node, cond.ProductIn):
                ids.append(node.product_in.list)
    return [i for i in dict.fromkeys(ids) if i in policy.lists]


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class Coverage:
    """Coverage of one policy, accumulated over scored results."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        m = policy.model
        self.rules: dict[str, int] = {r.id: 0 for f in m.factors for r in f.rules}
        self.overrides: dict[str, int] = {o.id: 0 for o in m.overrides}
        self.entries: dict[tuple[str, str], int] = {
            (lid, e.code): 0 for lid in _referenced_lists(policy) for e in policy.lists[lid].entries
        }
        self.dates: set[date] = set()
        self.cases = 0
        self.dead = never_fires(policy)

    def record(self, result: Result) -> None:
        """Count what fired in ``result``."""
        self.cases += 1
        self.dates.add(result.as_of)
        for c in result.contributions:
            if c.weighted > 0:
                self.rules[c.rule_id] = self.rules.get(c.rule_id, 0) + 1
                self._cite(c.sources)
        for o in result.overrides:
            self.overrides[o.override_id] = self.overrides.get(o.override_id, 0) + 1
            self._cite(o.sources)

    def _cite(self, sources: list[SourceRef]) -> None:
        for s in sources:
            if s.list_id is not None and s.code is not None and (s.list_id, s.code) in self.entries:
                self.entries[(s.list_id, s.code)] += 1

    @property
    def percent(self) -> float:
        """(covered rules + covered overrides) / (rules + overrides) x 100; 100 for an empty policy."""
        total = len(self.rules) + len(self.overrides)
        hit = sum(1 for n in self.rules.values() if n) + sum(1 for n in self.overrides.values() if n)
        return 100.0 if total == 0 else round(100.0 * hit / total, 2)

    def entries_out_of_dates(self) -> dict[tuple[str, str], str]:
        """Entries no case date can reach: every period ends before the first or starts after the last."""
        if not self.dates:
            return {}
        first, last = min(self.dates), max(self.dates)
        out: dict[tuple[str, str], str] = {}
        for lid, code in self.entries:
            entry = next(e for e in self.policy.lists[lid].entries if e.code == code)
            if all(p.delisted is not None and p.delisted.date <= first for p in entry.periods):
                out[(lid, code)] = f"delisted before the first case date {first}"
            elif all(p.listed.date > last for p in entry.periods):
                out[(lid, code)] = f"listed only after the last case date {last}"
        return out

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        out_of_dates = self.entries_out_of_dates()
        return {
            "policy": {"id": self.policy.id, "version": self.policy.version, "path": str(self.policy.path)},
            "cases": self.cases,
            "percent": self.percent,
            "rules": {k: v for k, v in self.rules.items()},
            "overrides": {k: v for k, v in self.overrides.items()},
            "never_fired": [k for k, v in {**self.rules, **self.overrides}.items() if not v],
            "can_never_fire": dict(self.dead),
            "list_entries": {
                "covered": sum(1 for v in self.entries.values() if v),
                "total": len(self.entries),
                "never_cited": [f"{lid}:{code}" for (lid, code), v in self.entries.items() if not v],
                "unreachable_by_case_dates": {f"{lid}:{code}": why for (lid, code), why in out_of_dates.items()},
            },
        }

    def render(self) -> str:
        """A readable coverage report."""
        r_hit = sum(1 for v in self.rules.values() if v)
        o_hit = sum(1 for v in self.overrides.values() if v)
        e_hit = sum(1 for v in self.entries.values() if v)
        lines = [
            f"coverage of policy {self.policy.id} {self.policy.version} ({_shown(self.policy.path)}) "
            f"over {self.cases} case(s)",
            f"  rules         {r_hit}/{len(self.rules)}",
            f"  overrides     {o_hit}/{len(self.overrides)}",
            f"  rules + overrides: {self.percent:g}%",
            f"  list entries  {e_hit}/{len(self.entries)} cited at least once (not part of the percentage)",
        ]
        missing = [("rule", k) for k, v in self.rules.items() if not v] + [
            ("override", k) for k, v in self.overrides.items() if not v
        ]
        if missing:
            lines.append("  never fired:")
            for kind, ident in missing:
                dead = f"  -- can never fire: {self.dead[ident]}" if ident in self.dead else ""
                lines.append(f"    {kind} {ident}{dead}")
        per_list: dict[str, list[str]] = {}
        for (lid, code), n in self.entries.items():
            if not n:
                per_list.setdefault(lid, []).append(code)
        if per_list:
            lines.append("  list entries never cited:")
            for lid, codes in per_list.items():
                more = f" ... (+{len(codes) - 12})" if len(codes) > 12 else ""
                lines.append(f"    {lid}: {' '.join(codes[:12])}{more}")
        out_of_dates = self.entries_out_of_dates()
        if out_of_dates:
            lines.append("  list entries the case dates cannot reach:")
            for (lid, code), why in out_of_dates.items():
                lines.append(f"    {lid}:{code} ({why})")
        return "\n".join(lines)
