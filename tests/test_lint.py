"""`riskscore validate`: schema errors with file:line and suggestions, and the policy lint."""

from __future__ import annotations

import pickle
from datetime import date
from pathlib import Path

import pytest
from conftest import TEST_POLICY, write_policy

import riskscore
from riskscore.cli import main
from riskscore.lint import LintReport, lint_policy
from riskscore.policy import load_policy_bytes

FLOOR_ANY = "- {id: listed_floor, when: {country_in: {field: any, list: test_high}}, action: floor, tier: high, rationale: Any link to a listed country is never below high.}"
PROHIBIT_HU = "- {id: hu_prohibit, when: {country_in: {field: incorporation, list: test_high}}, action: prohibit, rationale: Incorporation in a listed country is prohibited here.}"
LINT = "lint:\n  statutory_lists: [test_high]\n"


ON_TIME = "2024-06-01"  # the test list (reviewed 2024-01-01, every 365 days) is not yet due for review


def lint(tmp_path: Path, policy: str = TEST_POLICY, overrides: str = FLOOR_ANY, extra: str = LINT) -> LintReport:
    path = write_policy(tmp_path, policy=policy + extra, overrides=overrides)
    return lint_policy(riskscore.load_policy(path), as_of=ON_TIME)


def ids(report: LintReport) -> list[str]:
    return sorted(f"{f.id}[{f.subject}]" for f in report.findings)


def test_the_shipped_policy_is_lint_clean_without_suppressions(capsys: pytest.CaptureFixture[str]) -> None:
    report = lint_policy(riskscore.load_policy(), as_of="2026-07-01")
    assert report.findings == [] and report.suppressed == []
    assert main(["validate", "--strict", "--as-of", "2026-07-01"]) == 0
    assert "lint: 0 error(s), 0 warning(s), 0 suppressed" in capsys.readouterr().out


def test_the_lint_section_does_not_change_the_fingerprint(tmp_path: Path) -> None:
    plain = riskscore.load_policy(write_policy(tmp_path))
    with_lint = riskscore.load_policy(write_policy(tmp_path, policy=TEST_POLICY + LINT))
    assert plain.fingerprint == with_lint.fingerprint


def test_a_policy_loaded_from_bytes_is_linted_as_loaded_not_as_a_file_on_disk(tmp_path: Path) -> None:
    # regression: lint re-read policy.path, so a policy from bytes was linted as the file beside
    # its root (the bundled policy by default): another name, other lines, other findings
    policy = TEST_POLICY.replace("weight: 0.5", "weight: 0.9", 1).replace("weight: 0.5", "weight: 0.1", 1)
    text = write_policy(tmp_path, policy=policy + LINT, overrides=FLOOR_ANY).read_text()
    write_policy(tmp_path, policy=TEST_POLICY + LINT, overrides=FLOOR_ANY)  # on disk: the clean policy
    loaded = load_policy_bytes(("# kept outside a file\n\n" + text).encode(), root=tmp_path, name="mine.yaml")
    assert lint(tmp_path).findings == []
    (finding,) = lint_policy(loaded, as_of=ON_TIME).findings
    assert (finding.id, finding.file, finding.line) == ("eba-dominant-factor", "mine.yaml", 13)
    again = pickle.loads(pickle.dumps(loaded))  # a worker's copy keeps the source it was loaded from
    assert again.fingerprint == loaded.fingerprint and lint_policy(again, as_of=ON_TIME).findings == [finding]


def test_a_small_clean_policy_has_no_findings(tmp_path: Path) -> None:
    assert ids(lint(tmp_path)) == []


def test_a_factor_weighing_0_9_is_flagged_with_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = TEST_POLICY.replace("weight: 0.5", "weight: 0.9", 1).replace("weight: 0.5", "weight: 0.1", 1)
    report = lint(tmp_path, policy)
    (finding,) = report.findings
    assert (finding.id, finding.severity, finding.subject, finding.line) == ("eba-dominant-factor", "error", "geo", 11)
    assert "weighs 0.9, above the bound 0.5" in finding.message
    assert main(["validate", str(tmp_path / "policy.yaml")]) == 1
    assert "policy.yaml:11:5: error eba-dominant-factor [geo]" in capsys.readouterr().out
    assert main(["validate", str(tmp_path / "policy.yaml"), "--max-factor-weight", "0.95"]) == 0
    assert main(["validate", str(tmp_path / "policy.yaml"), "--no-lint"]) == 0


def test_unreachable_top_tier_and_its_fix(tmp_path: Path) -> None:
    capped = TEST_POLICY.replace(", category_points: {severe: 100}", "")  # max country risk 40
    assert ids(lint(tmp_path, capped)) == ["eba-top-tier-unreachable[prohibited]"]
    assert ids(lint(tmp_path, capped, FLOOR_ANY + "\n" + PROHIBIT_HU)) == []


def test_an_unreachable_middle_tier_is_a_warning(tmp_path: Path) -> None:
    policy = TEST_POLICY.replace("baseline: 10", "baseline: 50").replace("missing_points: 30", "missing_points: 60")
    policy = policy.replace("missing_points: 0", "missing_points: 50")
    report = lint(tmp_path, policy)
    assert [(f.id, f.severity, f.subject) for f in report.findings] == [("unreachable-tier", "warning", "low")]
    assert report.exit_code() == 0 and report.exit_code(strict=True) == 1


def test_statutory_high_risk_situations_must_reach_high(tmp_path: Path) -> None:
    assert ids(lint(tmp_path, overrides="")) == [
        f"eba-statutory-high[test_high:{f}]" for f in ("incorporation", "operations", "owners", "trade_partners")
    ]
    partial = FLOOR_ANY.replace("field: any, list: test_high", "field: any, list: test_high, min_share: 0.25")
    report = lint(tmp_path, overrides=partial)
    assert ids(report) == ["eba-statutory-high[test_high:owners]", "eba-statutory-high[test_high:trade_partners]"]
    assert "covers shares of 0.25 or more only" in report.findings[0].message


def test_a_policy_without_a_high_tier_must_name_one(tmp_path: Path) -> None:
    report = lint(tmp_path, TEST_POLICY.replace("id: high, min: 40", "id: elevated, min: 40"), overrides="")
    (finding,) = report.findings
    assert (finding.id, finding.subject) == ("eba-statutory-high", "tiers") and "set lint.high_tier" in finding.message
    assert ids(lint(tmp_path, TEST_POLICY, overrides="", extra="")) == []  # no statutory list applied: nothing to check


def test_override_rationale_must_explain(tmp_path: Path) -> None:
    report = lint(
        tmp_path, overrides=FLOOR_ANY + "\n- {id: pep_add, when: {flag: pep}, action: add, points: 5, rationale: TODO}"
    )
    (finding,) = report.findings
    assert (finding.id, finding.severity, finding.subject) == ("eba-override-rationale", "warning", "pep_add")


def test_suppressions_need_a_reason_and_unused_ones_are_reported(tmp_path: Path) -> None:
    extra = LINT + (
        "  suppress:\n"
        "    - {id: eba-statutory-high, subject: 'test_high:o*', reason: Owners and operations are reviewed by hand.}\n"
        "    - {id: eba-dominant-factor, reason: No factor dominates in this policy anyway.}\n"
    )
    report = lint(tmp_path, overrides="", extra=extra)
    assert sorted(f.subject for f in report.suppressed) == ["test_high:operations", "test_high:owners"]
    assert ids(report) == [
        "eba-statutory-high[test_high:incorporation]",
        "eba-statutory-high[test_high:trade_partners]",
        "unused-suppression[eba-dominant-factor:*]",
    ]
    with pytest.raises(riskscore.PolicyError, match="reason"):
        lint(tmp_path, extra=LINT + "  suppress:\n    - {id: eba-dominant-factor}\n")


def test_a_typo_in_a_rule_gets_file_line_and_suggestion(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_policy(tmp_path, policy=TEST_POLICY.replace('reason: "exposure {exposure}"', 'reasn: "exposure"'))
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:24:9: extra_forbidden at 'factors[1].rules[0].reasn': unknown key 'reasn'" in err
    assert "did you mean 'reason'?" in err


# ---------------------------------------------------------------- the data behind the weights
def test_a_category_points_key_no_period_carries_is_flagged_where_it_is_typed(tmp_path: Path) -> None:
    report = lint(tmp_path, TEST_POLICY.replace("category_points: {severe: 100}", "category_points: {sever: 100}"))
    (finding,) = [f for f in report.findings if f.id == "unknown-category"]
    assert (finding.severity, finding.subject, finding.line, finding.column) == ("error", "test_high:sever", 8, 55)
    assert finding.file.endswith("policy.yaml") and "did you mean 'severe'?" in finding.message
    assert report.exit_code() == 1


def test_a_list_reviewed_in_the_future_is_flagged_in_the_list_file(tmp_path: Path) -> None:
    path = write_policy(tmp_path, overrides=FLOOR_ANY, policy=TEST_POLICY + LINT)
    report = lint_policy(riskscore.load_policy(path), as_of=ON_TIME, today=date(2023, 12, 1))
    (finding,) = report.findings
    assert (finding.id, finding.severity, finding.subject) == ("future-review", "error", "test_high")
    assert (finding.file, finding.line, finding.column) == (str(tmp_path / "lists" / "test_high.yaml"), 7, 1)
    assert lint_policy(riskscore.load_policy(path), as_of=ON_TIME, today=date(2024, 1, 1)).findings == []


def test_validate_refuses_a_review_date_after_today(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_policy(tmp_path, overrides=FLOOR_ANY, policy=TEST_POLICY + LINT)
    listed = tmp_path / "lists" / "test_high.yaml"
    listed.write_text(listed.read_text().replace("reviewed: 2024-01-01", "reviewed: 9000-01-01"))
    assert main(["validate", str(path), "--as-of", ON_TIME]) == 1
    assert f"{listed}:7:1: error future-review [test_high]" in capsys.readouterr().out


def test_validate_strict_fails_on_a_list_past_its_review_horizon(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_policy(tmp_path, overrides=FLOOR_ANY, policy=TEST_POLICY + LINT)  # horizon: 2024-12-31
    assert main(["validate", str(path), "--strict", "--as-of", "2024-12-31"]) == 0
    capsys.readouterr()
    assert main(["validate", str(path), "--strict", "--as-of", "2025-01-01"]) == 1
    out = capsys.readouterr().out
    assert f"{tmp_path / 'lists' / 'test_high.yaml'}:7:1: warning stale-list [test_high]" in out
    assert main(["validate", str(path), "--as-of", "2025-01-01"]) == 0  # without --strict it is a warning
    assert main(["validate", str(path), "--strict", "--as-of", "2025-02-30"]) == 1  # not a date: refused
