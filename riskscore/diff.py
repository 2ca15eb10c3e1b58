"""Change impact: score one portfolio under two policies and report what moves, and why.

``riskscore diff OLD NEW PORTFOLIO`` calls :func:`diff_portfolio`. The report gives, first,
both directions of every tier move: counterparties that entered and that left the top tier
(tier names come from the policies, matched by name when their tiers differ), upgrades (a
riskier tier) and downgrades per tier pair and per tier; then the tier migration matrix (rows:
old tier, columns: new tier), what changed in the policy itself (weights, points, rules,
overrides, tiers, lists and their entries, authorities), warnings about the two policies (same
version with another fingerprint, other authorities, tiers that cannot be matched), the rules
and overrides that caused the tier changes, and per-counterparty deltas. The causes of one
counterparty's change are the rules whose weighted points changed (with the change) and the
overrides that started or stopped applying.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from ._diff_content import ContentChange, content_diff
from ._diff_render import render_text
from ._diff_tiers import TierMap
from ._diff_warnings import DiffWarning, policy_warnings
from ._records import Record, Refusal
from ._reporting import Duplicates
from .errors import CounterpartyError, FieldIssue
from .policy import Policy
from .result import Result

__all__ = ["Change", "DiffReport", "DiffWarning", "causes", "diff_portfolio", "diff_results"]

FAIL_ON = ("change", "upgrade", "downgrade", "prohibited", "refused")


@dataclass(frozen=True)
class Change:
    """One counterparty whose score or tier differs between the policies."""

    id: str
    old_score: float
    old_tier: str
    new_score: float
    new_tier: str
    direction: str  # upgrade | downgrade | same tier | unmapped (tiers only one policy has)
    causes: list[str]

    @property
    def delta(self) -> float:
        """New score minus old score."""
        return round(self.new_score - self.old_score, 9)


def causes(old: Result, new: Result) -> list[str]:
    """What changed between two results of one counterparty: overrides, then rules by size."""
    out = [f"+{o}" for o in _ids(new) if o not in _ids(old)] + [f"-{o}" for o in _ids(old) if o not in _ids(new)]
    weighted: dict[str, list[float]] = {}
    for i, res in enumerate((old, new)):
        for c in res.contributions:
            weighted.setdefault(c.rule_id, [0.0, 0.0])[i] += c.weighted
    deltas = [(rid, round(b - a, 9)) for rid, (a, b) in weighted.items() if abs(b - a) > 1e-9]
    out += [f"{rid} {d:+g}" for rid, d in sorted(deltas, key=lambda x: -abs(x[1]))]
    if not out and old.tier != new.tier:
        out.append("tier thresholds")
    return out


def _ids(result: Result) -> list[str]:
    return [o.override_id for o in result.overrides]


@dataclass
class DiffReport:
    """The impact of replacing ``old`` by ``new`` on a portfolio."""

    old: dict[str, str]
    new: dict[str, str]
    as_of: date
    old_tiers: list[str]
    new_tiers: list[str]
    total: int = 0
    matrix: Counter[tuple[str, str]] = field(default_factory=Counter)
    changes: list[Change] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    content: list[ContentChange] = field(default_factory=list)
    policy_warnings: list[DiffWarning] = field(default_factory=list)

    @property
    def tier_map(self) -> TierMap:
        """The two policies' tiers, matched by name."""
        return TierMap(tuple(self.old_tiers), tuple(self.new_tiers))

    # ------------------------------------------------------------ figures
    def tier_changes(self) -> list[Change]:
        """Changes of tier, upgrades first, then by size of the score change."""
        moved = [c for c in self.changes if c.direction != "same tier"]
        return sorted(moved, key=lambda c: (c.direction != "upgrade", -abs(c.delta), c.id))

    def count(self, direction: str) -> int:
        """Number of upgrades, downgrades or unmapped moves."""
        return sum(1 for c in self.changes if c.direction == direction)

    def newly_prohibited(self) -> list[Change]:
        """Counterparties that entered the new top tier (see :meth:`TierMap.entered_top`)."""
        entered = self.tier_map.entered_top
        return [c for c in self.changes if entered(c.old_tier, c.new_tier)]

    def left_top_tier(self) -> list[Change]:
        """Counterparties that left the old top tier (see :meth:`TierMap.left_top`)."""
        left = self.tier_map.left_top
        return [c for c in self.changes if left(c.old_tier, c.new_tier)]

    def cause_counts(self) -> list[tuple[str, int]]:
        """How many tier changes each rule or override took part in (its name without the delta)."""
        counter: Counter[str] = Counter()
        for c in self.tier_changes():
            counter.update({cause.split(" ")[0] for cause in c.causes})
        return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))  # ties by name: same in every process

    def exit_code(self, fail_on: Iterable[str]) -> int:
        """1 if any of the ``fail_on`` conditions (change, upgrade, downgrade, prohibited, refused) holds."""
        hits = {
            "change": bool(self.tier_changes()),
            "upgrade": self.count("upgrade") > 0,
            "downgrade": self.count("downgrade") > 0,
            "prohibited": bool(self.newly_prohibited()),
            "refused": bool(self.refused),
        }
        return 1 if any(hits[f] for f in fail_on) else 0

    # ------------------------------------------------------------ rendering
    def summary(self) -> str:
        """One line: how many moved, in both directions, and into and out of the top tier."""
        unmapped = self.count("unmapped")
        return (
            f"{self.total} counterparties: {len(self.tier_changes())} changed tier "
            f"({self.count('upgrade')} upgrades, {self.count('downgrade')} downgrades"
            f"{f', {unmapped} unmapped' if unmapped else ''}), "
            f"{len(self.changes)} changed score, {len(self.newly_prohibited())} newly {self.new_tiers[-1]}, "
            f"{len(self.left_top_tier())} no longer {self.old_tiers[-1]}, {len(self.refused)} refused"
        )

    def render(self, fmt: str = "text", *, limit: int = 50) -> str:
        """``text``, ``markdown``, ``json`` or ``html`` (one self-contained page); at most ``limit`` per-counterparty lines in text forms."""
        if fmt == "json":
            return self.to_json() + "\n"
        if fmt == "html":
            from ._diff_html import render_html

            return render_html(self, limit=limit)
        return render_text(self, markdown=fmt == "markdown", limit=limit)

    def to_json(self) -> str:
        """Everything, as JSON."""
        data: dict[str, Any] = {
            "old_policy": self.old,
            "new_policy": self.new,
            "as_of": str(self.as_of),
            "total": self.total,
            "upgrades": self.count("upgrade"),
            "downgrades": self.count("downgrade"),
            "newly_prohibited": [c.id for c in self.newly_prohibited()],
            "matrix": {o: {n: self.matrix[(o, n)] for n in self.new_tiers} for o in self.old_tiers},
            "causes": dict(self.cause_counts()),
            "changes": [{**asdict(c), "delta": c.delta} for c in self.changes],
            "refused": self.refused,
            "warnings": self.warnings,
            "top_tier": self.tier_map.top_tier_moves(self.matrix),
            "left_top_tier": [c.id for c in self.left_top_tier()],
            "unmapped": self.count("unmapped"),
            "moves": self.tier_map.moves(self.matrix),
            "tiers": self.tier_map.per_tier(self.matrix),
            "content": [c.as_json() for c in self.content],
            "policy_warnings": [w.as_json() for w in self.policy_warnings],
        }
        return json.dumps(data, indent=2, ensure_ascii=False)


def _describe(policy: Policy) -> dict[str, str]:
    return {"id": policy.id, "version": policy.version, "fingerprint": policy.fingerprint, "path": str(policy.path)}


def diff_results(report: DiffReport, old: Result, new: Result, old_tiers: list[str], new_tiers: list[str]) -> None:
    """Add one counterparty's pair of results to ``report``."""
    report.total += 1
    report.matrix[(old.tier, new.tier)] += 1
    if abs(old.score - new.score) <= 1e-9 and old.tier == new.tier and _ids(old) == _ids(new):
        return
    direction = TierMap(tuple(old_tiers), tuple(new_tiers)).direction(old.tier, new.tier)
    report.changes.append(
        Change(old.counterparty_id, old.score, old.tier, new.score, new.tier, direction, causes(old, new))
    )


def diff_portfolio(
    old: Policy,
    new: Policy,
    records: Iterable[tuple[int, Any] | Record | Refusal],
    as_of: date,
    *,
    file: str = "<input>",
) -> DiffReport:
    """Score every record under both policies on ``as_of`` and compare.

    ``records`` holds ``(index, record)`` pairs, or the items the command line reads (records
    with their line; refusals of unreadable ones, which are reported as refused). ``file``
    names the input in the refusals and in the warnings of duplicate ids.
    """
    report = DiffReport(_describe(old), _describe(new), as_of, old.tiers, new.tiers)
    report.content = content_diff(old, new, as_of)
    report.policy_warnings = [*policy_warnings(old, new, as_of), *report.tier_map.warnings()]
    duplicates = Duplicates(file)
    for item in records:
        if isinstance(item, Refusal):
            report.refused.append(item.located(file))
            continue
        record = item if isinstance(item, Record) else Record(item[0], None, None, item[1])
        results: list[Result] = []
        for name, policy in (("old", old), ("new", new)):
            try:
                results.append(policy.score(record.data, as_of))
            except CounterpartyError as exc:
                issues = exc.issues or [FieldIssue("", str(exc))]
                detail = f" ({record.id}): refused by the {name} policy"
                report.refused.append(Refusal.of(record, issues, detail).located(file))
                break
        if len(results) == 2:
            warning = duplicates.check(results[0].counterparty_id, record.line)
            if warning is not None:
                report.warnings.append(warning)
            diff_results(report, results[0], results[1], old.tiers, new.tiers)
    return report
