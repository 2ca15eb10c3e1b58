"""Calendar dates as riskscore reads them: exactly ``YYYY-MM-DD``, the same on every Python.

``date.fromisoformat`` reads ``2026-W27-3`` and ``20260101`` from Python 3.11 on but not on
3.10, and pydantic reads a number as Unix time (``date: 0`` is 1970-01-01) and a datetime
string as its date. Each would let a typo pick a date silently, so every date riskscore
reads (``as_of`` in the API and the CLI, dates in list and cases files) goes through
:func:`parse_date`, and file models use :data:`FileDate`.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime
from functools import lru_cache
from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

__all__ = ["FileDate", "DateProblem", "parse_date"]

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class DateProblem(ValueError):
    """Why a value is not a date; ``code`` is ``bad-date`` (form) or ``no-such-date`` (calendar)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def _shown(value: object) -> str:
    """A short repr (a long string is cut before ``repr``; an int past Python's digit limit)."""
    if isinstance(value, str) and len(value) > 40:
        return repr(value[:37]) + "..."
    try:
        text = repr(value)
    except ValueError:  # int of more than 4300 digits
        return "<huge integer>"
    return text if len(text) <= 40 else text[:37] + "..."


def parse_date(text: str) -> date:
    """Read ``YYYY-MM-DD`` (ASCII digits, nothing else), or raise :class:`DateProblem`."""
    if type(text) is str:  # the usual case: one as-of string for many calls
        return _parse_str(text)
    return _parse(text)


@lru_cache(maxsize=1024)
def _parse_str(text: str) -> date:
    """:func:`_parse` of a ``str``, remembered (the answer depends on the text only; errors are not kept)."""
    return _parse(text)


def _parse(text: str) -> date:
    if not _DATE.fullmatch(text):
        raise DateProblem(f"{_shown(text)} is not a date: write YYYY-MM-DD", "bad-date")
    year, month, day = int(text[:4]), int(text[5:7]), int(text[8:])
    if not 1 <= month <= 12:
        raise DateProblem(f"date {text!r} does not exist: there is no month {month}", "no-such-date")
    if year < 1:
        raise DateProblem(f"date {text!r} does not exist: there is no year 0", "no-such-date")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise DateProblem(
            f"date {text!r} does not exist: {calendar.month_name[month]} {year} has {last} days", "no-such-date"
        )
    return date(year, month, day)


def _fail(code: str, detail: str) -> PydanticCustomError:
    return PydanticCustomError(code, "{detail}", {"detail": detail})


def _file_date(value: Any) -> date:
    if type(value) is date:
        return value
    if isinstance(value, str):
        try:
            return parse_date(value)
        except DateProblem as exc:
            raise _fail(exc.code, str(exc)) from None
    if isinstance(value, datetime):
        raise _fail("bad-date", "a datetime is not a date: give a date or YYYY-MM-DD")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise _fail(
            "bad-date", f"{_shown(value)} is a number, not a date (it would be read as Unix time): write YYYY-MM-DD"
        )
    shown = "null" if value is None else _shown(value)
    raise _fail("bad-date", f"{shown} is not a date: write YYYY-MM-DD")


FileDate = Annotated[date, BeforeValidator(_file_date)]
"""A date field of a list or cases file: ``YYYY-MM-DD`` text or a ``date``, nothing else."""
