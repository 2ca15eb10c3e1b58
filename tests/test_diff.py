"""`riskscore diff`: the effect of a policy change on a portfolio."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from riskscore import load_policy
from riskscore._diff_html import delta_bins
from riskscore._diff_tiers import TierMap
from riskscore.cli import main
from riskscore.diff import DiffReport, diff_portfolio
from riskscore.policy import parse_as_of

REPO = Path(__file__).resolve().parent.parent
PORTFOLIO = REPO / "examples" / "portfolio.jsonl"
D = "2026-07-01"

VN_GREY = """  - code: "VN"
    name: "Vietnam"
    periods:
      - listed: {date: 2023-06-23, source: fatf_2023_06, see_also: [rzolut_2023_06]}
"""
VN_BLACK = """  - code: "VN"
    name: "Vietnam"
    periods:
      - listed: {date: 2026-06-19, source: labuanfsa_2026_06, confidence: unverified, note: HYPOTHETICAL}
        category: enhanced_due_diligence
"""


@pytest.fixture(scope="module")
def vietnam_moved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shipped rules with Vietnam moved from FATF increased monitoring to call for action."""
    rules = tmp_path_factory.mktemp("new") / "rules"
    shutil.copytree(REPO / "rules", rules)
    grey = rules / "lists" / "fatf_increased_monitoring.yaml"
    text = grey.read_text()
    assert VN_GREY in text
    delisted = (
        "        delisted: {date: 2026-06-19, source: rzolut_2023_06, confidence: unverified, note: HYPOTHETICAL}\n"
    )
    grey.write_text(text.replace(VN_GREY, VN_GREY + delisted))
    black = rules / "lists" / "fatf_call_for_action.yaml"
    black.write_text(black.read_text().rstrip("\n") + "\n" + VN_BLACK)
    return rules / "default"


def test_the_sample_portfolio_is_the_seeded_generator_output() -> None:
    out = subprocess.run([sys.executable, str(REPO / "examples" / "portfolio.py")], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout == PORTFOLIO.read_text()


def test_same_policy_changes_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["diff", str(REPO / "rules" / "default"), str(REPO / "rules" / "default"), str(PORTFOLIO), "--as-of", D])
        == 0
    )
    out = capsys.readouterr().out
    assert "300 counterparties: 0 changed tier (0 upgrades, 0 downgrades), 0 changed score" in out


def test_moving_vietnam_to_the_call_for_action_list(vietnam_moved: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["diff", str(REPO / "rules" / "default"), str(vietnam_moved), str(PORTFOLIO), "--as-of", D]
    assert main([*args, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["total"] == 300 and data["upgrades"] > 0 and data["downgrades"] == 0
    moved = [c for c in data["changes"] if c["old_tier"] != c["new_tier"]]
    assert len(moved) == data["upgrades"]
    assert all("+call_for_action_floor_high" in c["causes"] and c["new_tier"] == "high" for c in moved)
    assert data["causes"]["+call_for_action_floor_high"] == len(moved)
    assert sum(data["matrix"]["low"].values()) + sum(data["matrix"]["medium"].values()) > 0
    assert data["matrix"]["high"]["low"] == 0  # nothing moves down
    assert data["old_policy"]["fingerprint"] != data["new_policy"]["fingerprint"]
    report = diff_portfolio(
        load_policy(REPO / "rules" / "default"),
        load_policy(vietnam_moved),
        enumerate(json.loads(line) for line in PORTFOLIO.read_text().splitlines()),
        parse_as_of(D),
    )
    md = report.render("markdown")
    assert "| old \\ new | low | medium | high | prohibited | total |" in md and "+call_for_action_floor_high" in md
    text = report.render("text")
    assert "tier migration (rows: old, columns: new)" in text and f"{len(moved)} upgrades" in text
    assert report.exit_code(["upgrade"]) == 1 and report.exit_code(["change"]) == 1
    assert report.exit_code(["downgrade", "prohibited", "refused"]) == 0


def test_refused_records_are_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    portfolio = tmp_path / "p.jsonl"
    portfolio.write_text('{"id": "ok", "incorporation": "DE"}\n{"id": "bad", "incorporation": "Narnia"}\n')
    default = str(REPO / "rules" / "default")
    assert main(["diff", default, default, str(portfolio), "--fail-on", "refused"]) == 1
    assert "record 1 (bad): refused by the old policy" in capsys.readouterr().out


# ---------------------------------------------------------------- headline, content diff, warnings (issue 12)

EU_ONLY = REPO / "examples" / "eu_only" / "policy.yaml"


def _portfolio() -> list[tuple[int, dict[str, object]]]:
    return list(enumerate(json.loads(line) for line in PORTFOLIO.read_text().splitlines()))


def _variant(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    """A copy of the shipped rules whose default policy has each ``old`` text replaced by ``new``."""
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    policy = rules / "default" / "policy.yaml"
    text = policy.read_text()
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    policy.write_text(text)
    return policy


def _diff(old: Path, new: Path, as_of: str = D) -> DiffReport:
    return diff_portfolio(load_policy(old), load_policy(new), _portfolio(), parse_as_of(as_of))


def test_eu_only_headline_counts_counterparties_leaving_the_top_tier(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["diff", str(REPO / "rules" / "default"), str(EU_ONLY), str(PORTFOLIO), "--as-of", D]
    assert main([*args, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    left = [c for c in data["changes"] if c["old_tier"] == "prohibited" and c["new_tier"] != "prohibited"]
    assert left and sorted(data["left_top_tier"]) == sorted(c["id"] for c in left)
    assert data["newly_prohibited"] == [] and data["upgrades"] == 0  # keys kept
    assert data["top_tier"]["left"] == {
        t: n for t, n in data["matrix"]["prohibited"].items() if n and t != "prohibited"
    }
    per_tier = {r["tier"]: r for r in data["tiers"]}
    assert per_tier["prohibited"]["left_down"] == len(left) and per_tier["prohibited"]["entered_up"] == 0
    assert all(m["direction"] == "downgrade" for m in data["moves"])
    assert main(args) == 0
    text = capsys.readouterr().out
    headline = text.split("\n\n")[1]  # the lines under the title
    assert f"{len(left)} no longer prohibited" in headline
    assert f"top tier prohibited: {len(left)} left (" in headline and "0 entered" in headline
    assert "prohibited -> low" in headline
    docs = (REPO / "docs" / "policy-as-code.md").read_text()
    lines = text.splitlines()
    shown = lines[: lines.index("policy changes (35):") + 3]
    assert "\n".join(shown) in docs  # the pasted example is this output, up to its first "..."


def test_tier_names_come_from_the_policy_and_are_matched_by_name(tmp_path: Path) -> None:
    renamed = _variant(tmp_path, ("  - {id: prohibited, min: 75,", "  - {id: blocked, min: 75,"))
    report = _diff(REPO / "rules" / "default", renamed)
    codes = [w.code for w in report.policy_warnings]
    assert "diff-tier-sets" in codes and "diff-tier-unmapped" in codes and "diff-tier-order" not in codes
    summary = report.summary()
    # the top tier is each policy's highest, whatever its name: prohibited -> blocked neither enters nor leaves it
    assert "0 newly blocked, 0 no longer prohibited" in summary and "newly prohibited" not in summary
    assert "old top tier prohibited: 0 left; new top tier blocked: 0 entered" in report.render("text")
    moved = {(c.old_tier, c.new_tier): c.direction for c in report.changes}
    assert moved[("prohibited", "blocked")] == "unmapped"  # neither name is in both policies: no guess
    assert report.count("unmapped") == report.matrix[("prohibited", "blocked")] > 0
    assert "unmapped" in summary and "left unmapped" in report.render("text")
    # a tier only one policy has is placed by the other tier's name
    tiers = TierMap(("low", "medium", "high", "prohibited"), ("low", "medium", "high", "very_high", "prohibited"))
    assert tiers.direction("prohibited", "very_high") == "downgrade"
    assert tiers.direction("high", "very_high") == "upgrade" and tiers.direction("low", "low") == "same tier"
    assert [w.code for w in tiers.warnings()] == ["diff-tier-sets", "diff-tier-unmapped"]
    assert not tiers.left_top("prohibited", "prohibited")  # a tier added above is not a move out of the top
    assert tiers.left_top("prohibited", "high") and tiers.entered_top("high", "prohibited")
    assert not tiers.entered_top("high", "very_high") and not tiers.left_top("high", "low")
    swapped = TierMap(("low", "high"), ("high", "low"))
    assert "diff-tier-order" in [w.code for w in swapped.warnings()]
    assert swapped.direction("low", "high") == "downgrade"  # the new policy's order


def test_the_policy_content_diff_names_each_kind_of_change(tmp_path: Path) -> None:
    changed = _variant(
        tmp_path,
        ("    weight: 0.30\n", "    weight: 0.35\n"),
        ("    weight: 0.10\n    rules:\n      - id: operations_country", "    weight: 0.05\n    rules:\n      - id: operations_country"),
        ("  baseline: 5 ", "  baseline: 6 "),
        ("{list: sanctions_un, points: 100, unknown_points: 0}", "{list: sanctions_un, points: 90, unknown_points: 0}"),
        ("{list: egmont_suspended_fius, points: 60, unknown_points: 50}", "{list: egmont_suspended_fius, points: 60, unknown_points: 40}"),
        ("        missing_points: 50\n        reason: \"incorporated", "        missing_points: 60\n        reason: \"incorporated"),
        ("    points: 10\n", "    points: 15\n"),
        ("{id: medium, min: 25,", "{id: medium, min: 30,"),
        ("    version: \"2026.12.1\"".strip(), "version: \"2026.12.2\""),
    )  # fmt: skip
    text = changed.read_text()
    rule = text[text.index("      - id: products_unknown_with_exposure") : text.index("\noverrides:")]
    changed.write_text(text.replace(rule, rule.replace("products_unknown_with_exposure", "products_not_given")))
    report = _diff(REPO / "rules" / "default", changed)
    got = {(c.section, c.item, c.change, c.field): (c.old, c.new) for c in report.content}
    assert got[("policy", "policy", "changed", "version")] == ("2026.12.1", "2026.12.2")
    assert got[("factors", "incorporation", "changed", "weight")] == (0.30, 0.35)
    assert got[("factors", "operations", "changed", "weight")] == (0.10, 0.05)
    assert got[("country_risk", "country_risk", "changed", "baseline")] == (5, 6)
    assert got[("list_points", "sanctions_un", "changed", "points")] == (100, 90)
    assert got[("list_points", "egmont_suspended_fius", "changed", "unknown_points")] == (50, 40)
    assert got[("rules", "incorporation_country", "changed", "missing_points")] == (50, 60)
    assert ("rules", "products_unknown_with_exposure", "removed", None) in got
    assert got[("rules", "products_not_given", "added", None)][1]["factor"] == "products"
    assert got[("overrides", "pep_uplift", "changed", "points")] == (10, 15)
    assert got[("tiers", "medium", "changed", "min")] == (25, 30)
    assert not any(c.section in ("authorities", "lists", "list_entries") for c in report.content)
    lines = report.render("text")
    assert "  rules: incorporation_country changed missing_points: 50 -> 60" in lines
    assert "  policy changed version: 2026.12.1 -> 2026.12.2" in lines
    assert "diff-same-version" not in lines  # the version changed


def test_content_diff_of_an_authority_change_and_its_warnings() -> None:
    report = _diff(REPO / "rules" / "default", EU_ONLY)
    got = {(c.section, c.item, c.change) for c in report.content}
    assert {("authorities", a, "removed") for a in ("FATF", "US", "UK", "UN", "Egmont")} <= got
    assert ("lists", "sanctions_us", "removed") in got and ("list_points", "sanctions_us", "removed") in got
    assert ("overrides", "countermeasures_prohibit", "removed") in got
    assert ("overrides", "embargoed_link_floor_high", "changed") in got
    where = {(c.item, c.field): (c.old, c.new) for c in report.content if c.change == "changed"}
    assert where[("embargoed_link_floor_high", "when.country_in.list")] == (
        ["sanctions_us", "sanctions_eu", "sanctions_uk"],
        "sanctions_eu",
    )
    assert ("chpl_from_circumvention_hub", "when.all[1].country_in.list") in where  # the path into the condition
    warnings = {w.code: w.message for w in report.policy_warnings}
    assert set(warnings) == {"diff-same-version", "diff-authorities"}
    assert (
        "2026.12.1" in warnings["diff-same-version"]
        and "no longer applied: Egmont, FATF, UK, UN, US" in (warnings["diff-authorities"])
    )
    md = report.render("markdown")
    assert "### Policy warnings" in md and "- [diff-authorities] the policies apply different authorities" in md


def test_list_entry_changes_up_to_the_as_of_date_and_a_warning_for_later_ones(vietnam_moved: Path) -> None:
    report = _diff(REPO / "rules" / "default", vietnam_moved)
    entries = [c for c in report.content if c.section == "list_entries"]
    assert {(c.item, c.change) for c in entries} == {
        ("VN on fatf_increased_monitoring", "only in new"),
        ("VN on fatf_call_for_action", "only in new"),
    }
    assert "diff-same-version" in [w.code for w in report.policy_warnings]  # a copy edited in place
    assert "diff-later-list-changes" not in [w.code for w in report.policy_warnings]
    before = _diff(REPO / "rules" / "default", vietnam_moved, "2026-06-01")
    assert not [c for c in before.content if c.section == "list_entries"]
    later = [w for w in before.policy_warnings if w.code == "diff-later-list-changes"]
    assert len(later) == 1 and "fatf_call_for_action, fatf_increased_monitoring" in later[0].message
    assert before.summary().startswith("300 counterparties: 0 changed tier")  # the list change is not yet in force


def test_cause_counts_break_ties_by_name() -> None:
    counts = _diff(REPO / "rules" / "default", EU_ONLY).cause_counts()
    assert counts == sorted(counts, key=lambda kv: (-kv[1], kv[0]))


# ---------------------------------------------------------------- HTML report


def test_html_report_escapes_input_and_is_self_contained(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    evil = '<script>alert("x")</script>&'
    portfolio = tmp_path / "p.jsonl"
    portfolio.write_text(
        json.dumps({"id": evil, "incorporation": "CU"}) + "\n" + '{"id": "ok", "incorporation": "DE"}\n'
    )
    out = tmp_path / "diff.html"
    args = ["diff", str(REPO / "rules" / "default"), str(EU_ONLY), str(portfolio), "--as-of", D, "--html", str(out)]
    assert main(args) == 0
    assert "top tier prohibited: 1 left" in capsys.readouterr().out  # stdout keeps the text form
    page = out.read_text()
    assert "<script" not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/" in page and "script&gt;&amp;" in page
    assert page.startswith("<!DOCTYPE html>") and "default-src 'none'" in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in page
    for heading in ("Tier migration", "Moves by tier", "Score deltas", "Policy changes (35)", "Warnings"):
        assert f"<h2>{heading}</h2>" in page
    assert "<svg" in page and "both policies say version" in page and "apply different authorities" in page
    assert (
        main(["diff", str(REPO / "rules" / "default"), str(EU_ONLY), str(portfolio), "--as-of", D, "--format", "html"])
        == 0
    )
    assert capsys.readouterr().out == page


def test_html_report_is_deterministic_across_processes(tmp_path: Path) -> None:
    pages = []
    for seed in ("1", "2"):
        out = tmp_path / f"diff{seed}.html"
        args = ["diff", str(REPO / "rules" / "default"), str(EU_ONLY), str(PORTFOLIO), "--as-of", D, "--html", str(out)]
        code = "import sys; from riskscore.cli import main; sys.exit(main(sys.argv[1:]))"
        env = {"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"}
        done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env)
        assert done.returncode == 0, done.stderr
        pages.append(out.read_bytes())
    assert pages[0] == pages[1] and b"<svg" in pages[0]


def test_delta_histogram_bins_hold_every_delta() -> None:
    counts, edges = delta_bins([-96.15, -0.5, 0.25, 12.0])
    assert sum(counts) == 4 and len(edges) == len(counts) + 1
    assert edges[0] <= -96.15 and edges[-1] > 12.0 and 0 in edges  # round widths, 0 an edge
    assert delta_bins([]) == ([], [])
    counts, edges = delta_bins([12.5, 40.0])  # all positive: the bins start at 0
    assert edges[0] == 0 and sum(counts) == 2
    counts, edges = delta_bins([5.0])  # a delta on an edge falls in the bin it starts
    assert counts[edges.index(5.0)] == 1
