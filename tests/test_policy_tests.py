"""Policy test files: the shipped suite, the runner's reports, coverage and the pytest plugin."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import write_policy

import riskscore
from riskscore.cli import main
from riskscore.testing import Coverage, never_fires, run
from riskscore.testing.cases import load_case_file

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parent.parent
POLICY = REPO / "rules" / "default" / "policy.yaml"

CASE = """\
policy: {policy}
as_of: 2026-07-01
counterparties:
  turkey: {{incorporation: TR, operations: [TR], owners: [{{country: TR, share: 1.0}}],
       trade_partners: [{{country: RU, share: 0.6}}, {{country: KZ, share: 0.2}}], products: ["854231"]}}
cases:
  - id: tr_is_high
    counterparty: turkey
    expect:
      tier: {tier}
      score: {{min: 50, max: 60}}
      fires: [chpl_tier_1_2_exposed]
  - id: de_is_low
    counterparty: {{incorporation: DE, operations: [DE], owners: [{{country: DE, share: 1}}], trade_partners: []}}
    expect: {{tier: low, score: {{approx: 3.3, tolerance: 0.1}}}}
"""


def case_file(tmp_path: Path, text: str = CASE, name: str = "demo.cases.yaml", **fmt: str) -> Path:
    path = tmp_path / name
    path.write_text(text.format(**{"policy": str(POLICY), "tier": "high", **fmt}))
    return path


# ---------------------------------------------------------------- the shipped suite (CI runs it here)
def test_the_shipped_policy_suite_passes_with_full_rule_and_override_coverage() -> None:
    report = run([REPO / "rules"])
    assert report.ok, "\n".join(o.render() for o in report.outcomes if o.status != "passed") + "\n".join(report.errors)
    (cov,) = report.coverage.values()
    assert cov.percent == 100.0 and cov.dead == {}
    assert len(report.outcomes) >= 20


def test_cli_test_with_coverage_and_fail_under(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", str(REPO / "rules"), "--coverage", "--fail-under", "100"]) == 0
    out = capsys.readouterr().out
    assert "rules + overrides: 100%" in out and out.rstrip().endswith("0 failed, 0 error(s)")


# ---------------------------------------------------------------- failures are readable
def test_a_broken_expectation_fails_with_case_location_expected_actual_and_explanation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = case_file(tmp_path, tier="low")
    assert main(["test", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"FAILED tr_is_high ({path}:7)" in out
    assert f"tier: expected 'low', got 'high' (score 50)  [{path}:10]" in out
    assert "--- explanation of the actual result ---" in out and "chpl_tier_1_2_exposed" in out
    assert "1 passed, 1 failed, 0 error(s)" in out


def test_fires_failure_says_when_a_rule_matched_but_was_superseded(tmp_path: Path) -> None:
    text = CASE.replace("fires: [chpl_tier_1_2_exposed]", "fires: [chpl_from_circumvention_hub]")
    report = run([case_file(tmp_path, text)])
    (failed,) = [o for o in report.outcomes if o.status == "failed"]
    assert (
        "expected rule 'chpl_from_circumvention_hub' to fire; it did not (it matched with 50 points"
        in (failed.failures[0])
    )


def test_unknown_rule_in_an_expectation_is_an_error_with_a_suggestion(tmp_path: Path) -> None:
    text = CASE.replace("fires: [chpl_tier_1_2_exposed]", "fires: [chpl_tier_12_exposed]")
    report = run([case_file(tmp_path, text)])
    (err,) = [o for o in report.outcomes if o.status == "error"]
    assert "the policy has no rule 'chpl_tier_12_exposed' (did you mean 'chpl_tier_1_2_exposed'?)" in err.failures[0]
    assert ".cases.yaml:12:" in err.failures[0]


def test_a_typo_in_a_case_file_gives_file_line_and_suggestion(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = case_file(tmp_path, CASE.replace("      fires:", "      fire:"))
    assert main(["test", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:12:7: extra_forbidden at 'cases[0].expect.fire': unknown key 'fire' (did you mean 'fires'?)" in out


def test_a_bad_country_in_an_inline_counterparty_is_reported_at_its_field_path(tmp_path: Path) -> None:
    text = CASE.replace("incorporation: DE", "incorporation: Narnia")
    loaded = load_case_file(case_file(tmp_path, text))
    assert [c.id for c in loaded.cases] == ["tr_is_high"]  # the other case still loads
    (broken,) = loaded.broken
    assert [(i.key_path, i.line) for i in broken.issues] == [("cases[1].counterparty.incorporation", 14)]
    assert "Narnia" in broken.issues[0].message and "valid string" not in str(broken.issues[0])  # no union error


def test_an_unknown_fixture_is_an_error_of_its_case_and_the_other_cases_run(tmp_path: Path) -> None:
    text = CASE.replace("counterparty: turkey\n", "counterparty: turkye\n")
    report = run([case_file(tmp_path, text)])
    by_id = {o.case_id: o for o in report.outcomes}
    assert (by_id["tr_is_high"].status, by_id["de_is_low"].status) == ("error", "passed")
    (issue,) = by_id["tr_is_high"].issues
    assert (issue.code, issue.line, issue.suggestion) == ("unknown-fixture", 8, "turkey")
    assert by_id["tr_is_high"].line == 7 and not report.errors


def test_a_refused_patch_is_an_error_of_its_case(tmp_path: Path) -> None:
    text = CASE.replace("counterparty: turkey\n", "counterparty: turkey\n    patch: {{incorporation: Wakanda}}\n")
    report = run([case_file(tmp_path, text)])
    by_id = {o.case_id: o for o in report.outcomes}
    assert [(i.code, i.key_path) for i in by_id["tr_is_high"].issues] == [("bad-patch", "cases[0].patch")]
    assert "incorporation: unknown country 'Wakanda'" in by_id["tr_is_high"].failures[0]
    assert by_id["de_is_low"].status == "passed"


def test_an_invalid_case_entry_is_an_error_of_that_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = case_file(tmp_path, CASE.replace("      fires:", "      fire:"))
    assert main(["test", str(path), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert {c["id"]: (c["status"], c["codes"]) for c in data["cases"]} == {
        "tr_is_high": ("error", ["extra_forbidden"]),
        "de_is_low": ("passed", []),
    }


def test_a_file_without_policy_says_it_ran_against_the_bundled_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = case_file(tmp_path, CASE.replace("policy: {policy}\n", ""))
    bundled = riskscore.load_policy()
    assert main(["test", str(path)]) == 0
    note = f"NOTE {path}: ran against policy {bundled.id} {bundled.version} at {bundled.path} (the bundled default"
    assert note in capsys.readouterr().out
    assert main(["test", str(path), "--format", "json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)["files"]
    assert (entry["file"], entry["policy"], entry["policy_source"]) == (str(path), str(bundled.path), "bundled")
    assert main(["test", str(path), "--format", "junit"]) == 0
    root = ET.fromstring(capsys.readouterr().out.split("\n", 1)[1])
    props = {p.get("name"): p.get("value") for p in root.findall("testsuite/properties/property")}
    assert props == {
        "policy": str(bundled.path),
        "policy_id": f"{bundled.id} {bundled.version}",
        "policy_source": "bundled",
    }


def test_a_file_with_policy_says_so_in_json_but_prints_no_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = case_file(tmp_path)
    assert main(["test", str(path), "--format", "json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)["files"]
    assert (entry["policy"], entry["policy_source"]) == (str(POLICY), "file")
    assert main(["test", str(path)]) == 0
    assert "NOTE" not in capsys.readouterr().out


def test_patch_and_fixture_files(tmp_path: Path) -> None:
    (tmp_path / "shared.yaml").write_text(
        "counterparties:\n  de: {incorporation: DE, owners: [{country: DE, share: 1.0}], trade_partners: []}\n"
    )
    text = f"""\
policy: {POLICY}
as_of: 2026-07-01
fixtures: [shared.yaml]
cases:
  - id: pep
    counterparty: de
    patch: {{pep: true}}
    expect: {{tier: medium, only_overrides: [pep_uplift, pep_floor_medium]}}
  - id: thin
    counterparty: de
    patch: {{owners: null}}
    expect: {{overrides: [thin_file_floor_medium], factors: {{ownership: 50}}}}
"""
    path = tmp_path / "patch.cases.yaml"
    path.write_text(text)
    report = run([path])
    assert report.ok, [o.render() for o in report.outcomes]


def test_json_and_junit_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = case_file(tmp_path, tier="low")
    assert main(["test", str(path), "--format", "json", "--coverage"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert (data["passed"], data["failed"]) == (1, 1) and data["coverage"][0]["percent"] < 100
    assert main(["test", str(path), "--format", "junit"]) == 1
    root = ET.fromstring(capsys.readouterr().out.split("\n", 1)[1])
    suite = root.find("testsuite")
    assert suite is not None and suite.get("failures") == "1" and suite.get("tests") == "2"
    failure = root.find(".//testcase[@name='tr_is_high']/failure")
    assert failure is not None and "expected 'low'" in (failure.get("message") or "")


def test_no_test_files_or_no_selected_case_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", str(tmp_path)]) == 1
    assert "no policy test files" in capsys.readouterr().out
    assert main(["test", str(case_file(tmp_path)), "-k", "nothing_like_this"]) == 1
    assert "no case id contains 'nothing_like_this'" in capsys.readouterr().out
    assert main(["test", str(tmp_path), "-k", "de_is"]) == 0


# ---------------------------------------------------------------- coverage
def test_fail_under_fails_a_partial_suite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = case_file(tmp_path)
    assert main(["test", str(path), "--fail-under", "90"]) == 1
    captured = capsys.readouterr()
    assert "never fired:" in captured.out and "override sanctions_hit_prohibit" in captured.out
    assert "under --fail-under 90" in captured.err


def test_rules_that_can_never_fire_are_detected(tmp_path: Path) -> None:
    rules = """\
      - id: never_above_100
        kind: condition
        when: {gt: [{factor: geo}, 100]}
        points: 10
        reason: r
      - id: pep
        kind: condition
        when: {flag: pep}
        points: 10
        reason: r
      - id: same_as_above
        kind: condition
        when: {flag: pep}
        points: 5
        reason: r
      - id: no_such_category
        kind: condition
        when: {country_in: {field: incorporation, list: test_high, categories: [mild]}}
        points: 10
        reason: r
      - id: exposure
        kind: exposure"""
    path = write_policy(
        tmp_path, overrides="- {id: never, when: {lt: [{score: weighted}, 0]}, action: prohibit, rationale: r}"
    )
    path.write_text(path.read_text().replace("      - id: exposure\n        kind: exposure", rules))
    policy = riskscore.load_policy(path)
    dead = never_fires(policy)
    assert set(dead) == {"never_above_100", "same_as_above", "no_such_category", "never"}
    assert "always superseded by 'pep'" in dead["same_as_above"]
    assert "category" in dead["no_such_category"]
    assert "rule never_above_100  -- can never fire: its condition can never hold" in Coverage(policy).render()


def test_a_rule_on_a_list_of_an_authority_not_applied_is_refused_not_dead(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(REPO / "rules", tmp_path / "rules")
    path = tmp_path / "rules" / "default" / "policy.yaml"
    path.write_text(path.read_text().replace("authorities: all", "authorities: [FATF]"))
    with pytest.raises(riskscore.PolicyError) as info:  # it used to load, its CHPL rules silently dead
        riskscore.load_policy(path)
    chpl = [i for i in info.value.issues if "'chpl_products'" in i.message]
    assert chpl and {i.code for i in chpl} == {"unapplied-list"} and all("US / EU / UK" in i.message for i in chpl)
    assert "factors[4].rules[0].when.product_in.list" in {i.key_path for i in chpl}


# ---------------------------------------------------------------- the pytest plugin
PLUGIN_CONFTEST = """
import riskscore.testing.plugin as plugin

def pytest_configure(config):
    if not config.pluginmanager.is_registered(plugin):
        config.pluginmanager.register(plugin, "riskscore")
"""


def test_pytest_collects_cases_selects_with_k_and_reports_readably(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(PLUGIN_CONFTEST)
    case_file(pytester.path, tier="low")
    (pytester.path / "policy.yaml").write_text("not: a test file\n")
    (pytester.path / "fixtures.yaml").write_text("counterparties: {}\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*FAILED tr_is_high (*demo.cases.yaml:7)*", "*tier: expected 'low', got 'high'*"])
    assert "Traceback" not in result.stdout.str()
    selected = pytester.runpytest("-p", "no:cacheprovider", "-k", "de_is_low")
    selected.assert_outcomes(passed=1, deselected=1)


def test_pytest_reports_a_broken_case_file_as_a_collection_error(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(PLUGIN_CONFTEST)
    case_file(pytester.path, CASE.replace("as_of:", "as_off:"))
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*demo.cases.yaml:2:1*unknown key 'as_off' (did you mean 'as_of'?)*"])


def test_pytest_fails_only_the_broken_case(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(PLUGIN_CONFTEST)
    case_file(pytester.path, CASE.replace("      fires:", "      fire:"))
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*demo.cases.yaml:12:7*unknown key 'fire' (did you mean 'fires'?)*"])
