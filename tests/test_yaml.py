"""The strict YAML reader: YAML traps become clear errors with file:line."""

from __future__ import annotations

import pytest
from workbound import count_calls

from riskscore import PolicyError
from riskscore._yaml import MAX_NODES, load_text


def test_norway_stays_a_string_and_yaml12_booleans_are_booleans() -> None:
    data = load_text("a: NO\nb: yes\nc: true\nd: 1.5\ne: 2\nf: 2024-01-01\ng: ~\n", "x.yaml").data
    assert data == {"a": "NO", "b": "yes", "c": True, "d": 1.5, "e": 2, "f": "2024-01-01", "g": None}


def test_duplicate_keys_are_an_error_with_both_lines() -> None:
    with pytest.raises(PolicyError) as info:
        load_text("a: 1\nb:\n  c: 1\n  c: 2\n", "p.yaml")
    err = info.value
    assert (err.file, err.line, err.key_path) == ("p.yaml", 4, "b.c")
    assert "duplicate key 'c' (first at line 3)" in str(err)


def test_python_tags_are_refused() -> None:
    with pytest.raises(PolicyError, match=r"bad-tag.*python/object"):
        load_text("a: !!python/object/apply:os.system ['echo hi']\n", "evil.yaml")


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 9):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]")
    exc, calls = count_calls(lambda: load_text("\n".join(lines) + "\n", "bomb.yaml"))
    assert isinstance(exc, PolicyError)
    assert [i.code for i in exc.issues] == ["too-large"]
    assert calls < 10 * MAX_NODES  # bounded by the node budget, not by the 10**9 expansion


@pytest.mark.parametrize(
    ("text", "code"), [("", "empty-file"), ("a: [1,\n", "yaml-syntax"), ("a: .nan\n", "bad-number")]
)
def test_empty_broken_and_non_finite_files(text: str, code: str) -> None:
    with pytest.raises(PolicyError, match=code):
        load_text(text, "f.yaml")


def test_syntax_error_reports_line() -> None:
    with pytest.raises(PolicyError) as info:
        load_text("a: 1\nb: [1, 2\nc: 3\n", "s.yaml")
    assert info.value.line is not None and info.value.line >= 2
