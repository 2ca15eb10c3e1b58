"""The command line's reading of counterparty files: bounded memory, one behaviour for bad
records in every command and format, refusals visible in the output, escaped ids, --version."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
import tempfile
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import riskscore
from riskscore import _records, _reporting
from riskscore._records import MAX_LINE_BYTES, Record, Refusal, read_records
from riskscore._reporting import Duplicates, shown
from riskscore.cli import main
from riskscore.counterparty import MAX_JSON_BYTES

REPO = Path(__file__).resolve().parent.parent
DEFAULT = str(REPO / "rules" / "default")
D = "2026-07-01"
GOOD_A = b'{"id": "a", "incorporation": "DE"}\n'
GOOD_C = b'{"id": "c", "incorporation": "FR"}\n'
# line 2: bad JSON at column 13 (the x); line 3: not UTF-8 at column 12, byte 61 of the file
MIXED = GOOD_A + b'{"id": "b", x}\n' + b'{"id": "caf\xe9", "incorporation": "DE"}\n' + GOOD_C
COMMANDS = {
    "score text": ["score", "{f}", "--as-of", D],
    "score json": ["score", "{f}", "--as-of", D, "--format", "json"],
    "score jsonl": ["score", "{f}", "--as-of", D, "--format", "jsonl"],
    "score csv": ["score", "{f}", "--as-of", D, "--format", "csv", "--chunk-size", "1"],
    "explain": ["explain", "{f}", "--as-of", D],
    "diff": ["diff", DEFAULT, DEFAULT, "{f}", "--as-of", D],
}


def run(argv: list[str], path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main([str(path) if a == "{f}" else a for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("command", COMMANDS)
def test_bad_records_are_located_reported_and_skipped_by_every_command(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "mixed.jsonl"
    data.write_bytes(MIXED)
    code, out, err = run(COMMANDS[command], data, capsys)
    assert code == 1
    assert f"{data}:2:13: bad-json: " in err
    assert f"{data}:3:12: encoding: " in err and "byte offset 61 in the file" in err
    assert "Traceback" not in err
    if command == "diff":
        assert "2 counterparties" in out  # a and c compared; the two bad lines refused
    else:
        assert '"c"' in out or "c\t" in out or "\nc," in out or "Counterparty c:" in out


@pytest.mark.parametrize("fmt", ["text", "json", "jsonl", "csv"])
def test_an_over_long_line_is_refused_unbuffered_and_the_rest_is_scored(
    fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "nul.jsonl"
    data.write_bytes(b"\0" * (3 * 1024 * 1024) + b"\n" + GOOD_C)  # 3 MiB of NUL bytes, then a record
    code, out, err = run(["score", "{f}", "--as-of", D, "--format", fmt], data, capsys)
    assert code == 1 and f"{data}:1:1: too-large: " in err
    assert ("c\t" if fmt == "text" else '"c"' if fmt != "csv" else "\nc,") in out


def test_the_line_limit_is_that_of_parse_counterparty_json(tmp_path: Path) -> None:
    assert MAX_LINE_BYTES == MAX_JSON_BYTES
    data = tmp_path / "edge.jsonl"
    record = b'{"id": "e", "name": "' + b"x" * (MAX_LINE_BYTES - 24) + b'"}'
    data.write_bytes(record + b"\n" + record + b"xx\n")
    items = list(read_records(str(data)))
    assert len(record) <= MAX_LINE_BYTES and isinstance(items[0], Record)
    assert isinstance(items[1], Refusal) and items[1].code == "too-large" and items[1].line == 2


def test_reading_a_huge_line_keeps_memory_bounded(tmp_path: Path) -> None:
    data = tmp_path / "zeros.bin"
    with data.open("wb") as f:
        f.truncate(40 * 1024 * 1024)  # 40 MiB of NUL bytes, no newline (sparse)
    tracemalloc.start()
    try:
        items = list(read_records(str(data)))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [(i.code, i.line) for i in items if isinstance(i, Refusal)] == [("too-large", 1)]
    assert peak < 8 * MAX_LINE_BYTES  # 40 MiB read; the old reader held the whole file, decoded


@pytest.mark.skipif(sys.platform != "linux" or not shutil.which("head"), reason="ru_maxrss in KiB; head(1)")
def test_a_pipe_of_50_mb_of_zeros_is_read_in_bounded_memory(tmp_path: Path) -> None:
    small = tmp_path / "one.jsonl"
    small.write_bytes(GOOD_A)
    probe = (
        "import resource, sys\n"
        "from riskscore.cli import main\n"
        f"main(['score', sys.argv[1], '--as-of', '{D}', '--format', 'jsonl'])\n"  # imports and policy loaded
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        f"code = main(['score', '-', '--as-of', '{D}', '--format', 'jsonl'])\n"
        "after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print('probe', code, after - before)\n"
    )
    script = tmp_path / "probe.py"
    script.write_text(probe)
    proc = subprocess.run(
        f"head -c 50M /dev/zero | '{sys.executable}' '{script}' '{small}'",
        shell=True,
        capture_output=True,
        text=True,
        check=False,
    )
    _, code, grown = proc.stdout.splitlines()[-1].split()
    assert code == "1" and "<stdin>:1:1: too-large: " in proc.stderr and "Traceback" not in proc.stderr
    assert int(grown) < 20_000  # KiB; the old reader grew by about 100 MB here


def test_a_json_document_past_the_limit_is_refused_unread(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "big.json"
    with data.open("wb") as f:
        f.write(b'[{"id": "a", "incorporation": "DE"},')
        f.truncate(_records.MAX_DOCUMENT_BYTES + 10)  # the rest: NUL bytes (sparse)
    code, out, err = run(["score", "{f}", "--as-of", D], data, capsys)
    assert code == 1 and f"{data}:1:1: too-large: JSON document over" in err
    assert out.count("\n") == 1  # the header only: nothing of the document is scored


def test_a_document_within_the_limit_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "cps.json"
    data.write_bytes(b"[" + GOOD_A.strip() + b",\n" + GOOD_C.strip() + b"]")
    monkeypatch.setattr(_records, "MAX_DOCUMENT_BYTES", data.stat().st_size)
    assert [(i.index, i.line, i.column) for i in read_records(str(data))] == [(0, 1, 2), (1, 2, 1)]
    monkeypatch.setattr(_records, "MAX_DOCUMENT_BYTES", data.stat().st_size - 1)
    assert [i.code for i in read_records(str(data)) if isinstance(i, Refusal)] == ["too-large"]


@pytest.mark.parametrize(
    ("content", "where", "scored"),
    [
        # JSON Lines whose first line is broken: reported at its line and column; the next is scored
        (b'{"id": "b",\n' + GOOD_C, "1:12: bad-json", True),
        # one object over several lines with a missing comma: one refusal, where the comma is missing
        (b'{\n  "id": "x"\n  "incorporation": "DE"\n}\n', "3:3: bad-json", False),
        # a refused record inside an array: the line and column where it starts
        (b'[\n  {"id": "y", "incorporation": "Narnia"},\n' + GOOD_C.strip() + b"\n]\n", "2:3: bad-counterparty", True),
        # broken JSON inside an array: located; the rest cannot be read
        (b'[\n  {"id": "y" "incorporation": "DE"},\n' + GOOD_C.strip() + b"\n]\n", "2:14: bad-json", False),
        # bad UTF-8 in an array: line, column and the byte offset in the file
        (b'[{"id": "x", "incorporation": "caf\xe9"}]', "1:35: encoding: not valid UTF-8 (byte offset 34", False),
        # too deep
        (b"[" * 100_000 + b"]" * 100_000, "1:2: too-deep", False),
        # an integer past 19 digits, as parse_counterparty_json refuses it
        (b'{"id": ' + b"9" * 5000 + b"}\n" + GOOD_C, "1:1: bad-number", True),
    ],
)
def test_refusals_name_the_line_and_column(
    content: bytes, where: str, scored: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "cps.json"
    data.write_bytes(content)
    code, out, err = run(["score", "{f}", "--as-of", D], data, capsys)
    assert code == 1 and f"{data}:{where}" in err
    assert ("\nc\t" in out) is scored


def test_one_object_over_several_lines_is_still_one_record(tmp_path: Path) -> None:
    data = tmp_path / "one.json"
    data.write_bytes(b'\n{\n  "id": "x",\n  "owners": [\n    {"country": "DE", "share": 1}\n  ]\n}\n')
    assert [(type(i), i.line) for i in read_records(str(data))] == [(Record, 2)]


def test_refused_records_are_rows_in_csv_jsonl_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "cps.jsonl"
    data.write_bytes(GOOD_A + b'{"id": "n\\nx", "incorporation": "Narnia"}\n' + b"not json\n" + GOOD_C)
    assert main(["score", str(data), "--as-of", D, "--format", "csv"]) == 1
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["id"], r["line"], r["error"], r["score"] == "") for r in rows] == [
        ("a", "1", "", False),
        ("n\nx", "2", "bad-counterparty", True),  # the id's newline is quoted, one row
        ("", "3", "bad-json", True),
        ("c", "4", "", False),
    ]
    assert "unknown country 'Narnia'" in rows[1]["message"]
    for fmt in ("jsonl", "json"):
        assert main(["score", str(data), "--as-of", D, "--format", fmt]) == 1
        out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        refused = [o for o in out if "error" in o]
        assert [(o["id"], o["line"], o["error"]) for o in refused] == [
            ("n\nx", 2, "bad-counterparty"),
            (None, 3, "bad-json"),
        ]
        assert not any("score" in o for o in refused) and refused[0]["issues"][0]["path"] == "incorporation"


@pytest.mark.parametrize("fmt", ["text", "jsonl"])
def test_duplicate_ids_are_warned_of_with_both_lines(
    fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "dup.jsonl"
    data.write_bytes(GOOD_A + GOOD_C + b'{"id": "a", "incorporation": "AT"}\n')
    code, _, err = run(["score", "{f}", "--as-of", D, "--format", fmt], data, capsys)
    assert code == 0 and f"{data}:3: duplicate-id: warning: id 'a' also at line 1" in err


def test_control_characters_in_ids_cannot_forge_rows_or_reach_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "ctl.jsonl"
    forged = "kp-1\nclean-co\t0\tlow\x1b[2J"
    data.write_text(
        json.dumps({"id": forged, "incorporation": "KP"})
        + "\n"
        + json.dumps({"id": "z", "incorporation": "DE", "attributes": {"k\x1b[31m\nfake": [1]}})
        + "\n"
    )
    code, out, err = run(["score", "{f}", "--as-of", D], data, capsys)
    rows = out.splitlines()[1:]
    assert code == 1 and len(rows) == 1 and rows[0].split("\t")[0] == "kp-1\\nclean-co\\t0\\tlow\\x1b[2J"
    assert "\x1b" not in out + err and all(line.startswith(str(data)) or "refused" in line for line in err.splitlines())
    _, out, err = run(["explain", "{f}", "--as-of", D], data, capsys)
    assert "Counterparty kp-1\\nclean-co\\t0\\tlow\\x1b[2J: score" in out and "\x1b" not in out + err
    _, out, err = run(["diff", DEFAULT, DEFAULT, "{f}", "--as-of", D], data, capsys)
    assert "\x1b" not in out + err and "k\\x1b[31m\\nfake" in out


@given(st.text())
def test_shown_text_is_one_printable_line(text: str) -> None:
    escaped = shown(text)
    assert escaped.isprintable() and (escaped == text) == text.isprintable()


@given(st.lists(st.one_of(st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3), st.text(max_size=8))))
def test_every_line_gives_one_item_at_its_line(entries: list[dict[str, str] | str]) -> None:
    lines = [json.dumps(e) if isinstance(e, dict) else "#" + e.replace("\n", " ").replace("\r", " ") for e in entries]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cps.jsonl"
        path.write_text("\n".join(lines))
        items = list(read_records(str(path)))
    assert [i.line for i in items] == list(range(1, len(lines) + 1))
    assert [i.data if isinstance(i, Record) else i.code for i in items] == [
        e if isinstance(e, dict) else "bad-json" for e in entries
    ]


def test_closed_stdin_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", None)  # what Python sets for `riskscore score - <&-`
    assert main(["score", "-", "--as-of", D]) == 1
    captured = capsys.readouterr()
    assert "riskscore: <stdin>: io-error: standard input is closed" in captured.err and captured.out == ""


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX shell closes stdin with <&-")
def test_closed_stdin_in_a_real_shell() -> None:
    proc = subprocess.run(
        f"'{sys.executable}' -m riskscore.cli score - --as-of {D} <&-",
        shell=True,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1 and "io-error" in proc.stderr and "Traceback" not in proc.stderr


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0 and capsys.readouterr().out == f"riskscore {riskscore.__version__}\n"


@given(st.lists(st.integers(0, 1500).map(str), max_size=1500))
def test_duplicates_are_found_as_a_dict_would_find_them(ids: list[str]) -> None:
    duplicates, first, found = Duplicates("f"), dict[str, int](), 0  # past 512 ids the table grows
    for line, ident in enumerate(ids, 1):
        want = f"f:{line}: duplicate-id: warning: id {ident!r} also at line {first[ident]}" if ident in first else None
        assert duplicates.check(ident, line) == want
        first.setdefault(ident, line)
        found += want is not None
    assert duplicates.found == found and not duplicates.full


def test_duplicates_stop_at_their_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_reporting, "MAX_TRACKED_IDS", 3)
    duplicates = Duplicates("f")
    assert [duplicates.check(i, n) for n, i in enumerate("abcda", 1)] == [None] * 4 + [
        "f:5: duplicate-id: warning: id 'a' also at line 1"
    ]
    assert duplicates.full  # 'd' was not remembered


def test_duplicates_are_found_after_the_table_grows() -> None:
    duplicates = Duplicates("f")
    assert all(duplicates.check(f"id{i}", i + 1) is None for i in range(3000))
    assert duplicates.check("id1234", 9999) == "f:9999: duplicate-id: warning: id 'id1234' also at line 1235"
