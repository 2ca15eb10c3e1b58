"""The policy lint's findings and report: what ``riskscore validate`` prints and exits with.

:class:`Finding` is one finding, :class:`LintReport` the active and suppressed ones (its
``exit_code(strict=...)`` is ``validate --strict``), and :func:`apply_suppressions` sorts
findings by a policy's ``lint.suppress`` section, reporting suppressions that matched nothing.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import asdict, dataclass
from typing import Literal

from ._yaml import LocatedData
from .policy_model import LintSuppression

__all__ = ["Finding", "LintReport", "Severity", "apply_suppressions"]

Severity = Literal["error", "warning"]


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


def apply_suppressions(findings: list[Finding], rules: list[LintSuppression], located: LocatedData) -> LintReport:
    """Split ``findings`` by the suppressions ``rules`` (of the policy file ``located``).

    A suppressed finding carries its suppression's reason; a suppression that matched no
    finding is an ``unused-suppression`` warning at its place in the policy file.
    """
    active: list[Finding] = []
    suppressed: list[Finding] = []
    used = [False] * len(rules)
    for f in findings:
        hit = next((i for i, s in enumerate(rules) if s.id == f.id and fnmatch.fnmatchcase(f.subject, s.subject)), None)
        if hit is None:
            active.append(f)
        else:
            used[hit] = True
            suppressed.append(Finding(**{**asdict(f), "suppressed_by": rules[hit].reason}))
    for i, s in enumerate(rules):
        if not used[i]:
            loc = located.locate(("lint", "suppress", i))
            active.append(
                Finding(
                    "unused-suppression",
                    "warning",
                    f"{s.id}:{s.subject}",
                    "this suppression matches no finding; remove it",
                    located.file,
                    *(loc if loc else (None, None)),
                )
            )
    return LintReport(active, suppressed)
