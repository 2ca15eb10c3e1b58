"""Progress of a long command as one throttled line on stderr, shown only on a terminal.

    with progress(total=len(files), label="cases") as bar:
        for file in files:
            ...
            bar.advance()            # or bar.advance(n, note="3 refused")

``enabled=None`` (the default) shows the line only when the stream is a terminal, so pipes,
redirections and CI logs stay clean; ``True``/``False`` force it (the CLI's
``--progress/--no-progress``, see :func:`add_argument`). The line is redrawn in place with
``\\r`` at most every :data:`INTERVAL` seconds: the count, the rate, and with a known total the
percentage and an ETA. On exit (also by an exception) the last state is drawn and the line ended,
so what follows starts on a fresh line. No dependencies; nothing is written when disabled.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TextIO, TypeVar

__all__ = ["INTERVAL", "Progress", "add_argument", "counted", "progress", "start"]

T = TypeVar("T")

INTERVAL = 0.1
"""Least seconds between two redraws of the line."""


def _duration(seconds: float) -> str:
    whole = int(seconds + 0.5)
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class Progress:
    """The progress of one command: call :meth:`advance` as work gets done."""

    def __init__(self, total: int | None, label: str, enabled: bool, stream: TextIO) -> None:
        self.total = total
        """Units of work in all, or ``None`` if unknown (no percentage, no ETA); may be set later."""
        self.label = label
        self.enabled = enabled
        self.done = 0
        self.note = ""
        self._stream = stream
        self._start = self._drawn_at = time.monotonic()
        self._width = 0
        self._shown = self._closed = False

    def advance(self, n: int = 1, *, note: str | None = None) -> None:
        """Count ``n`` more units done (and replace the note shown after the count, if given)."""
        self.done += n
        if note is not None:
            self.note = note
        if self.enabled and time.monotonic() - self._drawn_at >= INTERVAL:
            self._draw()

    def line(self) -> str:
        """The text of the line as it would be drawn now."""
        elapsed = max(time.monotonic() - self._start, 1e-9)
        rate = self.done / elapsed
        parts = [f"{self.label}: {self.done:,}"]
        if self.total:
            parts[0] += f"/{self.total:,} ({100 * min(self.done / self.total, 1):.0f}%)"
        if self.note:
            parts.append(self.note)
        parts.append(f"{rate:,.0f}/s" if rate >= 10 else f"{rate:,.1f}/s")
        if self.total and 0 < self.done < self.total:
            parts.append(f"ETA {_duration((self.total - self.done) / rate)}")
        elif self.done:
            parts.append(_duration(elapsed))
        return ", ".join(parts)

    def _draw(self) -> None:
        text = self.line()
        self._stream.write("\r" + text + " " * max(self._width - len(text), 0))
        self._stream.flush()
        self._width, self._shown, self._drawn_at = len(text), True, time.monotonic()

    def close(self) -> None:
        """Draw the final state and end the line (nothing if disabled, nothing was counted or
        already closed; safe to call twice)."""
        if self.enabled and not self._closed and (self._shown or self.done):
            self._draw()
            self._stream.write("\n")
            self._stream.flush()
        self._closed = True


def start(total: int | None, label: str, enabled: bool | None = None, *, stream: TextIO | None = None) -> Progress:
    """A :class:`Progress` line on ``stream`` (default stderr); call its ``close()`` when done.

    ``enabled=None`` shows it only if ``stream`` is a terminal. Prefer :func:`progress`, which
    ends the line also when the block raises."""
    out = sys.stderr if stream is None else stream
    return Progress(total, label, _isatty(out) if enabled is None else enabled, out)


@contextmanager
def progress(
    total: int | None, label: str, enabled: bool | None = None, *, stream: TextIO | None = None
) -> Iterator[Progress]:
    """A :class:`Progress` line on ``stream`` (default stderr), ended when the block exits.

    ``enabled=None`` shows it only if ``stream`` is a terminal."""
    bar = start(total, label, enabled, stream=stream)
    try:
        yield bar
    finally:
        bar.close()


def counted(items: Iterable[T], bar: Progress) -> Iterator[T]:
    """``items`` unchanged, advancing ``bar`` by one as each is done (when the next is taken),
    and closing ``bar`` when they run out or the loop is left."""
    try:
        for item in items:
            yield item
            bar.advance()
    finally:
        bar.close()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream: stay silent
        return False


def add_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--progress/--no-progress`` (``args.progress``: ``None`` means "on a terminal")."""
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show progress on stderr (default: only when stderr is a terminal)",
    )
