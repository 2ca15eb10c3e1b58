"""Control characters in rule files: refused at file:line:col, reported on one line.

Issue 8: the reader's refusal came out as ``YAML error: unacceptable character #x0007 ...
in "<unicode string>", position 5`` over two lines, with no line or column; and a key written
with escapes (``"x\\e[31m\\nforged"``) put a raw newline and an ANSI escape into the message.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import TEST_LIST, write_policy
from hypothesis import example, given, settings
from hypothesis import strategies as st

import riskscore
from riskscore import PolicyError
from riskscore._yaml import load_bytes, load_text


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ('a: "x\x07y"\n', 1, 6),  # BEL in a quoted scalar
        ("a: 1\nb: x\x1by\n", 2, 5),  # ESC in a plain scalar
        ("a: b\n\x00\n", 2, 1),  # NUL
        ("k\x07: 1\n", 1, 2),  # in a key
        ("a: |\n  x\x1b[31m\n", 2, 4),  # in a block scalar
        ("# note\x07\na: 1\n", 1, 7),  # in a comment
        ("a: ééé\x7f\n", 1, 7),  # DEL after multi-byte characters (libyaml counts bytes)
        ("a: 1\r\nb: 2\r\nc: \x9b\n", 3, 4),  # C1 CSI, CRLF line ends
    ],
)
def test_a_control_character_is_refused_at_its_line_and_column(text: str, line: int, column: int) -> None:
    with pytest.raises(PolicyError) as info:
        load_bytes(text.encode(), "p.yaml")
    [issue] = info.value.issues
    assert (issue.code, issue.file, issue.line, issue.column) == ("yaml-syntax", "p.yaml", line, column)
    assert str(info.value).isprintable()


def test_a_control_character_in_a_list_file_names_the_list_file(tmp_path: Path) -> None:
    text = TEST_LIST.replace("title: Test high-risk list", "title: Test \x1b[2Jlist")
    with pytest.raises(PolicyError) as info:
        riskscore.load_policy(write_policy(tmp_path, list_text=text))
    [issue] = info.value.issues
    assert issue.file is not None and issue.file.endswith("test_high.yaml")
    assert (issue.line, issue.column) == (2, 13)
    assert str(info.value).isprintable()


def test_escaped_control_characters_in_a_key_cannot_forge_lines(tmp_path: Path) -> None:
    path = write_policy(tmp_path)
    path.write_text(path.read_text().replace("title:", '"x\\e[31m\\nforged: 1": 1\ntitle:', 1))
    with pytest.raises(PolicyError) as info:
        riskscore.load_policy(path)
    [issue] = info.value.issues
    assert issue.code == "extra_forbidden"
    assert str(info.value).isprintable()
    assert "\\x1b[31m\\nforged" in issue.key_path


def _quoted(text: str) -> str:
    return '"' + text.encode("unicode_escape").decode().replace('"', '\\"') + '"'


@settings(max_examples=200, deadline=None)
@given(key=st.text(max_size=8), value=st.text(max_size=8))
@example(key="k", value="\x07")
@example(key="\n", value="v")
def test_every_refusal_of_a_document_is_one_printable_line_per_issue(key: str, value: str) -> None:
    """Whatever characters a key or a value holds, raw or escaped, each issue prints as one line."""
    raw = f"{key}: {value}\n"
    escaped = f"{_quoted(key)}:\n  a: {_quoted(value)}\n  a: 2\n"  # a duplicate key under the escaped one
    for text in (raw, escaped):
        try:
            load_text(text, "p.yaml")
        except PolicyError as exc:
            assert all(str(issue).isprintable() for issue in exc.issues), text
