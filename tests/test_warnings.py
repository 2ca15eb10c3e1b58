"""Warnings are structured: a code, the list, the dates involved and a message (issue 8, section 4)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pydantic
import pytest
from conftest import TEST_LIST, TEST_POLICY, PolicyFactory, write_policy

import riskscore
from riskscore import Policy
from riskscore.cli import main

RECORDS = [
    {
        "id": "mixed",
        "incorporation": "DE",
        "owners": [{"country": "IR", "share": 1.0}],
        "trade_partners": [{"country": "FR", "share": 0.5}, {"country": "KP", "share": 0.5}],
    },
    {"id": "plain", "incorporation": "FR", "owners": [], "trade_partners": []},
    {"id": "goods", "incorporation": "TR", "owners": [], "trade_partners": [], "products": ["8542"]},
]
# before every list's history, before two EU lists', before the product list's, past the FATF review horizon
DATES = ["2019-01-01", "2023-01-01", "2023-06-01", "2026-11-23"]


def test_a_stale_list_warning_carries_its_code_list_and_dates(make_policy: PolicyFactory) -> None:
    policy = make_policy()
    (w,) = policy.score({"id": "p", "incorporation": "DE", "trade_partners": []}, as_of="2025-01-01").warnings
    assert (w.code, w.list_id, w.as_of, w.reviewed, w.review_due) == (
        "stale-list",
        "test_high",
        date(2025, 1, 1),
        date(2024, 1, 1),
        date(2024, 12, 31),
    )
    assert str(w) == w.message and "last reviewed on 2024-01-01" in str(w)  # str() is the 0.1 text


def test_an_unknown_status_warning_names_the_countries(make_policy: PolicyFactory) -> None:
    cp = {"id": "p", "incorporation": "DE", "trade_partners": [{"country": "FR", "share": 1.0}]}
    warnings = make_policy().score(cp, as_of="2019-01-01").warnings
    assert [(w.code, w.list_id, w.history_from, w.countries) for w in warnings] == [
        ("unknown-status", "test_high", date(2020, 1, 1), ("DE", "FR"))
    ]


def test_a_list_read_only_by_conditions_warns_no_history(policy: Policy) -> None:
    warnings = policy.score(RECORDS[2], as_of="2023-06-01").warnings
    assert ("no-history", "chpl_products", date(2024, 2, 23)) in {(w.code, w.list_id, w.history_from) for w in warnings}


def test_warnings_are_frozen_and_hashable(make_policy: PolicyFactory) -> None:
    (w,) = make_policy().score({"id": "p", "incorporation": "DE", "trade_partners": []}, as_of="2025-01-01").warnings
    assert isinstance(w, riskscore.ResultWarning) and hash(w) == hash(w.model_copy())
    with pytest.raises(pydantic.ValidationError):
        w.code = "unknown-status"  # type: ignore[misc]


@pytest.mark.parametrize("as_of", [*DATES, "2025-10-01"])
def test_score_and_score_many_give_the_same_warnings(policy: Policy, as_of: str) -> None:
    records = [*RECORDS, {"id": "sy", "incorporation": "SY", "owners": [{"country": "DE", "share": 1.0}]}]
    records += [{"id": "bad", "incorporation": "Narnia"}]  # an invalid row in between shifts no row
    for batch in (
        policy.score_many(records, as_of, errors="collect"),
        policy.score_many(riskscore.Columns.from_records(records[:-1]), as_of),
    ):
        assert batch.as_of == date.fromisoformat(as_of) and batch.fingerprint == policy.fingerprint
        unknown: dict[str, set[str]] = {}
        for i, record in enumerate(records[: len(batch)]):
            if not batch.ok[i]:
                with pytest.raises(riskscore.CounterpartyError):
                    batch.row_warnings(i)
                continue
            row = policy.score(record, as_of).warnings
            assert batch.row_warnings(i) == row  # from the columns, not re-scored
            assert batch[i].warnings == row
            for w in row:
                if w.code == "unknown-status":
                    unknown.setdefault(w.list_id, set()).update(w.countries)
                else:
                    assert w in batch.warnings  # the date's warnings hold for the whole batch
        whole = {w.list_id: set(w.countries) for w in batch.warnings if w.code == "unknown-status"}
        assert whole == unknown  # one per list, every country of every valid row
        if as_of in DATES:
            assert batch.warnings, "every date in DATES has at least one warning"


def test_an_entry_dated_only_on_or_before_warns_in_score_many_and_the_stream(
    policy: Policy, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # HU's listing is dated only "on or before 2022-01-01": on 2021-06-01 its status is unknown
    text = TEST_LIST.replace(
        "- listed: {date: 2020-01-01, source: src_a}",
        "- listed: {date: 2022-01-01, precision: on_or_before, source: src_a}",
    )
    assert text != TEST_LIST
    policy_path = write_policy(tmp_path, list_text=text)
    on_or_before = riskscore.load_policy(policy_path)
    record = {"id": "hu", "incorporation": "HU", "owners": [], "trade_partners": []}
    batch = on_or_before.score_many([record], "2021-06-01")
    assert [(w.code, w.list_id, w.countries) for w in batch.warnings] == [("unknown-status", "test_high", ("HU",))]
    assert on_or_before.score(record, "2021-06-01").warnings == batch.row_warnings(0)
    data = tmp_path / "hu.jsonl"
    data.write_text(json.dumps(record) + "\n")
    assert main(["score", str(data), "--policy", str(policy_path), "--format", "jsonl", "--as-of", "2021-06-01"]) == 0
    assert "list 'test_high' has no recorded status on 2021-06-01" in capsys.readouterr().err


SHORT_CIRCUIT = """\
      - id: pep_with_risky_owner
        kind: condition
        when: {all: [{flag: pep}, {gte: [{risk: owners}, 50]}]}
        points: 10
        reason: "pep with a risky owner {points}"
"""


def test_an_unknown_status_warns_even_where_a_condition_short_circuits(tmp_path: Path) -> None:

    text = TEST_POLICY.replace(
        '        reason: "exposure {exposure}"\n', '        reason: "exposure {exposure}"\n' + SHORT_CIRCUIT
    )
    policy = riskscore.load_policy(write_policy(tmp_path, policy=text))
    cp = {"id": "p", "incorporation": "DE", "owners": [{"country": "FR", "share": 1.0}], "trade_partners": []}
    expected = [("unknown-status", ("DE", "FR"))]  # FR: owners' risk is read, if only when pep is true
    assert [(w.code, w.countries) for w in policy.score(cp, "2019-01-01").warnings] == expected
    assert [(w.code, w.countries) for w in policy.score_many([cp], "2019-01-01").row_warnings(0)] == expected


def test_a_batch_on_a_clean_date_has_no_warnings(make_policy: PolicyFactory) -> None:
    batch = make_policy().score_many([{"id": "p", "incorporation": "DE", "trade_partners": []}], "2024-07-01")
    assert batch.warnings == [] and batch[0].warnings == [] and batch.row_warnings(0) == []


def test_json_output_shows_the_structured_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "one.jsonl"
    data.write_text(json.dumps(RECORDS[0]) + "\n")
    assert main(["score", str(data), "--format", "json", "--as-of", "2026-11-23"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    warnings = json.loads(line)["warnings"]
    assert {"code": "stale-list", "list_id": "fatf_increased_monitoring"}.items() <= next(
        w for w in warnings if w["list_id"] == "fatf_increased_monitoring"
    ).items()
    assert {w["code"] for w in warnings} == {"stale-list"} and all(w["review_due"] for w in warnings)


def test_explain_text_shows_the_warning_code(policy: Policy) -> None:
    text = policy.score(RECORDS[0], as_of="2026-11-23").explain()
    assert "stale-list: list 'fatf_increased_monitoring' was last reviewed" in text


def test_a_result_round_trips_through_json_with_its_warnings(make_policy: PolicyFactory) -> None:
    # before the test list's history (2020-01-01) and past its review horizon: two kinds at once
    policy = make_policy()
    result = policy.score({"id": "p", "incorporation": "PL", "trade_partners": []}, as_of="2019-06-01")
    later = policy.score({"id": "p", "incorporation": "PL", "trade_partners": []}, as_of="2026-06-01")
    for r in (result, later):
        again = riskscore.Result.model_validate_json(r.model_dump_json())
        assert again.warnings == r.warnings
    assert [(w.code, w.countries) for w in result.warnings] == [("unknown-status", ("PL",))]
    assert [w.code for w in later.warnings] == ["stale-list"]
