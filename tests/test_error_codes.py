"""One minimal invalid file per error code that had no test: the code and the line it reports."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from conftest import TEST_LIST, TEST_POLICY, write_policy

import riskscore
import riskscore.policy
from riskscore import _codes
from riskscore.lint import lint_policy
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


# ---------------------------------------------------------------- codes whose only tests were elsewhere or none


def _amend(tmp_path: Path, body: str) -> Path:
    path = write_policy(tmp_path)
    head = 'amends: test_high\ntitle: t\nsources:\n  - {id: s, title: "Statement", url: "https://example.org/s"}\n'
    (tmp_path / "lists" / "t.amend.yaml").write_text(head + body)
    return path


def test_bad_change_a_delisting_given_a_category(tmp_path: Path) -> None:
    path = _amend(
        tmp_path,
        "changes:\n  - {code: HU, action: delist, date: 2025-03-01, category: severe, source: s, confidence: confirmed}\n",
    )
    with pytest.raises(riskscore.PolicyError) as exc:
        riskscore.load_policy(path)
    issue = _issue(exc, "bad-change")
    assert (issue.line, issue.key_path) == (6, "changes[0].category")


def test_amend_invalid_an_amended_list_past_the_calendar(tmp_path: Path) -> None:
    path = _amend(tmp_path, "reviewed: 9999-12-01\nchanges: []\n")
    with pytest.raises(riskscore.PolicyError) as exc:
        riskscore.load_policy(path)
    assert _issue(exc, "amend-invalid").file == str(tmp_path / "lists" / "t.amend.yaml")


def _report(tmp_path: Path, overrides: str, rules: str = "") -> list[tuple[str, str]]:
    policy = TEST_POLICY.replace(
        '        reason: "exposure {exposure}"\n', '        reason: "exposure {exposure}"\n' + rules
    )
    path = write_policy(tmp_path, policy=policy, overrides=overrides)
    report = lint_policy(riskscore.load_policy(path), as_of="2024-06-01")
    return [(f.id, f.subject) for f in report.findings]


def test_dead_rule_and_dead_override(tmp_path: Path) -> None:
    zero = "      - {id: nothing, kind: condition, when: {flag: pep}, points: 0, reason: never anything}\n"
    never = (
        "- {id: never, when: {country_in: {field: incorporation, list: test_high, categories: [nosuch]}},"
        " action: add, points: 5, rationale: A category no period of the list carries.}"
    )
    findings = _report(tmp_path, never, zero)
    assert ("dead-rule", "nothing") in findings
    assert ("dead-override", "never") in findings


def test_unknown_possible_and_unknown_scored_bulk_warnings(tmp_path: Path) -> None:
    policy = riskscore.load_policy(write_policy(tmp_path))  # test_high: history from 2020-01-01
    [w] = policy._engine.date_warnings(date(2019, 6, 1))
    assert (w.code, w.list_id, w.history_from) == ("unknown-possible", "test_high", date(2020, 1, 1))
    scored = TEST_POLICY.replace("{list: test_high, points: 40,", "{list: test_high, points: 40, unknown_points: 25,")
    assert scored != TEST_POLICY
    policy = riskscore.load_policy(write_policy(tmp_path, policy=scored))
    [w] = policy._engine.date_warnings(date(2019, 6, 1))
    assert (w.code, w.list_id) == ("unknown-scored", "test_high") and "as 25 points" in w.message


def test_invalid_a_list_entry_citing_an_unknown_source(tmp_path: Path) -> None:
    text = TEST_LIST.replace(
        "delisted: {date: 2023-01-01, source: src_b}", "delisted: {date: 2023-01-01, source: src_z}"
    )
    assert text != TEST_LIST
    with pytest.raises(riskscore.PolicyError) as exc:
        riskscore.load_policy(write_policy(tmp_path, list_text=text))
    issue = _issue(exc, "invalid")
    assert issue.key_path == "entries[0].periods[0].delisted" and "src_z" in issue.message


# ---------------------------------------------------------------- the registry (riskscore._codes)

REPO = Path(__file__).resolve().parent.parent
KEBAB = re.compile(r"\"([a-z0-9]+(?:-[a-z0-9]+)+)\"")
NOT_CODES = {  # kebab-case strings of the source that are not codes
    "per-row",  # BatchResult.mode
    "congo-brazzaville",  # country aliases
    "congo-kinshasa",
    "function-after",  # a pydantic location part
    "site-packages",
    "utf-8",
    "utf-8-sig",
    "cp-1",  # a docstring example id
    "relationship-records",  # the GLEIF API's record type
    "riskscore-score",  # a Dask task token
}
REGISTERED = {**_codes.ERROR_CODES, **_codes.LINT_IDS, **_codes.WARNING_CODES, **_codes.NETWORK_NOTES}


def _source_codes() -> set[str]:
    found: set[str] = set()
    for path in (REPO / "riskscore").rglob("*.py"):
        if path.name == "_codes.py":
            continue
        found |= {m for m in KEBAB.findall(path.read_text()) if not re.fullmatch(r"[0-9-]+", m)}
    return found - NOT_CODES


def test_every_code_the_source_names_is_registered() -> None:
    assert _source_codes() - set(REGISTERED) == set()


def test_every_registered_code_is_named_in_the_source() -> None:
    # a registered code nothing raises is a stale registry entry
    text = "".join(p.read_text() for p in (REPO / "riskscore").rglob("*.py") if p.name != "_codes.py")
    assert {c for c in REGISTERED if f'"{c}"' not in text} == set()


def test_every_registered_code_has_a_test_that_asserts_it() -> None:
    tests = "".join(p.read_text() for p in (REPO / "tests").glob("test_*.py") if p.name != "test_error_codes.py")
    tests += (
        Path(__file__)
        .read_text()
        .split("# ---------------------------------------------------------------- the registry")[0]
    )
    tests += (REPO / "fuzz" / "hostile.py").read_text()  # its cases assert the refusal (test_hardening)
    untested = {c for c in REGISTERED if not re.search(rf"(?<![a-z-]){re.escape(c)}(?![a-z-])", tests)}
    assert untested == set()


def test_the_code_reference_in_the_docs_is_current() -> None:
    text = (REPO / "docs" / "errors.md").read_text()
    assert text.rstrip("\n").endswith(_codes.markdown().rstrip("\n")), "run: python -m riskscore._codes"
