"""Counterparty records read for the command line, one at a time, in bounded memory.

A file (or standard input) holds JSON Lines, one JSON array, or one JSON object over several
lines. :func:`read_records` yields a :class:`Record` (the parsed JSON, with its line and
column) for every record it can read and a :class:`Refusal` (with a code) for every one it
cannot, and goes on where it can: after a bad line, at the next line; inside a broken array
it cannot know where the next element starts, so the rest of the array is one refusal.

Memory stays bounded whatever the input: a line is read at most :data:`MAX_LINE_BYTES` at a
time (the 1 MiB of :func:`~riskscore.counterparty.parse_counterparty_json`); a longer one is
refused as ``too-large`` and skipped to its newline without being kept. A JSON array is read in
chunks up to :data:`MAX_DOCUMENT_BYTES`; a larger one is refused (``too-large``) unread.
Integers past 19 digits are refused as :func:`parse_counterparty_json` refuses them
(``bad-number``); ``NaN`` and ``Infinity`` are read, and refused by validation with their field
path (no field accepts a number that is not finite).

Codes: ``bad-json``, ``bad-number``, ``too-deep``, ``too-large``, ``encoding`` (not UTF-8;
the message gives the byte offset in the file), ``bad-counterparty`` (read, but refused by
the policy's validation), and ``io-error`` (:class:`InputError`: the input cannot be read).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from .counterparty import MAX_JSON_BYTES, _json_int
from .errors import FieldIssue, RiskscoreError

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "MAX_LINE_BYTES",
    "InputError",
    "Record",
    "Refusal",
    "read_records",
]

MAX_LINE_BYTES = MAX_JSON_BYTES
"""Longest JSON Lines line (bytes, without its newline), and largest record of an array."""
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
"""Largest JSON document (an array of records) read."""
_CHUNK = 1024 * 1024
_BOM = b"\xef\xbb\xbf"
_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder(parse_int=_json_int)


class InputError(RiskscoreError, ValueError):
    """The input as a whole cannot be read (``io-error``): missing, a folder, stdin closed."""

    def __init__(self, file: str, message: str, code: str = "io-error") -> None:
        self.file, self.code = file, code
        super().__init__(f"{file}: {code}: {message}")


@dataclass(frozen=True, slots=True)
class Record:
    """One record read: its position among the records (from 0), where it starts, its JSON."""

    index: int
    line: int | None
    column: int | None
    data: Any
    size: int = 0
    """Bytes of its JSON text (to bound the memory of a chunk)."""

    def where(self, file: str) -> str:
        """``file:line:column`` (just ``file`` if the position is unknown)."""
        return f"{file}:{self.line}:{self.column}" if self.line is not None else file

    @property
    def id(self) -> str | None:
        """The record's ``id`` as given, if it is a string or an integer."""
        ident = self.data.get("id") if isinstance(self.data, dict) else None
        return str(ident) if isinstance(ident, str | int) and not isinstance(ident, bool) else None


@dataclass(frozen=True, slots=True)
class Refusal:
    """A record that could not be read, or was refused: where, a code, a message, the id if known."""

    index: int
    line: int | None
    column: int | None
    code: str
    message: str
    id: str | None = None
    issues: tuple[FieldIssue, ...] = ()

    def located(self, file: str) -> str:
        """``file:line:column: code: message``."""
        where = f"{file}:{self.line}:{self.column}" if self.line is not None else file
        return f"{where}: {self.code}: {self.message}"

    @classmethod
    def of(cls, record: Record, issues: Sequence[FieldIssue], detail: str = "") -> Refusal:
        """``record`` refused by validation (``bad-counterparty``) with these issues."""
        text = "; ".join(str(i) for i in issues) or "refused"
        message = f"record {record.index}{detail}: {text}"
        return cls(record.index, record.line, record.column, "bad-counterparty", message, record.id, tuple(issues))


def read_records(path: str) -> Iterator[Record | Refusal]:
    """Every record of the file at ``path`` (``-``: standard input), see the module docstring.

    The input is opened at once (raising :class:`InputError` if it cannot be), then read as
    the records are asked for (raising :class:`InputError` if a read fails).
    """
    name = display_name(path)
    if path == "-":
        if sys.stdin is None:
            raise InputError(name, "standard input is closed")
        stream: IO[bytes] | None = getattr(sys.stdin, "buffer", None)
        if stream is None:
            raise InputError(name, "standard input is not a byte stream")
        closing: contextlib.AbstractContextManager[Any] = contextlib.nullcontext()
    else:
        try:
            stream = closing = open(path, "rb")  # noqa: SIM115
        except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
            raise InputError(name, f"cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    return _read_all(stream, closing, name)


def _read_all(
    stream: IO[bytes], closing: contextlib.AbstractContextManager[Any], name: str
) -> Iterator[Record | Refusal]:
    with closing:
        try:
            yield from _read(_Lines(stream))
        except OSError as exc:
            raise InputError(name, f"cannot read: {exc.strerror or exc}") from None


def display_name(path: str) -> str:
    """How messages name the input: ``<stdin>`` for ``-``."""
    return "<stdin>" if path == "-" else path


@dataclass(frozen=True, slots=True)
class _Line:
    number: int
    offset: int  # of its first byte in the input
    raw: bytes  # with its newline; only the first MAX_LINE_BYTES + 2 bytes if ``long``
    long: bool

    def blank(self) -> bool:
        return not self.long and not self.raw.strip(b" \t\r\n")


class _Lines:
    """Lines of a byte stream, each read at most ``MAX_LINE_BYTES + 2`` bytes at a time; the rest
    of a longer line is skipped (in chunks, unkept) when the next line is asked for."""

    def __init__(self, stream: IO[bytes], number: int = 0, offset: int = 0) -> None:
        self.stream, self.number, self.offset = stream, number, offset
        self.skip = False

    def __iter__(self) -> Iterator[_Line]:
        while (line := self.next()) is not None:
            yield line

    def next(self) -> _Line | None:
        if self.skip:
            self.skip = False
            while (chunk := self.stream.readline(_CHUNK)) and not chunk.endswith(b"\n"):
                self.offset += len(chunk)
            self.offset += len(chunk)
        raw = self.stream.readline(MAX_LINE_BYTES + 2)
        if not raw:
            return None
        self.number += 1
        start, self.offset = self.offset, self.offset + len(raw)
        newline = raw.endswith(b"\n")
        long = len(raw) - newline > MAX_LINE_BYTES
        self.skip = long and not newline
        return _Line(self.number, start, raw, long)

    def rest(self, budget: int) -> bytes | None:
        """The rest of the stream (the rest of the current line included), or None past ``budget``."""
        self.skip = False
        parts, size = [], 0
        while chunk := self.stream.read(_CHUNK):
            size += len(chunk)
            if size > budget:
                return None
            parts.append(chunk)
        return b"".join(parts)


def _read(lines: _Lines) -> Iterator[Record | Refusal]:
    first = next((line for line in lines if not line.blank()), None)
    if first is None:
        return
    head = first.raw[len(_BOM) :] if first.offset == 0 and first.raw.startswith(_BOM) else first.raw
    head = head.lstrip(b" \t\r\n")
    if head.startswith(b"["):
        yield from _array(first, lines)
        return
    item, at_end = _parse_line(first, 0)
    if isinstance(item, Refusal) and at_end and head.startswith(b"{"):
        yield from _object(first, lines)  # one object over several lines, or JSON Lines after all
        return
    yield item
    yield from _jsonl(lines, 1)


def _jsonl(lines: Iterator[_Line] | _Lines, index: int) -> Iterator[Record | Refusal]:
    for line in lines:
        if line.blank():
            continue
        yield _parse_line(line, index)[0]
        index += 1


def _parse_line(line: _Line, index: int) -> tuple[Record | Refusal, bool]:
    """The record on ``line``, and whether a JSON error was at its end (an incomplete object)."""
    if line.long:
        message = f"line over {MAX_LINE_BYTES:,} bytes (the limit for one record); skipped"
        return Refusal(index, line.number, 1, "too-large", message), False
    raw, offset = line.raw, line.offset
    if offset == 0 and raw.startswith(_BOM):
        raw, offset = raw[len(_BOM) :], offset + len(_BOM)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        column = len(raw[: exc.start].decode("utf-8")) + 1
        message = f"not valid UTF-8 (byte offset {offset + exc.start} in the file)"
        return Refusal(index, line.number, column, "encoding", message), False
    text = text.removesuffix("\n")
    column = len(text) - len(text.lstrip(" \t\r")) + 1
    try:
        return Record(index, line.number, column, _DECODER.decode(text), len(raw)), False
    except json.JSONDecodeError as exc:
        at_end = exc.pos >= len(text.rstrip())
        return Refusal(index, line.number, exc.colno, "bad-json", f"invalid JSON: {exc.msg}"), at_end
    except RecursionError:
        return Refusal(index, line.number, column, "too-deep", "invalid JSON: nested too deeply"), False
    except ValueError as exc:  # from _json_int
        return Refusal(index, line.number, column, "bad-number", f"invalid JSON: {exc}"), False


def _object(first: _Line, lines: _Lines) -> Iterator[Record | Refusal]:
    """One object over several lines (at most one record's bytes); failing that, JSON Lines."""
    buf, pending, complete = bytearray(first.raw), None, False
    while len(buf) <= MAX_LINE_BYTES:
        line = lines.next()
        if line is None:
            complete = True
            break
        if line.long:
            pending = line
            break
        buf += line.raw
    if complete:
        item = _parse_document(bytes(buf), first)
        if item is not None:
            yield item
            return
    replay = _Lines(io.BytesIO(bytes(buf)), first.number - 1, first.offset)
    yield from _jsonl(_chain(replay, pending, lines), 0)


def _chain(replay: _Lines, pending: _Line | None, lines: _Lines) -> Iterator[_Line]:
    yield from replay
    if pending is not None:
        yield pending
    yield from lines


def _parse_document(raw: bytes, first: _Line) -> Record | Refusal | None:
    """``raw`` (from ``first`` to the end) as one object; None if it reads as JSON Lines instead:
    not UTF-8, or the JSON breaks off where a line starts a new object."""
    if first.offset == 0 and raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    column = len(text) - len(text.lstrip(" \t\r\n")) + 1
    try:
        return Record(0, first.number, column, _DECODER.decode(text), len(raw))
    except json.JSONDecodeError as exc:
        bad = text.split("\n")[exc.lineno - 1]
        if bad.lstrip().startswith("{") and exc.colno == len(bad) - len(bad.lstrip()) + 1:
            return None
        return Refusal(0, first.number + exc.lineno - 1, exc.colno, "bad-json", f"invalid JSON: {exc.msg}")
    except RecursionError:
        return Refusal(0, first.number, column, "too-deep", "invalid JSON: nested too deeply")
    except ValueError as exc:
        return Refusal(0, first.number, column, "bad-number", f"invalid JSON: {exc}")


def _array(first: _Line, lines: _Lines) -> Iterator[Record | Refusal]:
    rest = lines.rest(MAX_DOCUMENT_BYTES - len(first.raw))
    if rest is None:
        message = f"JSON document over {MAX_DOCUMENT_BYTES:,} bytes (the limit); not read"
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
