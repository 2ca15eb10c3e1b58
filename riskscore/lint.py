"""Policy lint: checks a loaded policy for weightings a supervisor would question.

``riskscore validate`` runs it after the schema and reference checks. Each finding has an
id, a severity, a subject and the file:line it concerns; a policy can suppress a finding
in its ``lint.suppress`` section, with a reason that every report repeats.

The ``eba-*`` checks follow the weighting principles of the EBA ML/TF Risk Factors
Guidelines (EBA/GL/2021/02; the issue that introduced this lint points to paragraph
3.6). They are stated here in our own words, as automatic checks, not as the text of the
guidelines:

``eba-dominant-factor`` (error)
    No single factor may weigh more than ``lint.max_factor_weight`` (default 0.5).
``eba-top-tier-unreachable`` (error)
    The highest tier must be reachable, by the weighted score or by an override.
``eba-statutory-high`` (error)
    A statutory high-risk situation, a link to a country on a FATF call-for-action or a
    comprehensive-sanctions list (``lint.statutory_lists``), must never end below the
    ``high`` tier: a prohibit or floor override must cover it for every country field
    (incorporation, operations, owners, trade partners), or the weighting alone must
    guarantee it. Subjects are ``list:field``.
``eba-override-rationale`` (warning)
    Every override must explain itself: a rationale of at least four words and twenty
    characters that is not a placeholder such as "TODO".

Other checks: ``undeclared-attribute`` (warning) for an attribute read by a policy that
declares no ``attributes`` (see :mod:`riskscore.attributes`), ``unreachable-tier`` (warning) for a tier no score can land in,
``dead-rule`` / ``dead-override`` (warning) for what can never fire, and
``unused-suppression`` (warning) for a suppression that matched nothing.

Checks of the data behind the weights:

``unknown-category`` (error)
    A ``category_points`` key that no period of the list carries: a typo there silently
    scores the list's categorised countries with the plain ``points``.
``future-review`` (error)
    A list ``reviewed`` after today (the real date, not the as-of date): it would hide every
    staleness warning until then. Located at the list file's ``reviewed``.
``stale-list`` (warning)
    A list the policy uses is past its review horizon (``reviewed + review_interval_days``)
    on the as-of date (default today), so every score on that date warns;
    ``riskscore validate --strict [--as-of D]`` fails on it.
"""

from __future__ import annotations

import difflib
import fnmatch
import json
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any, Literal

from . import conditions as cond
from ._yaml import LocatedData, PathKey
from .attributes import attribute_gaps, reads
from .errors import PolicyError
from .policy import Policy, parse_as_of, read_policy_file
from .policy_model import ConditionRule, CountryRiskRule, LintSuppression, Rule
from .testing.coverage import never_fires

__all__ = ["Finding", "LintReport", "lint_policy", "DEFAULT_STATUTORY_LISTS", "COUNTRY_FIELDS"]

Severity = Literal["error", "warning"]
DEFAULT_STATUTORY_LISTS = ("fatf_call_for_action", "sanctions_us", "sanctions_eu", "sanctions_uk")
COUNTRY_FIELDS = ("incorporation", "operations", "owners", "trade_partners")
_PLACEHOLDERS = {"todo", "tbd", "fixme", "n/a", "na", "none", "-", "xxx", "see above", "rationale"}


@dataclass(frozen=True)
class Finding:
    """One lint finding."""

    id: str
    severity: Severity
    subject: str
    message: str
    file: str
    line: int | None = None
    column: int | None = None
    suppressed_by: str | None = None

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "") + (f":{self.column}" if self.column else "")
        return f"{where}: {self.severity} {self.id} [{self.subject}]: {self.message}"


@dataclass
class LintReport:
    """Active and suppressed findings, and suppressions that matched nothing."""

    findings: list[Finding]
    suppressed: list[Finding]

    @property
    def errors(self) -> list[Finding]:
        """Active findings of severity error."""
        return [f for f in self.findings if f.severity == "error"]

    def exit_code(self, *, strict: bool = False) -> int:
        """1 if an error (or, with ``strict``, any finding) is active, else 0."""
        return 1 if self.errors or (strict and self.findings) else 0

    def render(self) -> str:
        """One line per finding, suppressed ones with their reason, then a summary."""
        lines = [str(f) for f in self.findings]
        groups: dict[tuple[str, str], list[str]] = {}
        for f in self.suppressed:
            groups.setdefault((f.id, f.suppressed_by or ""), []).append(f.subject)
        for (fid, reason), subjects in groups.items():
            lines.append(f"suppressed {fid} [{', '.join(subjects)}]\n    reason: {reason}")
        warnings = len(self.findings) - len(self.errors)
        lines.append(f"lint: {len(self.errors)} error(s), {warnings} warning(s), {len(self.suppressed)} suppressed")
        return "\n".join(lines) + "\n"

    def to_json(self) -> str:
        """The findings as JSON."""
        return json.dumps(
            {"findings": [asdict(f) for f in self.findings], "suppressed": [asdict(f) for f in self.suppressed]},
            indent=2,
        )


class _Linter:
    def __init__(
        self, policy: Policy, located: LocatedData, max_factor_weight: float | None, as_of: date, today: date
    ) -> None:
        self.policy, self.located = policy, located
        self.as_of, self.today = as_of, today
        self.m = policy.model
        self.cfg = self.m.lint
        self.max_weight = self.cfg.max_factor_weight if max_factor_weight is None else max_factor_weight
        self.tiers = sorted(self.m.tiers, key=lambda t: t.min)
        self.dead = never_fires(policy)
        self.gaps = attribute_gaps(self.m)
        self.out: list[Finding] = []

    def add(
        self,
        fid: str,
        severity: Severity,
        subject: str,
        message: str,
        path: PathKey,
        in_file: LocatedData | None = None,
    ) -> None:
        located = in_file or self.located
        loc = located.locate(path)
        self.out.append(Finding(fid, severity, subject, message, located.file, *(loc if loc else (None, None))))

    def _list_file(self, list_id: str) -> LocatedData | None:
        """The list's file, read again to locate a finding in it (None: not locatable)."""
        path = self.policy.list_files.get(list_id)
        try:
            return read_policy_file(path) if path is not None else None
        except PolicyError:  # changed on disk since the policy was loaded
            return None

    # -------------------------------------------------------------- bounds
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

    def _rule_max(self, rule: Rule) -> float:
        if rule.id in self.dead:
            return 0.0
        if isinstance(rule, ConditionRule):  # an absent declared attribute scores its missing_points
            return max([rule.points, *(pts for _, pts in self.gaps.get(rule.id, ()))])
        extra = [getattr(rule, "missing_points", None), getattr(rule, "empty_points", None)]
        return float(max([self._max_risk(), *(float(x) for x in extra if x is not None)]))

    def _rule_min(self, rule: Rule) -> float:
        if isinstance(rule, CountryRiskRule):
            options = [self.m.country_risk.baseline]
            if rule.missing_points is not None:
                options.append(rule.missing_points)
            if rule.field == "operations":
                options.append(rule.empty_points)
            return min(options)
        return 0.0

    def weighted_bounds(self) -> tuple[float, float]:
        """The lowest and highest weighted score the factors can give (before overrides)."""
        lo = hi = 0.0
        for f in self.m.factors:
            maxes = [self._rule_max(r) for r in f.rules]
            mins = [self._rule_min(r) for r in f.rules]
            if f.combine == "max":
                f_hi, f_lo = max(maxes), max(mins)
            else:
                f_hi, f_lo = min(100.0, sum(maxes)), min(100.0, sum(mins))
            hi += f.weight * f_hi
            lo += f.weight * f_lo
        return round(lo, 9), round(min(100.0, hi), 9)

    # -------------------------------------------------------------- checks
    def dominant_factor(self) -> None:
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

    def _high(self) -> tuple[str, float] | None:
        wanted = self.cfg.high_tier or "high"
        t = next((t for t in self.tiers if t.id == wanted), None)
        return (t.id, t.min) if t else None

    def statutory(self) -> None:
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
        rank = {t.id: i for i, t in enumerate(self.tiers)}
        for list_id in names:
            lst = self.policy.lists[list_id]
            cats = {p.category for e in lst.entries for p in e.periods}
            for field in COUNTRY_FIELDS:
                covered, partial = False, []
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
                        covered = True
                        break
                    if isinstance(verdict, str):
                        partial.append(f"{o.id} covers {verdict} only")
                if covered or self._weighting_guarantees(list_id, field, high_min):
                    continue
                extra = f" ({'; '.join(partial)})" if partial else ""
                path: PathKey = next(
                    (
                        ("country_risk", "lists", i)
                        for i, lp in enumerate(self.m.country_risk.lists)
                        if lp.list == list_id
                    ),
                    ("overrides",),
                )
                self.add(
                    "eba-statutory-high",
                    "error",
                    f"{list_id}:{field}",
                    f"a counterparty with {field} in a country on {list_id!r} can end below {high_id!r}: "
                    f"no prohibit or floor override covers every such case{extra}, and the weighting "
                    f"alone does not guarantee {high_min:g} points",
                    path,
                )

    def _weighting_guarantees(self, list_id: str, field: str, high_min: float) -> bool:
        if any(o.action == "cap" and (o.score or 0.0) < high_min for o in self.m.overrides):
            return False
        lp = next((lp for lp in self.m.country_risk.lists if lp.list == list_id), None)
        if lp is None:
            return False
        pts = min([lp.points, *lp.category_points.values()])
        total = 0.0
        for f in self.m.factors:
            best = 0.0
            for r in f.rules:
                if isinstance(r, CountryRiskRule) and r.field == field:
                    best = max(best, pts)
                else:
                    best = max(best, self._rule_min(r))
            total += f.weight * best
        return total >= high_min - 1e-9

    def rationale(self) -> None:
        for i, o in enumerate(self.m.overrides):
            text = " ".join(o.rationale.split())
            if len(text) < 20 or len(text.split()) < 4 or text.lower().strip(" .") in _PLACEHOLDERS or text == o.id:
                self.add(
                    "eba-override-rationale",
                    "warning",
                    o.id,
                    f"override {o.id!r} needs a rationale that explains it (got {o.rationale!r})",
                    ("overrides", i, "rationale"),
                )

    def dead_items(self) -> None:
        for fi, f in enumerate(self.m.factors):
            for ri, r in enumerate(f.rules):
                if r.id in self.dead:
                    self.add(
                        "dead-rule",
                        "warning",
                        r.id,
                        f"rule {r.id!r} can never fire: {self.dead[r.id]}",
                        ("factors", fi, "rules", ri),
                    )
        for oi, o in enumerate(self.m.overrides):
            if o.id in self.dead:
                self.add(
                    "dead-override",
                    "warning",
                    o.id,
                    f"override {o.id!r} can never fire: {self.dead[o.id]}",
                    ("overrides", oi),
                )

    def undeclared_attributes(self) -> None:
        if self.m.attributes is not None:
            return
        first: dict[str, PathKey] = {}
        for path, name in reads(self.m):
            first.setdefault(name, path)
        for name, path in first.items():
            self.add(
                "undeclared-attribute",
                "warning",
                name,
                f"the policy reads attribute {name!r} but declares no `attributes`: its type is not checked, "
                "so a value of the wrong type or a typo silently makes conditions false",
                path,
            )

    def categories(self) -> None:
        for i, lp in enumerate(self.m.country_risk.lists):
            lst = self.policy.lists.get(lp.list)
            if lst is None or not lp.category_points:
                continue
            carried = sorted({p.category for e in lst.entries for p in e.periods if p.category is not None})
            for key in lp.category_points:
                if key in carried:
                    continue
                close = difflib.get_close_matches(key, carried, n=1, cutoff=0.6)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                self.add(
                    "unknown-category",
                    "error",
                    f"{lp.list}:{key}",
                    f"no period of list {lp.list!r} carries category {key!r}{hint}; its categories are "
                    f"{', '.join(map(repr, carried)) or 'none'}, so a typo here scores them {lp.points:g} points",
                    ("country_risk", "lists", i, "category_points", key),
                )

    def list_dates(self) -> None:
        used = {lst.id for lst in self.policy._engine.applied_lists}
        for list_id, lst in sorted(self.policy.lists.items()):
            if lst.reviewed > self.today:
                self.add(
                    "future-review",
                    "error",
                    list_id,
                    f"list {list_id!r} says it was reviewed on {lst.reviewed}, after today ({self.today}); "
                    f"that hides its staleness warnings until {lst.review_horizon}",
                    ("reviewed",),
                    self._list_file(list_id),
                )
            if list_id in used and self.as_of > lst.review_horizon:
                self.add(
                    "stale-list",
                    "warning",
                    list_id,
                    f"list {list_id!r} was last reviewed on {lst.reviewed} and was due for review on "
                    f"{lst.review_horizon}: every score as of {self.as_of} warns that it may be out of date",
                    ("reviewed",),
                    self._list_file(list_id),
                )

    def run(self) -> LintReport:
        self.undeclared_attributes()
        self.categories()
        self.list_dates()
        self.dominant_factor()
        self.tiers_reachable()
        self.statutory()
        self.rationale()
        self.dead_items()
        return self.suppress(self.cfg.suppress)

    def suppress(self, rules: list[LintSuppression]) -> LintReport:
        active: list[Finding] = []
        suppressed: list[Finding] = []
        used = [False] * len(rules)
        for f in self.out:
            hit = next(
                (i for i, s in enumerate(rules) if s.id == f.id and fnmatch.fnmatchcase(f.subject, s.subject)), None
            )
            if hit is None:
                active.append(f)
            else:
                used[hit] = True
                suppressed.append(Finding(**{**asdict(f), "suppressed_by": rules[hit].reason}))
        for i, s in enumerate(rules):
            if not used[i]:
                loc = self.located.locate(("lint", "suppress", i))
                active.append(
                    Finding(
                        "unused-suppression",
                        "warning",
                        f"{s.id}:{s.subject}",
                        "this suppression matches no finding; remove it",
                        self.located.file,
                        *(loc if loc else (None, None)),
                    )
                )
        return LintReport(active, suppressed)


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


def lint_policy(
    policy: Policy,
    *,
    max_factor_weight: float | None = None,
    as_of: date | str | None = None,
    today: date | None = None,
) -> LintReport:
    """Lint a loaded policy; ``max_factor_weight`` replaces the policy's ``lint.max_factor_weight``.

    ``as_of`` (a date or ``YYYY-MM-DD``; default today) is the date the ``stale-list`` check
    looks at; ``today`` (default: the system date) is what ``future-review`` compares with.
    """
    located = read_policy_file(policy.path)
    now = today or date.today()
    return _Linter(policy, located, max_factor_weight, parse_as_of(as_of if as_of is not None else now), now).run()
