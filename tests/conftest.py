"""Shared fixtures: the bundled policy, and a builder for small throwaway policies.

Hypothesis profiles: ``ci`` (derandomized, so a CI run is reproducible; chosen when ``CI`` is
set) and ``dev`` (random, the local default). Pick one with ``HYPOTHESIS_PROFILE=...``.
Neither has a deadline: timing belongs in ``benchmarks/``.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

import riskscore

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))

TEST_LIST = """\
id: test_high
title: Test high-risk list
authority: TEST
sources:
  - {id: src_a, title: Source A, url: "https://example.org/a"}
  - {id: src_b, title: Source B, url: "https://example.org/b"}
reviewed: 2024-01-01
review_interval_days: 365
history_from: 2020-01-01
entries:
  - code: AA_CODE
    periods:
      - listed: {date: 2021-01-01, source: src_a}
        delisted: {date: 2023-01-01, source: src_b}
      - listed: {date: 2024-06-01, source: src_b}
  - code: "HU"
    periods:
      - listed: {date: 2020-01-01, source: src_a}
        category: severe
"""

TEST_POLICY = """\
id: test-policy
version: "1"
title: Test policy
lists: [lists]
country_risk:
  baseline: 10
  lists:
    - {list: test_high, points: 40, category_points: {severe: 100}}
factors:
  - id: geo
    weight: 0.5
    rules:
      - id: geo_country
        kind: country_risk
        field: incorporation
        missing_points: 30
        reason: "incorporated in {country}: {points}"
  - id: partners
    weight: 0.5
    rules:
      - id: exposure
        kind: exposure
        missing_points: 0
        reason: "exposure {exposure}"
OVERRIDES
tiers:
  - {id: low, min: 0}
  - {id: medium, min: 20}
  - {id: high, min: 40}
  - {id: prohibited, min: 75}
"""

PolicyFactory = Callable[..., riskscore.Policy]


@pytest.fixture(scope="session")
def policy() -> riskscore.Policy:
    """The bundled default policy."""
    return riskscore.load_policy()


def write_policy(
    tmp_path: Path, *, overrides: str = "", code: str = "PL", policy: str | None = None, list_text: str | None = None
) -> Path:
    """Write the small test policy (with ``overrides`` YAML) and its list; return the policy path."""
    (tmp_path / "lists").mkdir(exist_ok=True)
    (tmp_path / "lists" / "test_high.yaml").write_text((list_text or TEST_LIST).replace("AA_CODE", code))
    body = policy or TEST_POLICY
    block = "overrides:\n" + textwrap.indent(textwrap.dedent(overrides), "  ") if overrides else ""
    path = tmp_path / "policy.yaml"
    path.write_text(body.replace("OVERRIDES\n", block + "\n" if block else ""))
    return path


@pytest.fixture
def make_policy(tmp_path: Path) -> PolicyFactory:
    """Build a small policy: PL listed (40 points) 2021-2022 and again from 2024-06-01; HU severe (100)."""

    def build(**kwargs: str) -> riskscore.Policy:
        return riskscore.load_policy(write_policy(tmp_path, **kwargs))

    return build
