"""`riskscore diff`: the effect of a policy change on a portfolio."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from riskscore import load_policy
from riskscore.cli import main
from riskscore.diff import diff_portfolio
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
