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

The records and the line reader are in :mod:`riskscore._record_lines`, the reading of a JSON
array in :mod:`riskscore._json_array`; this module re-exports the public names.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from collections.abc import Iterator
from typing import IO, Any

from ._json_array import _array
from ._record_lines import (
    _BOM,
    _DECODER,
    MAX_DOCUMENT_BYTES,
    MAX_LINE_BYTES,
    InputError,
    Record,
    Refusal,
    _Line,
    _Lines,
)

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "MAX_LINE_BYTES",
    "InputError",
    "Record",
    "Refusal",
    "read_records",
]


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


def _read(lines: _Lines) -> Iterator[Record | Refusal]:
    first = next((line for line in lines if not line.blank()), None)
    if first is None:
        return
    head = first.raw[len(_BOM) :] if first.offset == 0 and first.raw.startswith(_BOM) else first.raw
    head = head.lstrip(b" \t\r\n")
    if head.startswith(b"["):
        yield from _array(first, lines, MAX_DOCUMENT_BYTES)  # read here: tests patch the limit
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
