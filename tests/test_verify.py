"""Reproduce a decision: the input digest on every result, and Policy.verify of a stored result."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import TEST_POLICY, write_policy

import riskscore
from riskscore._digest import CANONICAL_VERSION, canonical, canonical_json, input_digest
from riskscore.cli import main
from riskscore.errors import ResultError

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "counterparties.jsonl"
AS_OF = "2026-07-01"
RECORDS = [json.loads(line) for line in EXAMPLES.read_text().splitlines()]
TR = next(r for r in RECORDS if r["id"] == "tr-exp-002")


def test_every_result_carries_the_digest_of_its_input(policy: riskscore.Policy) -> None:
    result = policy.score(TR, AS_OF)
    assert result.input_digest.startswith("sha256:") and len(result.input_digest) == 7 + 64
    assert result.input_canonical_version == CANONICAL_VERSION == 1
    cp = riskscore.Counterparty.model_validate(TR)
    assert policy.score(cp, AS_OF).input_digest == result.input_digest
    parsed = riskscore.parse_counterparty_json(json.dumps(TR))
    assert policy.score(parsed, AS_OF).input_digest == result.input_digest
    assert json.loads(result.model_dump_json())["input_digest"] == result.input_digest


def test_score_many_rows_digest_as_score(policy: riskscore.Policy) -> None:
    batch = policy.score_many(RECORDS, AS_OF)
    columns = riskscore.Columns.from_records(RECORDS)
    from_columns = policy.score_many(columns, AS_OF)
    for i, record in enumerate(RECORDS):
        digest = policy.score(record, AS_OF).input_digest
        assert batch[i].input_digest == digest
        assert from_columns[i].input_digest == digest  # a Columns row has no `name`, which is not digested


def test_normalised_inputs_digest_equally_and_other_counterparties_do_not(policy: riskscore.Policy) -> None:
    base = {"id": "x", "incorporation": "TR", "owners": [{"country": "TR", "share": 1.0}], "products": ["854231"]}
    same = {
        "id": "x",
        "incorporation": "Turkey",
        "owners": [{"country": "TUR", "share": 1}],
        "products": ["8542.31"],
        "pep": False,
        "name": "Another display name",
        "attributes": {},
    }
    assert policy.score(base, AS_OF).input_digest == policy.score(same, AS_OF).input_digest
    others = [
        {**base, "id": "y"},
        {**base, "operations": []},  # [] (known none) is not null (unknown)
        {**base, "owners": [{"country": "TR", "share": 1.0, "name": "Ali"}]},
        {**base, "owners": [{"country": "TR", "share": 0.99}]},
        {**base, "pep": True},
        {**base, "products": ["854239"]},
        {**base, "incorporation": "DE"},
    ]
    digests = {policy.score(r, AS_OF).input_digest for r in [base, *others]}
    assert len(digests) == 1 + len(others)


def test_the_canonical_json_is_the_documented_json(policy: riskscore.Policy) -> None:
    cp = riskscore.Counterparty.model_validate(
        {**TR, "attributes": {"b": "çé ☃", "a": 5.0, "n": None, "t": True, "f": 0.25}, "owners": [
            {"country": "TR", "share": 0.5, "name": "Ömer \"q\""}, {"country": "DE", "share": 0.5}]}
    )  # fmt: skip
    text = canonical_json(cp)
    assert text == json.dumps(canonical(cp), sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    assert json.loads(text)["attributes"] == {"a": 5, "b": "çé ☃", "f": 0.25, "t": True}
    assert "name" not in json.loads(text) and text.isascii()
    for record in RECORDS:
        cp = riskscore.Counterparty.model_validate(record)
        assert canonical_json(cp) == json.dumps(canonical(cp), sort_keys=True, separators=(",", ":"))
        assert input_digest(cp) == policy.score(record, AS_OF).input_digest


def test_cli_rows_carry_the_digest(policy: riskscore.Policy, capsys: pytest.CaptureFixture[str]) -> None:
    want = [policy.score(r, AS_OF).input_digest for r in RECORDS]
    for fmt in ("json", "jsonl"):
        assert main(["score", str(EXAMPLES), "--as-of", AS_OF, "--format", fmt]) == 0
        rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert [r["input_digest"] for r in rows] == want and {r["input_canonical_version"] for r in rows} == {1}
    assert main(["score", str(EXAMPLES), "--as-of", AS_OF, "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["input_digest"] for r in rows] == want


def test_a_stored_decision_reproduces(policy: riskscore.Policy) -> None:
    result = policy.score(TR, AS_OF)
    for stored in (result, result.model_dump_json(), json.loads(result.model_dump_json())):
        check = policy.verify(stored, TR)
        assert check.reproduces and check.same_outcome and check.differences == []
        assert check.result == result and str(check) == "tr-exp-002 as of 2026-07-01: reproduces"
    assert isinstance(check, riskscore.Verification)
    again = riskscore.Verification.model_validate_json(check.model_dump_json())
    assert again == check


def test_another_input_is_detected(policy: riskscore.Policy) -> None:
    stored = policy.score(TR, AS_OF)
    check = policy.verify(stored, {**TR, "trade_partners": [{"country": "RU", "share": 0.6}]})
    fields = [d.field for d in check.differences]
    assert not check.reproduces and fields[0] == "input_digest" and check.differences[0].kind == "input"
    assert "the counterparty given is not the one scored" in check.differences[0].message
    renamed = policy.verify(stored, {**TR, "name": "Renamed A.S."})  # the display name is not the input
    assert renamed.reproduces


def test_a_changed_policy_is_detected(tmp_path: Path) -> None:
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    old = riskscore.load_policy(write_policy(tmp_path / "old"))
    new = riskscore.load_policy(
        write_policy(tmp_path / "new", policy=TEST_POLICY.replace("points: 40,", "points: 60,"))
    )
    record = {"id": "pl-1", "incorporation": "PL", "trade_partners": [{"country": "PL", "share": 1.0}]}
    stored = old.score(record, "2025-01-01")
    check = new.verify(stored.model_dump_json(), record)
    by_field = {d.field: d for d in check.differences}
    assert by_field["fingerprint"].kind == "context" and not check.same_outcome
    assert by_field["score"].stored == stored.score and by_field["score"].now == check.result.score
    assert set(by_field["contributions"].stored) == {"geo_country", "exposure"}
    assert "input_digest" not in by_field and "does not reproduce" in str(check)


def test_a_changed_stored_result_is_detected(policy: riskscore.Policy) -> None:
    stored = json.loads(policy.score(TR, AS_OF).model_dump_json())
    stored.update(score=12.5, tier="low", engine_version="0.0.1", data_versions={"pycountry": "1"})
    stored["overrides"] = []
    check = policy.verify(stored, TR)
    by_field = {d.field: d for d in check.differences}
    assert [d.kind for d in check.differences] == ["context", "context", "outcome", "outcome", "outcome"]
    assert by_field["engine_version"].stored == "0.0.1" and by_field["tier"].now == "high"
    assert by_field["data_versions"].stored == {"pycountry": "1"}
    assert by_field["overrides"].now.keys() == {"chpl_to_russia_belarus_floor_high"}
    del stored["input_digest"], stored["input_canonical_version"]  # stored before digests
    older = {d.field: d for d in policy.verify(stored, TR).differences}
    assert "has none" in older["input_digest"].message


def test_an_invalid_stored_result_is_refused(policy: riskscore.Policy) -> None:
    for bad in ("{not json", "[]", {"score": "high"}):
        with pytest.raises(ResultError) as exc:
            policy.verify(bad, TR)  # type: ignore[arg-type]
        assert exc.value.issues and {i.code for i in exc.value.issues} == {"bad-result"}
    with pytest.raises(ResultError, match=r"stored result: score: "):
        policy.verify({**json.loads(policy.score(TR, AS_OF).model_dump_json()), "score": "high"}, TR)
