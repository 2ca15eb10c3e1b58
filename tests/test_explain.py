"""Explanations people read: one line per contribution, footnoted sources, brief and verbose."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from riskscore import Policy, Result
from riskscore._display import num, pct
from riskscore.cli import main

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "counterparties.jsonl"
PORTFOLIO = REPO / "examples" / "portfolio.jsonl"
D = "2026-07-01"
RECORDS = {r["id"]: r for r in map(json.loads, EXAMPLES.read_text().splitlines())}
# the Turkish exporter of the README's quickstart
README_TR = {
    "id": "tr-exp-002",
    "incorporation": "Turkey",
    "operations": ["TR"],
    "owners": [{"country": "TR", "share": 1.0}],
    "trade_partners": [{"country": "RU", "share": 0.6}, {"country": "KZ", "share": 0.2}],
    "products": ["854231"],
}
FOOTNOTE = re.compile(r"^  \[(\d+)\] (.*)$")


def footnotes(text: str) -> list[str]:
    return [m.group(2) for m in map(FOOTNOTE.match, text.splitlines()) if m]


def assert_every_source_cited_once(result: Result, text: str) -> None:
    notes = footnotes(text)
    numbers = [int(m.group(1)) for m in map(FOOTNOTE.match, text.splitlines()) if m]
    assert numbers == list(range(1, len(numbers) + 1))
    documents = {(s.title, s.url) for c in result.contributions for s in c.sources}
    for title, url in documents:
        lines = [n for n in notes if n.startswith(title + " (") and (url is None or f"<{url}>" in n)]
        assert len(lines) == 1, (title, lines)
    for c in result.contributions:
        for s in c.sources:  # the entry itself (list, code, date) is in the document's footnote
            if s.list_id:
                (line,) = [n for n in notes if n.startswith(s.title + " (") and (s.url is None or f"<{s.url}>" in n)]
                assert f"list '{s.list_id}'" in line and s.code in line and f"listed {s.listed_text}" in line


@pytest.mark.parametrize("record", [README_TR, RECORDS["tr-exp-002"]], ids=["readme", "examples"])
def test_the_turkish_exporter_fits_one_screen_with_every_source_cited(policy: Policy, record: dict) -> None:
    result = policy.score(record, as_of=D)
    text = result.explain()
    assert len(text.splitlines()) <= 30
    assert_every_source_cited_once(result, text)


@pytest.mark.parametrize("cp_id", sorted(RECORDS))
def test_every_contribution_source_is_one_footnote(policy: Policy, cp_id: str) -> None:
    result = policy.score(RECORDS[cp_id], as_of=D)
    text = result.explain()
    assert_every_source_cited_once(result, text)
    lines = text.splitlines()
    contributions = [line for line in lines if re.match(r"^  \d[\d.]* = ", line)]
    assert len(contributions) == len(result.contributions)  # one line each


def test_footnote_gives_date_precision_and_confidence(policy: Policy) -> None:
    text = policy.score(RECORDS["ir-004"], as_of=D).explain()
    assert "IR, listed on or before 1995-05-07 [confidence: secondary]" in text  # OFAC, start not in sources
    assert "IR (category countermeasures), listed 2020-02 (month)" in text
    assert "IR (category reimposed), listed 2025-09-27)" in text  # a day-exact confirmed date as is


def test_no_op_overrides_are_hidden_by_default_and_shown_in_verbose(policy: Policy) -> None:
    result = policy.score(RECORDS["tr-exp-002"], as_of=D)
    (floor,) = result.overrides
    assert floor.action == "floor" and not floor.changed  # 50 is already high
    text = result.explain()
    assert floor.override_id not in text and "1 more fired without changing the score or tier" in text
    verbose = result.explain(detail="verbose")
    assert f"floor {floor.override_id}: 50 (high) -> 50 (high) (changed nothing): {floor.rationale}" in verbose


def test_an_override_that_changed_the_score_has_its_line(policy: Policy) -> None:
    result = policy.score(RECORDS["ir-004"], as_of=D)
    lines = result.explain().splitlines()
    assert any(
        line.startswith(
            "  prohibit embargoed_incorporation_prohibit: 65 (high) -> 100 (prohibited): incorporated in Iran (IR)"
        )
        for line in lines
    )
    assert not any(line.startswith("  floor ") for line in lines)  # the floors below 65 changed nothing


def test_shares_are_percentages_and_owners_are_named_or_numbered(policy: Policy) -> None:
    cp = {
        "id": "x",
        "incorporation": "DE",
        "operations": ["DE"],
        "owners": [{"country": "DE", "share": 0.4}, {"country": "RU", "share": 0.6, "name": "Volga Holding"}],
        "trade_partners": [{"country": "DE", "share": 0.3}, {"country": "RU", "share": 1 / 3}],
        "products": [],
    }
    text = policy.score(cp, as_of=D).explain()
    assert "owner 'Volga Holding' (RU, 60 %, risk 80)" in text
    assert "trade partner #2 (RU, 33.33 %, risk 80)" in text
    assert "owners[" not in text and "trade_partners[" not in text and "0.6" not in text
    cp["owners"] = [{"country": "DE", "share": 0.4}, {"country": "RU", "share": 0.6}]
    assert "owner #2 (RU, 60 %, risk 80)" in policy.score(cp, as_of=D).explain()


def test_which_field_fired_a_field_any_condition(policy: Policy) -> None:
    cp = {**RECORDS["de-sme-001"], "owners": [{"country": "DE", "share": 0.7}, {"country": "IR", "share": 0.3}]}
    result = policy.score(cp, as_of=D)
    prohibit = next(o for o in result.overrides if o.override_id == "embargoed_owner_prohibit")
    assert prohibit.items and prohibit.items[0].field == "owners" and prohibit.items[0].index == 1
    assert "prohibit embargoed_owner_prohibit: " in result.explain() and "owner #2 (IR, 30 %) on sanctions_us" in (
        result.explain()
    )


def test_one_rounding_rule_for_display(policy: Policy) -> None:
    assert [num(x) for x in (33.375, 4.0, 0.125, -0.0, 2.5, 1e-7)] == ["33.38", "4", "0.12", "0", "2.5", "0"]
    assert [pct(x) for x in (0.6, 1 / 3, 1.0, 0.001)] == ["60 %", "33.33 %", "100 %", "0.1 %"]
    result = policy.score(RECORDS["vn-006"], as_of=D)
    assert result.score == 33.375
    assert result.explain().startswith("Counterparty vn-006: score 33.38 -> tier MEDIUM")
    assert result.explain(detail="brief").startswith("vn-006: MEDIUM 33.38 (")
    assert "33.375" not in result.explain() + result.explain(detail="verbose")


@pytest.mark.parametrize("cp_id", sorted(RECORDS))
def test_brief_is_one_line(policy: Policy, cp_id: str) -> None:
    result = policy.score(RECORDS[cp_id], as_of=D)
    line = result.explain(detail="brief")
    assert "\n" not in line and line.startswith(f"{cp_id}: {result.tier.upper()} ")
    assert result.explain(detail="brief", markdown=True) == f"- {line}"


def test_brief_names_the_changing_override_then_the_largest_contributions(policy: Policy) -> None:
    brief = policy.score(RECORDS["ir-004"], as_of=D).explain(detail="brief")
    assert brief == (
        "ir-004: PROHIBITED 100 (prohibit embargoed_incorporation_prohibit, incorporation_country +30, "
        "owner_country +25, operations_country +10)"
    )


def test_verbose_keeps_every_fact_and_source_occurrence(policy: Policy) -> None:
    result = policy.score(RECORDS["tr-exp-002"], as_of=D)
    verbose = result.explain(detail="verbose")
    for item in [*result.contributions, *result.overrides]:
        for fact in item.facts:
            assert f"fact: {fact}" in verbose
    occurrences = sum(len(c.sources) for c in [*result.contributions, *result.overrides])
    assert verbose.count("      source: ") == occurrences
    assert len(verbose.splitlines()) > len(result.explain().splitlines())


def test_markdown_heading_levels(policy: Policy) -> None:
    result = policy.score(RECORDS["ir-004"], as_of=D)
    lines = result.explain(markdown=True).splitlines()
    assert [line for line in lines if line.startswith("# ")] == [lines[0]]
    assert {line.split(" ")[0] for line in lines if line.startswith("#")} == {"#", "##"}
    assert "## Sources" in lines and "## Overrides" in lines
    nested = result.explain(markdown=True, heading_level=2, detail="verbose").splitlines()
    assert nested[0].startswith("## Counterparty ir-004") and not any(line.startswith("# ") for line in nested)
    assert {line.split(" ")[0] for line in nested if line.startswith("#")} == {"##", "###"}


def test_cli_markdown_batch_document_has_one_title(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", str(EXAMPLES), "--as-of", D, "--markdown"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line for line in lines if line.startswith("# ")] == [lines[0]]
    assert lines[0].startswith("# Explanations: policy riskscore-default")
    assert sum(line.startswith("## Counterparty ") for line in lines) == len(RECORDS)
    assert main(["explain", str(EXAMPLES), "--as-of", D, "--markdown", "--id", "kp-003"]) == 0
    assert capsys.readouterr().out.startswith("# Counterparty kp-003: ")


def test_cli_brief_and_verbose(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", str(EXAMPLES), "--as-of", D, "--brief"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(RECORDS) and lines[1].startswith("tr-exp-002: HIGH 50 (")
    assert main(["explain", str(EXAMPLES), "--as-of", D, "--verbose", "--id", "tr-exp-002"]) == 0
    assert "(changed nothing)" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main(["explain", str(EXAMPLES), "--brief", "--verbose"])
    assert exc.value.code == 2


def test_bad_detail_or_heading_level_is_refused(policy: Policy) -> None:
    result = policy.score(RECORDS["de-sme-001"], as_of=D)
    with pytest.raises(ValueError, match="detail must be"):
        result.explain(detail="short")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="heading_level"):
        result.explain(markdown=True, heading_level=0)


def test_explain_is_the_same_for_score_and_score_many(policy: Policy) -> None:
    records = [json.loads(line) for line in PORTFOLIO.read_text().splitlines()[:40]]
    batch = policy.score_many(records, as_of=D)
    for i, record in enumerate(records):
        one = policy.score(record, as_of=D)
        assert batch.explain(i) == one.explain() == one.explain()
        assert batch[i].model_dump() == one.model_dump()


def test_explain_output_is_deterministic_across_processes() -> None:
    code = (
        "import sys; from riskscore.cli import main; sys.exit(main(['explain', sys.argv[1], '--as-of', '2026-07-01']))"
    )
    outs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run([sys.executable, "-c", code, str(EXAMPLES)], capture_output=True, text=True, env=env)
        assert run.returncode == 0, run.stderr
        outs.append(run.stdout)
    assert outs[0] == outs[1] and "Sources:" in outs[0]


def test_result_json_stays_backward_compatible(policy: Policy) -> None:
    result = policy.score(RECORDS["tr-exp-002"], as_of=D)
    data = json.loads(result.model_dump_json())
    for c in data["contributions"]:
        assert {"rule_id", "factor", "points", "weight", "weighted", "reason", "facts", "sources"} <= set(c)
        del c["items"]  # older results have no items: still valid
    for o in data["overrides"]:
        del o["items"]
    old = Result.model_validate(data)
    assert old.contributions[0].items is None and old.explain().startswith("Counterparty tr-exp-002")
    assert Result.model_validate_json(result.model_dump_json()) == result
