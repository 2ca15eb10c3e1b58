"""What :func:`riskscore._records.read_records` yields (:class:`Record`, :class:`Refusal`), its
limits and JSON decoder, and the bounded line reader (:class:`_Lines`) it reads with.

Re-exported by :mod:`riskscore._records`, where the reading is described.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from .counterparty import MAX_JSON_BYTES, _json_int
from .errors import FieldIssue, RiskscoreError

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
