"""The command line: score, explain, validate and schema over the bundled policy and examples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from riskscore.cli import main

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "counterparties.jsonl"


def test_score_text_over_the_examples(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(EXAMPLES), "--as-of", "2026-07-01"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("# policy riskscore-default")
    tiers = {line.split("\t")[0]: line.split("\t")[2].split()[0] for line in lines[1:]}
    assert tiers["de-sme-001"] == "low" and tiers["kp-003"] == "prohibited" and tiers["tr-exp-002"] == "high"


def test_score_json_lines_are_results(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(EXAMPLES), "--as-of", "2026-07-01", "--format", "json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 8 and all(len(r["fingerprint"]) == 64 for r in rows)


def test_bad_records_are_reported_with_index_and_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "cps.json"
    data.write_text(json.dumps([{"id": "ok", "incorporation": "DE"}, {"id": "bad", "incorporation": "Narnia"}]))
    assert main(["score", str(data), "--as-of", "2026-07-01"]) == 1
    captured = capsys.readouterr()
    assert "ok\t" in captured.out
    assert "record 1: incorporation: unknown country 'Narnia'" in captured.err
    assert "1 record(s) refused" in captured.err


def test_invalid_json_line_names_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "cps.jsonl"
    data.write_text('{"id": "a", "incorporation": "DE"}\n{"id": "b",\n')
    assert main(["score", str(data)]) == 1
    assert f"{data}:2:12: bad-json: invalid JSON" in capsys.readouterr().err


def test_explain_one_counterparty(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", str(EXAMPLES), "--id", "tr-exp-002", "--as-of", "2026-07-01"]) == 0
    out = capsys.readouterr().out
    assert (
        "Counterparty tr-exp-002" in out
        and "Sources:" in out
        and "1 more fired without changing the score or tier" in out
    )
    assert main(["explain", str(EXAMPLES), "--id", "nobody"]) == 1


def test_validate_ok_and_broken(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate"]) == 0
    assert "ok:" in capsys.readouterr().out
    bad = tmp_path / "policy.yaml"
    bad.write_text("id: x\nversion: '1'\ntitle: t\nlists: [.]\ncountry_risk: {baseline: 5, lists: []}\nfactorz: []\n")
    assert main(["validate", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:6:1" in err and "did you mean 'factors'" in err


def test_schema_files_are_current(capsys: pytest.CaptureFixture[str]) -> None:
    for kind in ("policy", "list", "tests"):
        assert main(["schema", kind]) == 0
        assert capsys.readouterr().out == (REPO / "rules" / "schema" / f"{kind}.schema.json").read_text()


def test_text_output_reports_each_distinct_warning_once(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(EXAMPLES), "--as-of", "2026-11-23"]) == 0
    err = capsys.readouterr().err
    stale = [line for line in err.splitlines() if "fatf_increased_monitoring" in line]
    assert stale == [
        "warning (8 result(s)): list 'fatf_increased_monitoring' was last reviewed on 2026-06-19 "
        "(review due 2026-10-27); changes after that date are not reflected"
    ]


def test_explain_reports_bad_records_and_goes_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "cps.jsonl"
    data.write_text('{"id": "bad", "incorporation": "Narnia"}\n{"id": "ok", "incorporation": "DE"}\n')
    assert main(["explain", str(data), "--as-of", "2026-07-01"]) == 1
    captured = capsys.readouterr()
    assert "record 0: incorporation: unknown country 'Narnia'" in captured.err
    assert "Counterparty ok:" in captured.out


def test_bulk_formats_report_date_warnings_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(EXAMPLES), "--format", "csv", "--as-of", "2023-01-01"]) == 0
    err = capsys.readouterr().err
    assert "warning: list 'chpl_products' has no recorded history before 2024-02-23" in err
    # The default policy scores unknown statuses (unknown_points), so it reports the assumption.
    assert "warning: list 'fatf_call_for_action' has no recorded history before 2022-03-04" not in err
    assert (
        "warning: list 'eu_high_risk_third_countries' has no recorded history before 2023-10-18; "
        "the policy scores its unknown statuses on 2023-01-01 as 50 points" in err
    )


def test_stream_reports_a_bad_line_and_scores_the_rest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "mixed.jsonl"
    data.write_text('{"id": "a", "incorporation": "DE"}\n{"id": "b",\n{"id": "c", "incorporation": "FR"}\n')
    assert main(["score", str(data), "--format", "csv", "--as-of", "2026-07-01"]) == 1
    captured = capsys.readouterr()
    assert [line.split(",")[0] for line in captured.out.splitlines()[1:]] == ["a", "", "c"]  # the refused row
    assert f"{data}:2:12: bad-json: invalid JSON" in captured.err and "1 record(s) refused" in captured.err


def test_one_object_over_several_lines_is_one_record(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "one.json"
    data.write_text('{\n"id": "x",\n"incorporation": "DE"\n}\n')
    assert main(["score", str(data), "--as-of", "2026-07-01"]) == 0
    assert "x\t" in capsys.readouterr().out


@pytest.mark.parametrize("fmt", ["text", "jsonl", "csv"])
def test_a_file_that_is_not_utf8_is_refused_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    data = tmp_path / "bin.json"
    data.write_bytes(b"\xff\xfe{}")
    assert main(["score", str(data), "--format", fmt]) == 1
    assert "not valid UTF-8" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv", [["score", "x.jsonl", "--chunk-size", "0"], ["validate", "--max-factor-weight", "nan"],
             ["test", "rules", "--fail-under", "nan"], ["test", "rules", "--fail-under", "101"]],
)  # fmt: skip
def test_numeric_options_are_checked(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2 and "is not in" in capsys.readouterr().err
