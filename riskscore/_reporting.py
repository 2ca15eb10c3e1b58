"""What the command line tells the user about its input, on stderr and in text output.

:func:`shown` escapes what could forge a line or drive the terminal; :class:`Duplicates`
notices ids seen before; :class:`Run` reports refusals and warnings as
``file:line:col: code: message`` and gives the exit status.
"""

from __future__ import annotations

import sys
from array import array

from ._records import Refusal, display_name

__all__ = ["MAX_TRACKED_IDS", "Duplicates", "Run", "err", "shown"]

MAX_TRACKED_IDS = 1_000_000
"""Most ids remembered to warn of duplicates (32 MB at most)."""


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
    """Warns of an id seen before, naming both lines, in about 32 bytes per id.

    Ids are remembered by their 64-bit hash in an open-addressing table (linear probing) of
    two flat integer arrays, hash and line, at most half full; a dict of strings would take
    about 140 bytes per id. Two different ids with the same hash would be reported as one
    (odds below 1e-7 in a million ids). At most :data:`MAX_TRACKED_IDS` ids are remembered
    (32 MB); ``full`` says when later ones were not checked.
    """

    def __init__(self, file: str) -> None:
        self.file = file
        self.found = 0
        self.full = False
        self._count = 0
        self._hashes = array("q", bytes(8 * 1024))  # 0: an empty slot
        self._lines = array("q", bytes(8 * 1024))  # 0: line unknown

    def check(self, ident: str, line: int | None) -> str | None:
        """The warning for ``ident`` at ``line`` if it was seen before, else None."""
        key = hash(ident) or 1
        hashes, mask = self._hashes, len(self._hashes) - 1
        slot = key & mask
        while (found := hashes[slot]) != 0 and found != key:  # _slot(), inlined: this runs per record
            slot = (slot + 1) & mask
        if found == key:
            self.found += 1
            first = self._lines[slot]
            at = f"{self.file}:{line}" if line is not None else self.file
            before = f"line {first}" if first else "an earlier record"
            return f"{at}: duplicate-id: warning: id {ident!r} also at {before}"
        if self._count >= MAX_TRACKED_IDS:
            self.full = True
            return None
        self._hashes[slot], self._lines[slot] = key, line or 0
        self._count += 1
        if 2 * self._count > len(self._hashes):
            self._grow()
        return None

    def _slot(self, key: int) -> int:
        """Where ``key`` is, or the empty slot where it belongs."""
        mask = len(self._hashes) - 1
        slot = key & mask
        while (found := self._hashes[slot]) != 0 and found != key:
            slot = (slot + 1) & mask
        return slot

    def _grow(self) -> None:
        hashes, lines = self._hashes, self._lines
        self._hashes, self._lines = array("q", bytes(16 * len(hashes))), array("q", bytes(16 * len(hashes)))
        for key, line in zip(hashes, lines, strict=True):
            if key:
                slot = self._slot(key)
                self._hashes[slot], self._lines[slot] = key, line


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
