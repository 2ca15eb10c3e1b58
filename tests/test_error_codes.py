"""One minimal invalid file per error code that had no test: the code and the line it reports."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import TEST_LIST, TEST_POLICY, write_policy

import riskscore
import riskscore.policy
from riskscore.testing.cases import load_case_file


def _issue(exc: pytest.ExceptionInfo[riskscore.PolicyError], code: str) -> riskscore.Issue:
    """The one issue of ``exc`` with ``code`` (every issue is listed if it is missing)."""
    found = [i for i in exc.value.issues if i.code == code]
    assert len(found) == 1, [str(i) for i in exc.value.issues]
    return found[0]


def _line_of(path: Path, text: str) -> int:
    """1-based number of the first line of ``path`` that contains ``text``."""
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_bad_key_a_mapping_key_that_is_not_a_scalar(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path, policy=TEST_POLICY.replace("title: Test policy\n", "title: Test policy\n? [a, b]\n: 1\n")
    )
    with pytest.raises(riskscore.PolicyError) as exc:
        riskscore.load_policy(path)
    issue = _issue(exc, "bad-key")
    assert (issue.file, issue.line) == (str(path), _line_of(path, "? [a, b]"))


def test_no_default_the_bundled_policy_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(riskscore.policy, "_HERE", tmp_path / "site-packages" / "riskscore")
    with pytest.raises(riskscore.PolicyError) as exc:
        riskscore.load_policy()
    issue = _issue(exc, "no-default")
    assert (issue.file, issue.line) == (None, None)  # no file to point at


def test_duplicate_list_two_list_files_with_one_id(tmp_path: Path) -> None:
    path = write_policy(tmp_path)
    copy = tmp_path / "lists" / "zz_copy.yaml"
    copy.write_text(TEST_LIST.replace("AA_CODE", "PL"))
    with pytest.raises(riskscore.PolicyError) as exc:
        riskscore.load_policy(path)
    issue = _issue(exc, "duplicate-list")
    assert (issue.file, issue.line, issue.key_path) == (str(copy), 1, "id")
    assert "test_high.yaml" in issue.message  # names where the id was first defined


def test_tier_start_the_first_tier_does_not_start_at_zero(tmp_path: Path) -> None:
    path = write_policy(tmp_path, policy=TEST_POLICY.replace("{id: low, min: 0}", "{id: low, min: 5}"))
    with pytest.raises(riskscore.PolicyError) as exc:
        riskscore.load_policy(path)
    issue = _issue(exc, "tier-start")
    assert (issue.line, issue.key_path) == (_line_of(path, "{id: low, min: 5}"), "tiers[0].min")


def test_score_in_rule_a_condition_rule_reads_the_weighted_score(tmp_path: Path) -> None:
    rule = """\
      - id: reads_score
        kind: condition
        when: {gte: [{score: weighted}, 40]}
        points: 10
        reason: "score {points}"
"""
    policy = TEST_POLICY.replace(
        '        reason: "exposure {exposure}"\n', '        reason: "exposure {exposure}"\n' + rule
    )
    path = write_policy(tmp_path, policy=policy)
    with pytest.raises(riskscore.PolicyError) as exc:
        riskscore.load_policy(path)
    issue = _issue(exc, "score-in-rule")
    assert issue.line == _line_of(path, "when: {gte: [{score: weighted}, 40]}")
    assert issue.key_path == "factors[1].rules[1].when"


CASES = """\
as_of: 2026-07-01
fixtures: [shared.yaml, missing.yaml]
cases:
  - id: de_is_low
    counterparty: de
    expect: {tier: low}
  - id: typo
    counterparty: dee
    expect: {tier: low}
"""
SHARED = "counterparties:\n  de: {incorporation: DE, owners: [{country: DE, share: 1.0}], trade_partners: []}\n"


def test_no_fixtures_a_fixture_file_that_does_not_exist(tmp_path: Path) -> None:
    (tmp_path / "shared.yaml").write_text(SHARED)
    path = tmp_path / "demo.cases.yaml"
    path.write_text(CASES)
    with pytest.raises(riskscore.PolicyError) as exc:
        load_case_file(path)
    issue = _issue(exc, "no-fixtures")
    assert (issue.file, issue.line, issue.key_path) == (str(path), 2, "fixtures[1]")


def test_unknown_fixture_a_case_names_no_known_fixture(tmp_path: Path) -> None:
    (tmp_path / "shared.yaml").write_text(SHARED)
    path = tmp_path / "demo.cases.yaml"
    path.write_text(CASES.replace("shared.yaml, missing.yaml", "shared.yaml"))
    loaded = load_case_file(path)
    (broken,) = loaded.broken
    (issue,) = broken.issues
    assert (issue.code, issue.file, issue.line, issue.key_path) == (
        "unknown-fixture",
        str(path),
        8,
        "cases[1].counterparty",
    )
    assert issue.suggestion == "de" and [c.id for c in loaded.cases] == ["de_is_low"]
