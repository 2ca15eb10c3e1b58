"""pytest plugin: collect policy test files (``*.cases.yaml``) as test items.

Registered through the ``pytest11`` entry point ``riskscore``, so installing riskscore is
enough: ``pytest rules/tests`` runs every case, ``-k`` selects cases by id, and a failure
prints what the ``riskscore test`` runner prints (expected vs actual, file:line, and the
explanation of the actual result). Other YAML files (policies, lists, fixtures) are never
collected. Disable with ``-p no:riskscore``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..errors import PolicyError
from .cases import CASE_SUFFIX, BrokenCase, LoadedCase, load_case_file
from .runner import PolicyCache, broken_outcome, run_case

__all__ = ["CaseItem", "PolicyTestFile", "pytest_collect_file"]

_CACHE = pytest.StashKey[PolicyCache]()


class PolicyCaseFailure(Exception):
    """A policy case failed or could not run; the message is the runner's report."""


def _cache(config: pytest.Config) -> PolicyCache:
    cache = config.stash.get(_CACHE, None)
    if cache is None:
        cache = config.stash[_CACHE] = PolicyCache()
    return cache


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """Collect ``*.cases.yaml`` files; leave every other file alone."""
    if file_path.name.endswith(CASE_SUFFIX):
        return PolicyTestFile.from_parent(parent, path=file_path)
    return None


class PolicyTestFile(pytest.File):
    """A policy test file: one item per case."""

    def collect(self) -> Iterator[pytest.Item]:
        """Load the file (errors carry file:line) and yield its cases."""
        try:
            loaded = load_case_file(self.path)
        except PolicyError as exc:
            raise self.CollectError(str(exc)) from None
        for case in loaded.in_order():
            yield CaseItem.from_parent(self, name=case.id, case=case)


class CaseItem(pytest.Item):
    """One policy test case."""

    def __init__(self, *, case: LoadedCase | BrokenCase, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case

    def runtest(self) -> None:
        """Score the counterparty under the file's policy and check the expectations."""
        cache = _cache(self.config)
        policy = cache.for_file(self.case.file)
        source = cache.source(self.case.file)
        self.user_properties.append(("policy", f"{policy.id} {policy.version} at {policy.path} ({source})"))
        if isinstance(self.case, BrokenCase):
            raise PolicyCaseFailure(broken_outcome(self.case).render())
        outcome = run_case(self.case, policy)
        if outcome.status != "passed":
            raise PolicyCaseFailure(outcome.render())

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        """The runner's readable report instead of a Python traceback."""
        if isinstance(excinfo.value, (PolicyCaseFailure, PolicyError)):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo, style))

    def reportinfo(self) -> tuple[Path, int, str]:
        """Where the case is: file, 0-based line, and name."""
        return self.path, self.case.line - 1, f"policy case {self.name}"
