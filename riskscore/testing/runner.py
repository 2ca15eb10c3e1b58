"""Run policy test cases: find the files, load the policies once, check every expectation.

:func:`run` is what ``riskscore test`` and the pytest plugin call. A case *passes* when
every expectation holds, *fails* when one does not (each failure says what was expected
and what the policy gave, and the case keeps the explanation of the actual result), and
is an *error* when it cannot run (a bad reference, a refused counterparty).
"""

from __future__ import annotations

import difflib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .._progress import Progress
from ..errors import CounterpartyError, Issue, PolicyError, RiskscoreError
from ..policy import Policy, load_policy
from ..result import Result
from .cases import (
    CASE_SUFFIX,
    BrokenCase,
    Expect,
    LoadedCase,
    LoadedFile,
    describe_score,
    load_case_file,
    score_matches,
)
from .coverage import Coverage

__all__ = ["CaseOutcome", "FileRun", "PolicyCache", "Report", "check_case", "discover", "run", "run_case"]

_SKIP_DIRS = {"node_modules", "__pycache__", "venv", "site-packages"}

Status = Literal["passed", "failed", "error"]
PolicySource = Literal["file", "bundled", "override"]


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """Policy test files (``*.cases.yaml``) under ``paths`` (files are taken as given), sorted."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            found.append(path)
            continue
        for file in sorted(path.rglob(f"*{CASE_SUFFIX}")):
            rel = file.relative_to(path).parts[:-1]
            if not any(p.startswith(".") or p in _SKIP_DIRS for p in rel):
                found.append(file)
    return found


class PolicyCache:
    """Loads each policy once per run (policies are immutable and shareable)."""

    def __init__(self, override: str | Path | None = None) -> None:
        self.override = None if override is None else Path(override)
        self._loaded: dict[str, Policy] = {}

    def source(self, loaded: LoadedFile) -> PolicySource:
        """Where the policy of ``loaded`` comes from: its ``policy:``, ``--policy``, or the bundled default."""
        if self.override is not None:
            return "override"
        return "bundled" if loaded.policy_path is None else "file"

    def for_file(self, loaded: LoadedFile) -> Policy:
        """The policy a test file names (or the ``--policy`` override, or the bundled one)."""
        path = self.override if self.override is not None else loaded.policy_path
        key = str(path.resolve()) if path is not None else "<bundled>"
        if key not in self._loaded:
            self._loaded[key] = load_policy(path)
        return self._loaded[key]


@dataclass
class CaseOutcome:
    """The outcome of one case."""

    case_id: str
    file: str
    line: int
    status: Status
    failures: list[str] = field(default_factory=list)
    explanation: str | None = None
    result: Result | None = None
    seconds: float = 0.0
    issues: list[Issue] = field(default_factory=list)
    """The problems that made the case an error (each with its code and file:line)."""

    @property
    def location(self) -> str:
        """``file:line`` of the case."""
        return f"{self.file}:{self.line}"

    def render(self) -> str:
        """The readable failure report: case, file:line, expected vs actual, explanation."""
        head = f"{self.status.upper()} {self.case_id} ({self.location})"
        lines = [head, *(f"  {f}" for f in self.failures)]
        if self.explanation:
            lines.append("  --- explanation of the actual result ---")
            lines.extend(f"  | {ln}" if ln else "  |" for ln in self.explanation.splitlines())
        return "\n".join(lines)


@dataclass(frozen=True)
class FileRun:
    """Which policy a test file ran against, and why that one.

    ``source`` is ``"file"`` (the file's ``policy:``), ``"override"`` (``--policy``) or
    ``"bundled"`` (the file names no policy, so the bundled default ran).
    """

    file: str
    policy_path: str
    policy_id: str
    policy_version: str
    source: PolicySource

    def describe(self) -> str:
        """One line: the file, the policy and, unless the file named it, where it came from."""
        why = {
            "file": "",
            "override": " (from --policy)",
            "bundled": " (the bundled default: the file names no policy)",
        }
        return f"{self.file}: ran against policy {self.policy_id} {self.policy_version} at {self.policy_path}{why[self.source]}"


@dataclass
class Report:
    """Every case outcome of a run, file-level errors, the policy of each file, and coverage per policy."""

    outcomes: list[CaseOutcome] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    coverage: dict[str, Coverage] = field(default_factory=dict)
    files: list[FileRun] = field(default_factory=list)

    def count(self, status: Status) -> int:
        """Number of cases with ``status``."""
        return sum(o.status == status for o in self.outcomes)

    @property
    def ok(self) -> bool:
        """No failure, no error, and at least one case ran."""
        return not self.errors and bool(self.outcomes) and all(o.status == "passed" for o in self.outcomes)


def _ids_check(
    case: LoadedCase, key: str, wanted: list[str], known: list[str], what: str, problems: list[Issue]
) -> None:
    for j, ident in enumerate(wanted):
        if ident not in known:
            close = difflib.get_close_matches(ident, known, n=1, cutoff=0.6)
            problems.append(
                case.issue(
                    ("expect", key, j),
                    f"the policy has no {what} {ident!r}",
                    f"unknown-{what}",
                    close[0] if close else None,
                )
            )


def references(case: LoadedCase, policy: Policy) -> list[Issue]:
    """Expectations naming rules, overrides, factors or tiers the policy does not have."""
    m, e = policy.model, case.case.expect
    rules = [r.id for f in m.factors for r in f.rules]
    overrides = [o.id for o in m.overrides]
    problems: list[Issue] = []
    _ids_check(case, "fires", e.fires, rules, "rule", problems)
    _ids_check(case, "not_fires", e.not_fires, rules, "rule", problems)
    _ids_check(case, "overrides", e.overrides, overrides, "override", problems)
    _ids_check(case, "not_overrides", e.not_overrides, overrides, "override", problems)
    _ids_check(case, "only_overrides", e.only_overrides or [], overrides, "override", problems)
    _ids_check(case, "factors", list(e.factors), [f.id for f in m.factors], "factor", problems)
    tiers = [e.tier] if isinstance(e.tier, str) else list(e.tier or [])
    if e.tier_before_overrides is not None:
        tiers.append(e.tier_before_overrides)
    for t in tiers:
        if t not in policy.tiers:
            close = difflib.get_close_matches(t, policy.tiers, n=1, cutoff=0.6)
            problems.append(case.issue(("expect", "tier"), f"the policy has no tier {t!r}", "unknown-tier", *close[:1]))
    return problems


def fired_rules(result: Result) -> list[str]:
    """Rules that fired: a contribution with weighted points > 0."""
    return [c.rule_id for c in result.contributions if c.weighted > 0]


def check_case(case: LoadedCase, result: Result) -> list[str]:
    """Every unmet expectation of ``case`` against ``result``, as readable lines."""
    e = case.case.expect
    out: list[str] = []

    def at(key: str) -> str:
        return case.where("expect", key)

    if e.tier is not None:
        wanted = [e.tier] if isinstance(e.tier, str) else e.tier
        if result.tier not in wanted:
            exp = repr(e.tier) if isinstance(e.tier, str) else f"one of {wanted}"
            out.append(f"tier: expected {exp}, got {result.tier!r} (score {result.score:g})  [{at('tier')}]")
    if e.score is not None and not score_matches(e.score, result.score):
        out.append(f"score: expected {describe_score(e.score)}, got {result.score:g}  [{at('score')}]")
    if e.tier_before_overrides is not None and result.tier_before_overrides != e.tier_before_overrides:
        out.append(
            f"tier_before_overrides: expected {e.tier_before_overrides!r}, got {result.tier_before_overrides!r}"
            f"  [{at('tier_before_overrides')}]"
        )
    if e.score_before_overrides is not None and not score_matches(
        e.score_before_overrides, result.score_before_overrides
    ):
        out.append(
            f"score_before_overrides: expected {describe_score(e.score_before_overrides)}, "
            f"got {result.score_before_overrides:g}  [{at('score_before_overrides')}]"
        )
    for fid, want in e.factors.items():
        got = result.factors.get(fid, 0.0)
        if not score_matches(want, got):
            out.append(f"factor {fid}: expected {describe_score(want)}, got {got:g}  [{at('factors')}]")
    out += _firing_failures(e, result, at)
    if e.explanation_contains:
        text = result.explain(detail="verbose")  # every fact and source occurrence
        for j, needle in enumerate(e.explanation_contains):
            if needle not in text:
                out.append(
                    f"explanation_contains: {needle!r} is not in the explanation  "
                    f"[{case.where('expect', 'explanation_contains', j)}]"
                )
    return out


def _firing_failures(e: Expect, result: Result, at: Callable[[str], str]) -> list[str]:
    """The unmet ``fires``/``not_fires`` and ``overrides``/``not_overrides``/``only_overrides`` of ``e``.

    ``at`` gives the ``file:line`` of an ``expect`` key.
    """
    out: list[str] = []
    fired = fired_rules(result)
    shown = ", ".join(fired) or "none"
    for rid in e.fires:
        if rid not in fired:
            why = _why_not(result, rid)
            out.append(f"fires: expected rule {rid!r} to fire; it did not{why} (fired: {shown})  [{at('fires')}]")
    for rid in e.not_fires:
        if rid in fired:
            out.append(f"not_fires: expected rule {rid!r} not to fire; it did (fired: {shown})  [{at('not_fires')}]")
    applied = [o.override_id for o in result.overrides]
    shown_o = ", ".join(applied) or "none"
    for oid in e.overrides:
        if oid not in applied:
            out.append(f"overrides: expected {oid!r} to apply; it did not (applied: {shown_o})  [{at('overrides')}]")
    for oid in e.not_overrides:
        if oid in applied:
            out.append(f"not_overrides: expected {oid!r} not to apply; it did  [{at('not_overrides')}]")
    if e.only_overrides is not None and sorted(set(applied)) != sorted(set(e.only_overrides)):
        out.append(
            f"only_overrides: expected exactly {sorted(e.only_overrides)}, got {sorted(applied)}  [{at('only_overrides')}]"
        )
    return out


def _why_not(result: Result, rule_id: str) -> str:
    c = next((c for c in result.contributions if c.rule_id == rule_id), None)
    return "" if c is None else f" (it matched with {c.points:g} points but was superseded within factor {c.factor!r})"


def run_case(case: LoadedCase, policy: Policy) -> CaseOutcome:
    """Score the case's counterparty and check the expectations."""
    start = time.perf_counter()
    outcome = CaseOutcome(case.id, str(case.located.file), case.line, "passed")
    problems = references(case, policy)
    if problems:
        outcome.status = "error"
        outcome.failures = [str(p) for p in problems]
        outcome.issues = problems
        return outcome
    try:
        result = policy.score(case.counterparty, case.as_of)
    except CounterpartyError as exc:
        outcome.status = "error"
        outcome.failures = [f"the policy refused the counterparty: {exc}  [{case.where('counterparty')}]"]
        return outcome
    outcome.result = result
    outcome.failures = check_case(case, result)
    if outcome.failures:
        outcome.status = "failed"
        outcome.explanation = result.explain()
    outcome.seconds = time.perf_counter() - start
    return outcome


def broken_outcome(case: BrokenCase) -> CaseOutcome:
    """The error outcome of a case that cannot run (see :class:`~riskscore.testing.cases.BrokenCase`)."""
    outcome = CaseOutcome(case.id, str(case.located.file), case.line, "error", issues=list(case.issues))
    outcome.failures = [str(i) for i in case.issues]
    return outcome


def iter_files(paths: Iterable[str | Path], report: Report) -> Iterator[LoadedFile]:
    """Load each test file under ``paths``; a file that fails to load is a report error."""
    files = discover(paths)
    if not files:
        report.errors.append(f"no policy test files (*{CASE_SUFFIX}) under {', '.join(str(p) for p in paths)}")
    for path in files:
        try:
            yield load_case_file(path)
        except PolicyError as exc:
            report.errors.extend(str(i) for i in exc.issues)


def run(
    paths: Iterable[str | Path],
    policy: str | Path | None = None,
    *,
    keyword: str | None = None,
    progress: Progress | None = None,
) -> Report:
    """Run every case under ``paths``; ``policy`` replaces the policy each file names.

    ``keyword`` keeps only cases whose id contains it. Coverage is collected per policy
    (keyed by the policy's path) over the cases that ran. ``progress`` is advanced per case.
    """
    paths = list(paths)
    report = Report()
    cache = PolicyCache(policy)
    for loaded in iter_files(paths, report):
        try:
            pol = cache.for_file(loaded)
        except RiskscoreError as exc:
            report.errors.append(f"{loaded.path}: cannot load its policy:\n{exc}")
            continue
        report.files.append(FileRun(str(loaded.path), str(pol.path), pol.id, pol.version, cache.source(loaded)))
        cov = report.coverage.setdefault(str(pol.path), Coverage(pol))
        for case in loaded.in_order():
            if keyword is not None and keyword not in case.id:
                continue
            outcome = run_case(case, pol) if isinstance(case, LoadedCase) else broken_outcome(case)
            report.outcomes.append(outcome)
            if progress is not None:
                progress.advance(note=f"{len(report.files)} file(s)")
            if outcome.result is not None:
                cov.record(outcome.result)
    if keyword is not None and not report.outcomes and not report.errors:
        report.errors.append(f"no case id contains {keyword!r}")
    return report
