"""The policy test file format (pydantic models) and its loader.

A policy test file is YAML named ``*.cases.yaml``. It names the policy it tests, may load
shared counterparties from fixture files, and lists cases: a counterparty, an optional
date, and what the policy must say about it::

    # yaml-language-server: $schema=../schema/tests.schema.json
    policy: ../default/policy.yaml        # relative to this file
    as_of: 2026-07-01                     # default date of every case
    fixtures: [fixtures.yaml]             # files with a `counterparties:` mapping
    cases:
      - id: turkish_exporter_is_high
        counterparty: tr_exporter         # a fixture name, or an inline mapping
        patch: {pep: true}                # optional: change fields of the counterparty
        expect:
          tier: high
          score: {min: 50, max: 75}
          fires: [chpl_tier_1_2_exposed]
          overrides: [chpl_to_russia_belarus_floor_high]
          explanation_contains: ["Common High Priority List"]

A rule *fires* when it has a contribution with ``weighted > 0``: it matched and its points
counted in the score. A rule that matched but was superseded by a higher rule of a ``max``
factor has a contribution with ``weighted == 0`` and does not fire. An override fires
when its condition held (it is listed in the result's overrides), whether or not it moved
the score.

The models are in ``riskscore.testing._case_models``, the loaded cases in
``riskscore.testing._loaded_cases`` and the loader in ``riskscore.testing._case_loader``.
"""

from __future__ import annotations

from ._case_loader import load_case_file
from ._case_models import (
    CASE_SUFFIX,
    Case,
    CaseFile,
    Expect,
    ScoreApprox,
    ScoreExpectation,
    ScoreRange,
)
from ._case_models import describe_score as describe_score  # importable from here as before (the runner's)
from ._case_models import score_matches as score_matches
from ._loaded_cases import BrokenCase, LoadedCase, LoadedFile, located_issue

__all__ = [
    "BrokenCase",
    "Case",
    "CaseFile",
    "Expect",
    "LoadedCase",
    "LoadedFile",
    "ScoreApprox",
    "ScoreExpectation",
    "ScoreRange",
    "load_case_file",
    "located_issue",
    "CASE_SUFFIX",
]
