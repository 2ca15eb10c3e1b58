"""The state every policy lint check shares: the policy, its file, the dates and the findings.

:class:`LintContext` is the base of the check classes (``riskscore._lint_*``); its
:meth:`~LintContext.add` records a finding at a key path of the policy file (or of a list file).
"""

from __future__ import annotations

from datetime import date

from ._lint_report import Finding, Severity
from ._yaml import LocatedData, PathKey
from .attributes import attribute_gaps
from .errors import PolicyError
from .policy import Policy, read_policy_file
from .testing.coverage import never_fires

__all__ = ["LintContext"]


class LintContext:
    """A policy under lint, what the checks derive from it once, and the findings so far."""

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
        """Record a finding located at ``path`` of ``in_file`` (default: the policy file)."""
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
