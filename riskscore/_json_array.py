"""Reading a JSON array of records (:func:`_array`): the whole document up to
:data:`~riskscore._records.MAX_DOCUMENT_BYTES`, then element by element with its line and
column, the rest refused at the first error (where the next element starts is unknown)."""

from __future__ import annotations

import json
from collections.abc import Iterator

from ._record_lines import _BOM, _DECODER, _WS, MAX_LINE_BYTES, Record, Refusal, _Line, _Lines


def _array(first: _Line, lines: _Lines, limit: int) -> Iterator[Record | Refusal]:
    """The records of the array starting on ``first``, read whole if at most ``limit`` bytes."""
    rest = lines.rest(limit - len(first.raw))
    if rest is None:
        message = f"JSON document over {limit:,} bytes (the limit); not read"
        yield Refusal(0, first.number, 1, "too-large", message)
        return
    raw, offset = first.raw + rest, first.offset
    del rest
    if offset == 0 and raw.startswith(_BOM):
        raw, offset = raw[len(_BOM) :], offset + len(_BOM)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        number = first.number + raw.count(b"\n", 0, exc.start)
        column = len(raw[raw.rfind(b"\n", 0, exc.start) + 1 : exc.start].decode("utf-8")) + 1
        message = f"not valid UTF-8 (byte offset {offset + exc.start} in the file)"
        yield Refusal(0, number, column, "encoding", message)
        return
    del raw
    yield from _elements(text, first.number)


def _elements(text: str, first_line: int) -> Iterator[Record | Refusal]:
    at = _Positions(text, first_line)
    pos = _skip(text, _skip(text, 0) + 1)  # past "["
    index = 0
    if text.startswith("]", pos):
        yield from _after_array(text, pos, at, index)
        return
    while True:
        try:
            value, end = _DECODER.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            yield Refusal(index, *at(exc.pos), "bad-json", f"invalid JSON: {exc.msg}; the rest is not read")
            return
        except RecursionError:
            yield Refusal(index, *at(pos), "too-deep", "invalid JSON: nested too deeply; the rest is not read")
            return
        except ValueError as exc:
            yield Refusal(index, *at(pos), "bad-number", f"invalid JSON: {exc}; the rest is not read")
            return
        line, column = at(pos)
        if end - pos > MAX_LINE_BYTES:
            message = f"record of {end - pos:,} characters; at most {MAX_LINE_BYTES:,}"
            yield Refusal(index, line, column, "too-large", message)
        else:
            yield Record(index, line, column, value, end - pos)
        index += 1
        pos = _skip(text, end)
        if text.startswith(",", pos):
            pos = _skip(text, pos + 1)
            continue
        if text.startswith("]", pos):
            yield from _after_array(text, pos, at, index)
            return
        yield Refusal(index, *at(pos), "bad-json", "invalid JSON: expected ',' or ']'; the rest is not read")
        return


def _after_array(text: str, pos: int, at: _Positions, index: int) -> Iterator[Refusal]:
    pos = _skip(text, pos + 1)
    if pos < len(text):
        yield Refusal(index, *at(pos), "bad-json", "invalid JSON: extra data after the array; not read")


def _skip(text: str, pos: int) -> int:
    """Past the JSON whitespace at ``pos``."""
    match = _WS.match(text, pos)
    return match.end() if match else pos


class _Positions:
    """Line and column (1-based) of increasing character offsets in a text, in linear time."""

    def __init__(self, text: str, first_line: int) -> None:
        self.text, self.line, self.pos = text, first_line, 0

    def __call__(self, pos: int) -> tuple[int, int]:
        if pos < self.pos:  # not expected; count afresh
            self.line, self.pos = self.line - self.text.count("\n", pos, self.pos), pos
        self.line += self.text.count("\n", self.pos, pos)
        self.pos = pos
        return self.line, pos - (self.text.rfind("\n", 0, pos) + 1) + 1
