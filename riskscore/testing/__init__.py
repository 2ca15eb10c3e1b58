"""Policy as code: test files for policies, a runner, rule coverage and a pytest plugin.

Policy test files are YAML files named ``*.cases.yaml`` (see :mod:`riskscore.testing.cases`
for the format). Run them with ``riskscore test [PATH]``, or with pytest, which collects
them through the plugin :mod:`riskscore.testing.plugin` (registered as the ``pytest11``
entry point ``riskscore``). See docs/policy-as-code.md.
"""

from __future__ import annotations

from .cases import CASE_SUFFIX, Case, CaseFile, Expect, load_case_file
from .coverage import Coverage, never_fires
from .runner import CaseOutcome, Report, discover, run

__all__ = [
    "CASE_SUFFIX",
    "Case",
    "CaseFile",
    "CaseOutcome",
    "Coverage",
    "Expect",
    "Report",
    "discover",
    "load_case_file",
    "never_fires",
    "run",
]
