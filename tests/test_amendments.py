"""Amendment files and ``lists: [bundled]``: a policy kept current without copying the lists."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import textwrap
from importlib.metadata import version
from pathlib import Path

import pytest
from conftest import write_policy
from hypothesis import given, settings
from hypothesis import strategies as st

import riskscore
from riskscore.cli import main
from riskscore.policy import default_policy_path

REPO = Path(__file__).resolve().parent.parent

AMEND = """\
amends: test_high
title: Test amendment
sources:
  - {id: stmt, title: "Statement of 2025-03-01", url: "https://example.org/stmt"}
changes:
"""


def amend(tmp_path: Path, changes: str, *, head: str = AMEND, name: str = "t.amend.yaml") -> Path:
    """Write the small test policy plus an amendment file in its lists folder; return the policy path."""
    path = write_policy(tmp_path)
    (tmp_path / "lists" / name).write_text(head + textwrap.indent(textwrap.dedent(changes), "  "))
    return path


def codes(path: Path) -> dict[str, riskscore.Issue]:
    with pytest.raises(riskscore.PolicyError) as info:
        riskscore.load_policy(path)
    return {i.code: i for i in info.value.issues}


def geo(policy: riskscore.Policy, code: str, as_of: str) -> float:
    one = policy.score({"id": "x", "incorporation": code}, as_of).factors["geo"]
    many = policy.score_many([{"id": "x", "incorporation": code}], as_of)
    assert float(many.factors[0][0]) == one  # the row engine and the vector path agree
    return one


def test_a_listing_scores_from_its_date_not_before(tmp_path: Path) -> None:
    path = amend(tmp_path, "- {code: DE, action: list, date: 2025-03-01, source: stmt, confidence: confirmed}\n")
    policy = riskscore.load_policy(path)
    assert geo(policy, "DE", "2025-02-28") == 10  # baseline
    assert geo(policy, "DE", "2025-03-01") == 40


def test_delist_and_recategorise_apply_from_their_dates(tmp_path: Path) -> None:
    policy = riskscore.load_policy(
        amend(
            tmp_path,
            """\
            - {code: PL, action: delist, date: 2025-01-01, source: stmt, confidence: secondary}
            - {code: HU, action: recategorise, date: 2025-05-01, category: moderate, source: stmt, confidence: confirmed}
            """,
        )
    )
    assert geo(policy, "PL", "2024-12-31") == 40 and geo(policy, "PL", "2025-01-01") == 10
    assert geo(policy, "HU", "2025-04-30") == 100 and geo(policy, "HU", "2025-05-01") == 40


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ("{code: PL, action: list, date: 2024-06-01, source: stmt, confidence: confirmed}", "amend-redundant"),
        ("{code: PL, action: delist, date: 2023-01-01, source: stmt, confidence: confirmed}", "amend-redundant"),
        ("{code: HU, action: list, date: 2025-01-01, source: stmt, confidence: confirmed}", "amend-conflict"),
        ("{code: DE, action: delist, date: 2025-01-01, source: stmt, confidence: confirmed}", "amend-conflict"),
        ("{code: PL, action: delist, date: 2024-01-01, source: stmt, confidence: confirmed}", "amend-conflict"),
        ("{code: HU, action: recategorise, date: 2025-01-01, category: severe, source: stmt, confidence: confirmed}",
         "amend-conflict"),
        ("{code: pl, action: delist, date: 2025-01-01, source: stmt, confidence: confirmed}", "bad-code"),
        ("{code: PL, action: delist, date: 2025-01-01, source: nope, confidence: confirmed}", "unknown-source"),
        ("{code: HU, action: recategorise, date: 2025-01-01, source: stmt, confidence: confirmed}", "missing"),
        ("{code: PL, action: delist, date: 2025-01-01, source: stmt}", "missing"),
        ("{code: PL, action: ban, date: 2025-01-01, source: stmt, confidence: confirmed}", "literal_error"),
    ],
)  # fmt: skip
def test_bad_changes_are_refused_with_a_code_and_line(tmp_path: Path, change: str, code: str) -> None:
    found = codes(amend(tmp_path, f"- {change}\n"))
    assert code in found
    issue = found[code]
    assert issue.file is not None and issue.file.endswith("t.amend.yaml")
    assert issue.line == 6 and issue.key_path.startswith("changes[0]")


def test_an_amendment_to_a_list_the_policy_does_not_load(tmp_path: Path) -> None:
    head = AMEND.replace("amends: test_high", "amends: test_hig")
    found = codes(
        amend(
            tmp_path, "- {code: DE, action: list, date: 2025-03-01, source: stmt, confidence: confirmed}\n", head=head
        )
    )
    issue = found["unknown-list"]
    assert (issue.line, issue.column, issue.key_path, issue.suggestion) == (1, 1, "amends", "test_high")


def test_unknown_keys_are_refused_with_a_suggestion(tmp_path: Path) -> None:
    found = codes(amend(tmp_path, "- {code: DE, action: list, dat: 2025-03-01, source: stmt, confidence: confirmed}\n"))
    assert found["extra_forbidden"].suggestion == "date"


def test_reviewed_moves_the_staleness_horizon(tmp_path: Path) -> None:
    change = "- {code: DE, action: list, date: 2025-03-01, source: stmt, confidence: confirmed}\n"
    stale = riskscore.load_policy(amend(tmp_path, change)).score({"id": "x", "incorporation": "FR"}, "2025-07-01")
    head = AMEND.replace("sources:", "reviewed: 2025-06-01\nsources:")
    fresh = riskscore.load_policy(amend(tmp_path, change, head=head)).score(
        {"id": "x", "incorporation": "FR"}, "2025-07-01"
    )
    assert any((w.code, w.list_id) == ("stale-list", "test_high") for w in stale.warnings)
    assert not any((w.code, w.list_id) == ("stale-list", "test_high") for w in fresh.warnings)


def test_the_fingerprint_covers_the_amendments(tmp_path: Path) -> None:
    base = riskscore.load_policy(write_policy(tmp_path)).fingerprint
    change = "- {code: DE, action: list, date: 2025-03-01, source: stmt, confidence: confirmed, note: a}\n"
    first = riskscore.load_policy(amend(tmp_path, change)).fingerprint
    second = riskscore.load_policy(amend(tmp_path, change.replace("note: a", "note: b"))).fingerprint
    third = riskscore.load_policy(amend(tmp_path, change.replace("2025-03-01", "2025-03-02"))).fingerprint
    assert len({base, first, second, third}) == 4


def test_explain_cites_the_amendment_and_its_source(tmp_path: Path) -> None:
    path = amend(tmp_path, "- {code: DE, action: list, date: 2025-03-01, source: stmt, confidence: secondary}\n")
    text = riskscore.load_policy(path).score({"id": "x", "incorporation": "DE"}, "2025-04-01").explain()
    assert "Statement of 2025-03-01 [amendment t.amend.yaml]" in text
    assert "<https://example.org/stmt>" in text and "[confidence: secondary]" in text


# -- a user policy on the bundled lists


def user_policy(tmp_path: Path, amendment: str | None) -> Path:
    """The default policy's rules, on `lists: [bundled, ./my-lists]`, with an optional amendment file."""
    text = default_policy_path().read_text(encoding="utf-8")
    assert "\n  - ../lists\n" in text
    folder = tmp_path / "user"
    (folder / "my-lists").mkdir(parents=True)
    (folder / "policy.yaml").write_text(text.replace("\n  - ../lists\n", "\n  - bundled\n  - ./my-lists\n"))
    if amendment is not None:
        (folder / "my-lists" / "hypothetical.amend.yaml").write_text(amendment)
    return folder


HYPOTHETICAL = """\
amends: fatf_increased_monitoring
title: HYPOTHETICAL plenary outcome (a test fixture, not a real decision)
sources:
  - {id: hypothetical, title: HYPOTHETICAL statement, url: "https://example.org/hypothetical"}
changes:
  - {code: AQ, action: list, date: 2026-10-23, source: hypothetical, confidence: unverified}
"""


def test_bundled_names_the_lists_shipped_with_riskscore(tmp_path: Path) -> None:
    user = riskscore.load_policy(user_policy(tmp_path, None))
    default = riskscore.load_policy()
    assert {k: v.model_dump() for k, v in user.lists.items()} == {k: v.model_dump() for k, v in default.lists.items()}


def test_a_user_policy_on_bundled_lists_plus_an_amendment_scores_validates_and_diffs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = user_policy(tmp_path, HYPOTHETICAL)
    policy = riskscore.load_policy(folder)
    before = policy.score({"id": "aq", "incorporation": "AQ"}, "2026-10-22")
    after = policy.score({"id": "aq", "incorporation": "AQ"}, "2026-10-23")
    assert after.score > before.score
    assert any(
        s.code == "AQ" and s.list_id == "fatf_increased_monitoring" for c in after.contributions for s in c.sources
    )
    assert main(["validate", str(folder), "--strict", "--as-of", "2026-07-01"]) == 0
    portfolio = tmp_path / "p.jsonl"
    portfolio.write_text('{"id": "aq", "incorporation": "AQ"}\n{"id": "fr", "incorporation": "FR"}\n')
    capsys.readouterr()
    assert (
        main(
            [
                "diff",
                str(default_policy_path()),
                str(folder),
                str(portfolio),
                "--as-of",
                "2026-11-01",
                "--format",
                "json",
            ]
        )
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert [row["id"] for row in report["changes"]] == ["aq"]


def test_results_record_the_data_versions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = riskscore.load_policy().score({"id": "x", "incorporation": "FR"}, "2026-07-01")
    assert result.data_versions == {"pycountry": version("pycountry")}
    examples = str(REPO / "examples" / "counterparties.jsonl")
    assert main(["score", examples, "--as-of", "2026-07-01", "--format", "json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert all(r["data_versions"] == {"pycountry": version("pycountry")} for r in rows)
    assert main(["score", examples, "--as-of", "2026-07-01", "--format", "jsonl"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert all(r["data_versions"]["pycountry"] == version("pycountry") for r in rows)


def test_the_amendment_schema_file_is_current(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "amendment"]) == 0
    assert capsys.readouterr().out == (REPO / "rules" / "schema" / "amendment.schema.json").read_text()


def test_an_amendment_without_changes_records_a_review(tmp_path: Path) -> None:
    head = AMEND.replace("sources:", "reviewed: 2025-06-01\nsources:").replace("changes:\n", "changes: []\n")
    result = riskscore.load_policy(amend(tmp_path, "", head=head)).score(
        {"id": "x", "incorporation": "FR"}, "2025-07-01"
    )
    assert not any((w.code, w.list_id) == ("stale-list", "test_high") for w in result.warnings)
    assert "empty-amendment" in codes(amend(tmp_path, "", head=AMEND.replace("changes:\n", "changes: []\n")))


@settings(max_examples=25)
@given(
    listed=st.dates(dt.date(2024, 6, 2), dt.date(2030, 12, 31)),
    as_of=st.dates(dt.date(2024, 1, 1), dt.date(2031, 12, 31)),
)
def test_an_amendment_changes_scores_exactly_from_its_date(listed: dt.date, as_of: dt.date) -> None:
    """DE listed and PL delisted on the same date: both paths move on that date and not before."""
    with tempfile.TemporaryDirectory() as tmp:
        policy = riskscore.load_policy(
            amend(
                Path(tmp),
                f"""\
                - {{code: DE, action: list, date: {listed}, source: stmt, confidence: confirmed}}
                - {{code: PL, action: delist, date: {listed}, source: stmt, confidence: confirmed}}
                """,
            )
        )
        (Path(tmp) / "base").mkdir()
        base = riskscore.load_policy(write_policy(Path(tmp) / "base"))
        after = as_of >= listed
        assert geo(policy, "DE", as_of.isoformat()) == (40 if after else 10)
        assert geo(policy, "PL", as_of.isoformat()) == (10 if after else geo(base, "PL", as_of.isoformat()))
