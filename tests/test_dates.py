"""Dates: exactly YYYY-MM-DD everywhere (as_of, the CLI, list and cases files), real days only.

Issue 8: ``as_of`` took ``2026-W27-3`` on Python 3.11 but not 3.10, an impossible date got
no message saying so, and an integer date in a list file was read as Unix time.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from conftest import TEST_LIST, write_policy
from hypothesis import example, given, settings
from hypothesis import strategies as st

import riskscore
from riskscore import AsOfError, PolicyError
from riskscore.cli import main
from riskscore.policy import parse_as_of
from riskscore.testing.cases import load_case_file

CP = {"id": "c1", "incorporation": "DE"}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("2026-W27-3", "bad-date"),  # ISO week date: accepted by date.fromisoformat on 3.11+ only
        ("2026W273", "bad-date"),
        ("20260701", "bad-date"),
        ("2026-07-01T00:00", "bad-date"),
        ("2026-7-1", "bad-date"),
        (" 2026-07-01", "bad-date"),
        ("２０２６-07-01", "bad-date"),  # full-width digits
        ("2027-02-30", "no-such-date"),
        ("2023-02-29", "no-such-date"),
        ("2026-13-01", "no-such-date"),
        ("2026-04-31", "no-such-date"),
        ("0000-01-01", "no-such-date"),
    ],
)
def test_as_of_is_exactly_yyyy_mm_dd_of_a_real_day_in_score_and_score_many(
    policy: riskscore.Policy, text: str, code: str
) -> None:
    with pytest.raises(AsOfError) as one:
        policy.score(CP, text)
    with pytest.raises(AsOfError) as many:
        policy.score_many([CP], text)
    assert one.value.code == many.value.code == code
    assert "\n" not in str(one.value)


@pytest.mark.parametrize("value", [20260701, 1.5, True, ["2026-07-01"]])
def test_as_of_takes_a_date_or_datetime_and_refuses_other_types(value: object) -> None:
    assert parse_as_of(date(2026, 7, 1)) == parse_as_of(datetime(2026, 7, 1, 12, 30)) == date(2026, 7, 1)
    with pytest.raises(AsOfError) as info:
        parse_as_of(value)  # type: ignore[arg-type]
    assert info.value.code == "bad-date"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789-W:T ", max_size=12) | st.dates().map(date.isoformat))
@example("2026-W27-3")
@example("2026-07-01")
@example("2024-02-29")
def test_an_accepted_as_of_text_is_the_date_written_out(text: str) -> None:
    """Whatever as_of accepts reads back as the same text: no other spelling picks a date."""
    try:
        parsed = parse_as_of(text)
    except AsOfError as exc:
        assert exc.code in ("bad-date", "no-such-date")
    else:
        assert parsed.isoformat() == text


@pytest.mark.parametrize(("value", "code"), [("2026-W27-3", "bad-date"), ("2027-02-30", "no-such-date")])
def test_cli_as_of_is_refused_with_the_reason(capsys: pytest.CaptureFixture[str], value: str, code: str) -> None:
    examples = Path(__file__).resolve().parent.parent / "examples" / "counterparties.jsonl"
    assert main(["score", str(examples), "--as-of", value]) == 1
    err = capsys.readouterr().err
    assert value in err
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("old", "new", "code", "key_path"),
    [
        ("{date: 2021-01-01,", "{date: 0,", "bad-date", "entries[0].periods[0].listed.date"),  # was 1970-01-01
        ("{date: 2021-01-01,", "{date: 86400,", "bad-date", "entries[0].periods[0].listed.date"),
        ("{date: 2021-01-01,", "{date: 2021-01-01T00:00:00Z,", "bad-date", "entries[0].periods[0].listed.date"),
        ("{date: 2021-01-01,", "{date: 2021-W01-5,", "bad-date", "entries[0].periods[0].listed.date"),
        ("{date: 2021-01-01,", "{date: 2021-02-29,", "no-such-date", "entries[0].periods[0].listed.date"),
        ("reviewed: 2024-01-01", "reviewed: 2027-02-30", "no-such-date", "reviewed"),
        ("history_from: 2020-01-01", "history_from: 0", "bad-date", "history_from"),
        ("{id: src_a,", "{id: src_a, published: 1700000000,", "bad-date", "sources[0].published"),
    ],
)
def test_list_file_dates_are_yyyy_mm_dd_of_a_real_day(
    tmp_path: Path, old: str, new: str, code: str, key_path: str
) -> None:
    text = TEST_LIST.replace(old, new)
    assert text != TEST_LIST
    line = next(i for i, row in enumerate(text.splitlines(), 1) if new in row)
    with pytest.raises(PolicyError) as info:
        riskscore.load_policy(write_policy(tmp_path, list_text=text))
    [issue] = info.value.issues
    assert (issue.code, issue.key_path, issue.line) == (code, key_path, line)
    assert issue.file is not None and issue.file.endswith("test_high.yaml")
    assert "\n" not in str(issue)


CASES = """\
as_of: AS_OF
cases:
  - id: de
    counterparty: {incorporation: DE}
    as_of: CASE_AS_OF
    expect: {tier: low}
"""


@pytest.mark.parametrize(
    ("file_as_of", "case_as_of", "code", "line"),
    [
        ("2027-02-30", "2026-07-01", "no-such-date", 1),
        ("0", "2026-07-01", "bad-date", 1),
        ("2026-07-01", "2026-W27-3", "bad-date", 5),
        ("2026-07-01", "1751328000", "bad-date", 5),
    ],
)
def test_cases_file_dates_are_yyyy_mm_dd_of_a_real_day(
    tmp_path: Path, file_as_of: str, case_as_of: str, code: str, line: int
) -> None:
    path = tmp_path / "x.cases.yaml"
    path.write_text(CASES.replace("CASE_AS_OF", case_as_of).replace("AS_OF", file_as_of))
    if line == 1:  # a file-level date: the whole file is refused
        with pytest.raises(PolicyError) as info:
            load_case_file(path)
        [issue] = info.value.issues
    else:  # a case's own date: that case is broken, the file's other cases still run
        [broken] = load_case_file(path).broken
        [issue] = broken.issues
    assert (issue.code, issue.line, issue.file) == (code, line, str(path))
