"""What the command line tells the user about its input, on stderr and in text output.

:func:`shown` escapes what could forge a line or drive the terminal; :class:`Duplicates`
notices ids seen before; :class:`Run` reports refusals and warnings as
``file:line:col: code: message`` and gives the exit status.
"""

from __future__ import annotations

import sys

from ._records import Refusal, display_name

__all__ = ["MAX_TRACKED_IDS", "Duplicates", "Run", "err", "shown"]

MAX_TRACKED_IDS = 1_000_000
"""Most ids remembered to warn of duplicates (about 100 MB at most)."""


def shown(text: str) -> str:
    """``text`` safe for a terminal or a tab-separated line: every character that is not
    printable (newline, tab, ESC, bidi controls, ...) is written as its Python escape (``\\n``,
    ``\\t``, ``\\x1b``, ``\\u202e``), so input can neither forge rows nor drive the terminal."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def err(text: str) -> None:
    """One line on stderr, every character that could forge a line or drive the terminal escaped."""
    sys.stderr.write(shown(text) + "\n")


class Duplicates:
    """Warns of an id seen before, naming both lines. Remembers at most :data:`MAX_TRACKED_IDS`
    ids, by hash (a collision of two 64-bit hashes in a million ids has odds below 1e-7)."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.first: dict[int, int | None] = {}
        self.found = 0
        self.full = False

    def check(self, ident: str, line: int | None) -> str | None:
        """The warning for ``ident`` at ``line`` if it was seen before, else None."""
        key = hash(ident)
        if key in self.first:
            self.found += 1
            first = self.first[key]
            at = f"{self.file}:{line}" if line is not None else self.file
            before = f"line {first}" if first is not None else "an earlier record"
            return f"{at}: duplicate-id: warning: id {ident!r} also at {before}"
        if len(self.first) < MAX_TRACKED_IDS:
            self.first[key] = line
        else:
            self.full = True
        return None


class Run:
    """The stderr side of reading a file: each refusal as ``file:line:col: code: message``,
    warnings for duplicate ids (the first :data:`MAX_SHOWN` of them), the count at the end."""

    MAX_SHOWN = 100

    def __init__(self, path: str) -> None:
        self.file = display_name(path)
        self.refused = 0
        self.duplicates = Duplicates(self.file)
        self.warned = 0

    def refuse(self, refusal: Refusal) -> None:
        """Report a refused record."""
        self.refused += 1
        err(refusal.located(self.file))

    def scored(self, ident: str, line: int | None) -> None:
        """Note a scored record's id; warn if it was seen before."""
        warning = self.duplicates.check(ident, line)
        if warning is not None and self.warned < self.MAX_SHOWN:
            self.warned += 1
            err(warning)

    def finish(self) -> int:
        """Print the totals; the exit status (1 if any record was refused)."""
        hidden = self.duplicates.found - self.warned
        if hidden > 0:
            err(f"{self.file}: duplicate-id: warning: {hidden} more duplicate id(s) not shown")
        if self.duplicates.full:
            err(f"{self.file}: duplicate-id: warning: only the first {MAX_TRACKED_IDS:,} ids were checked")
        if self.refused:
            err(f"{self.refused} record(s) refused")
        return 1 if self.refused else 0
