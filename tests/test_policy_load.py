"""Loading policies: every mistake is reported with file:line, key path and a suggestion."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import TEST_POLICY, PolicyFactory, write_policy

import riskscore
from riskscore import PolicyError

REPO = Path(__file__).resolve().parent.parent


def errors(tmp_path: Path, policy: str) -> PolicyError:
    path = write_policy(tmp_path, policy=policy)
    with pytest.raises(PolicyError) as info:
        riskscore.load_policy(path)
    return info.value


def test_typo_in_a_key_gives_file_line_and_suggestion(tmp_path: Path) -> None:
    err = errors(
        tmp_path, TEST_POLICY.replace("  - id: partners\n    weight: 0.5", "  - id: partners\n    wieght: 0.5")
    )
    issue = next(i for i in err.issues if i.code == "extra_forbidden")
    assert issue.file is not None and issue.file.endswith("policy.yaml")
    assert (issue.line, issue.column, issue.key_path) == (19, 5, "factors[1].wieght")
    assert issue.suggestion == "weight"
    assert (
        "policy.yaml:19:5: extra_forbidden at 'factors[1].wieght': unknown key 'wieght' (did you mean 'weight'?)"
        in str(err)
    )


def test_all_problems_are_reported_together(tmp_path: Path) -> None:
    bad = TEST_POLICY.replace("weight: 0.5", "weight: 0.6", 1).replace("list: test_high", "list: test_hihg")
    bad = bad.replace('reason: "exposure {exposure}"', 'reason: "exposure {exposre}"')
    err = errors(tmp_path, bad)
    codes = {i.code: i for i in err.issues}
    assert {"unknown-list", "weights-sum", "bad-placeholder"} <= set(codes)
    assert codes["unknown-list"].suggestion == "test_high" and codes["unknown-list"].line == 8
    assert codes["bad-placeholder"].suggestion == "exposure"
    assert "sum to 1.1" in codes["weights-sum"].message


@pytest.mark.parametrize(
    ("overrides", "code", "text"),
    [
        (
            "- {id: o, when: {flag: pep}, action: floor, tier: hihg, rationale: r}\n",
            "unknown-tier",
            "unknown tier 'hihg'",
        ),
        ("- {id: o, when: {flag: pep}, action: floor, tier: high}\n", "missing", "missing required key 'rationale'"),
        ("- {id: o, when: {flag: pep}, action: floor, tier: high, rationale: ''}\n", "string_too_short", ""),
        ("- {id: o, when: {gte: [{factor: geoo}, 1]}, action: prohibit, rationale: r}\n", "unknown-factor", "geoo"),
        ("- {id: o, when: {bogus: 1}, action: prohibit, rationale: r}\n", "condition", "one operator"),
        ("- {id: o, when: {flag: pep}, action: cap, rationale: r}\n", "value_error", "cap takes a score"),
        (
            "- {id: o, when: {flag: pep}, action: cap, score: 5, points: 1, rationale: r}\n",
            "value_error",
            "cap does not take points",
        ),
        (
            "- {id: o, when: {flag: pep}, action: add, points: 5, tier: high, rationale: r}\n",
            "value_error",
            "add does not take tier",
        ),
        (
            "- {id: o, when: {product_in: {list: test_high}}, action: prohibit, rationale: r}\n",
            "list-kind",
            "country list",
        ),
    ],
)
def test_override_mistakes(make_policy: PolicyFactory, overrides: str, code: str, text: str) -> None:
    with pytest.raises(PolicyError) as info:
        make_policy(overrides=overrides)
    issue = next(i for i in info.value.issues if i.code == code)
    assert issue.line is not None
    assert text in str(info.value)


def test_duplicate_ids_and_unreachable_tier_order(tmp_path: Path) -> None:
    bad = TEST_POLICY.replace("id: exposure", "id: geo_country").replace("{id: high, min: 40}", "{id: high, min: 10}")
    codes = {i.code for i in errors(tmp_path, bad).issues}
    assert {"duplicate-id", "tier-order"} <= codes


def test_factor_reference_must_be_defined_earlier_in_rules(tmp_path: Path) -> None:
    bad = TEST_POLICY.replace(
        """      - id: geo_country
        kind: country_risk""",
        """      - id: early
        kind: condition
        when: {gte: [{factor: partners}, 1]}
        points: 5
        reason: r
      - id: geo_country
        kind: country_risk""",
    )
    issue = next(i for i in errors(tmp_path, bad).issues if i.code == "unknown-factor")
    assert "not defined earlier" in issue.message


def test_unknown_authority_is_refused_with_suggestion(tmp_path: Path) -> None:
    err = errors(tmp_path, TEST_POLICY.replace("lists: [lists]", "lists: [lists]\nauthorities: [TSET]"))
    assert err.issues[0].code == "unknown-authority" and err.issues[0].suggestion == "TEST"


def test_missing_list_folder_and_missing_file(tmp_path: Path) -> None:
    err = errors(tmp_path, TEST_POLICY.replace("lists: [lists]", "lists: [nowhere]"))
    assert err.issues[0].code == "missing-list" and err.issues[0].line == 4
    with pytest.raises(PolicyError, match="io-error"):
        riskscore.load_policy(tmp_path / "absent.yaml")


def test_broken_list_file_is_reported_with_its_own_file_and_line(tmp_path: Path) -> None:
    path = write_policy(tmp_path)
    list_file = tmp_path / "lists" / "test_high.yaml"
    list_file.write_text(list_file.read_text().replace("reviewed: 2024-01-01", "reviewd: 2024-01-01"))
    with pytest.raises(PolicyError) as info:
        riskscore.load_policy(path)
    issue = next(i for i in info.value.issues if i.code == "extra_forbidden")
    assert issue.file == str(list_file) and issue.line == 7 and issue.suggestion == "reviewed"


def test_default_policy_loads_from_folder_and_validates(tmp_path: Path) -> None:
    target = tmp_path / "copy"
    shutil.copytree(REPO / "rules", target)
    policy = riskscore.load_policy(target / "default")
    assert policy.id == "riskscore-default"
    assert policy.tiers == ["low", "medium", "high", "prohibited"]
    assert set(policy.authorities) == {"EU", "Egmont", "FATF", "UK", "UN", "US"}


def test_fingerprint_is_stable_and_tracks_content(tmp_path: Path) -> None:
    target = tmp_path / "copy"
    shutil.copytree(REPO / "rules", target)
    first = riskscore.load_policy(target / "default").fingerprint
    assert riskscore.load_policy(target / "default").fingerprint == first == riskscore.load_policy().fingerprint
    grey = target / "lists" / "fatf_increased_monitoring.yaml"
    grey.write_text(grey.read_text().replace("2024-10-25", "2024-10-26", 1))
    assert riskscore.load_policy(target / "default").fingerprint != first


def test_a_compiled_policy_cannot_be_changed_through_its_views(policy: riskscore.Policy) -> None:
    cp = {"id": "x", "incorporation": "TR", "owners": [], "trade_partners": []}
    before = policy.score(cp, as_of="2026-07-01")
    policy.model.factors.clear()
    policy.model.overrides.clear()
    assert policy.score(cp, as_of="2026-07-01") == before
    with pytest.raises(AttributeError):
        policy.path = Path("/elsewhere")  # type: ignore[misc]


@pytest.mark.parametrize("bad", ["rules\x00/policy.yaml", "x" * 5000])
def test_unusable_policy_paths_are_refused_cleanly(bad: str) -> None:
    with pytest.raises(PolicyError, match="io-error"):
        riskscore.load_policy(bad)
