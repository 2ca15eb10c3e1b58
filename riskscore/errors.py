"""Errors raised by riskscore.

Every error riskscore raises on bad input derives from :class:`RiskscoreError`, and each
branch also subclasses the built-in exception it refines, so ``except ValueError`` keeps
working for callers that do not know riskscore::

    RiskscoreError
    ├── PolicyError (ValueError)          a rule, list or policy file is invalid
    ├── CounterpartyError (ValueError)    a counterparty is invalid (field paths attached)
    │   └── BatchError                    score_many: some records are invalid (riskscore.batch)
    ├── ResultError (ValueError)          a stored result given to Policy.verify is invalid
    ├── CountryError (LookupError)        a country value is not recognised
    ├── AsOfError (ValueError)            an as-of date cannot be parsed
    └── NetworkError (ValueError)         a network input (edge table, FtM, BODS, GLEIF) is invalid

Errors keep their facts as attributes (file, line, column, key path, value, suggestion)
so integrators can render them their own way; ``str()`` gives ``path:line:col: message``.
Each carries a ``code``; its ``docs`` property is the code's page, a path in the repository
(``docs/codes/<code>.md``, ``codes/<code>.html`` on the built site), as ruff links each rule.

On bad input no other exception escapes the public API (``load_policy``, ``Policy.score``
and the parsers): anything else is a bug, and the fuzzer in ``fuzz/`` looks for it. See
docs/errors.md for integrators and SECURITY.md for the limits behind each refusal.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "AsOfError",
    "CounterpartyError",
    "CountryError",
    "FieldIssue",
    "Issue",
    "NetworkError",
    "PolicyError",
    "ResultError",
    "RiskscoreError",
]


def code_docs(code: str) -> str:
    """The page of a code, ``docs/codes/<code>.md`` (see :func:`riskscore._codes.docs_anchor`)."""
    from ._codes import docs_anchor  # here, not at the top: `python -m riskscore._codes` runs it as __main__

    return docs_anchor(code)


class RiskscoreError(Exception):
    """Root of every error riskscore raises on bad input."""


@dataclass(frozen=True)
class Issue:
    """One problem in a rule, list or policy file."""

    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    key_path: str = ""
    code: str = "invalid"
    suggestion: str | None = None

    def __str__(self) -> str:
        where = self.file or "<input>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: {self.code}"
        if self.key_path:
            text += f" at '{self.key_path}'"
        text += f": {self.message}"
        if self.suggestion:
            text += f" (did you mean {self.suggestion!r}?)"
        return text

    @property
    def docs(self) -> str:
        """The page of this issue's code: ``docs/codes/<code>.md`` in the repository."""
        return code_docs(self.code)


class PolicyError(RiskscoreError, ValueError):
    """A rule, list or policy file is invalid.

    ``issues`` lists every problem found (not only the first); ``file``, ``line``,
    ``column`` and ``key_path`` describe the first of them.
    """

    def __init__(self, issues: list[Issue] | Issue | str) -> None:
        if isinstance(issues, str):
            issues = [Issue(issues)]
        elif isinstance(issues, Issue):
            issues = [issues]
        self.issues: list[Issue] = list(issues)
        first = self.issues[0]
        self.file = first.file
        self.line = first.line
        self.column = first.column
        self.key_path = first.key_path
        self.suggestion = first.suggestion
        super().__init__("\n".join(str(i) for i in self.issues))


@dataclass(frozen=True)
class FieldIssue:
    """One problem in a counterparty, located by its field path (``owners[1].share``), with a ``code``."""

    path: str
    message: str
    value: object = field(default=None, compare=False)
    code: str = field(default="invalid", compare=False)

    def __str__(self) -> str:
        return f"{self.path or '<counterparty>'}: {self.message}"

    @property
    def docs(self) -> str:
        """The page of this issue's code: ``docs/codes/<code>.md`` in the repository."""
        return code_docs(self.code)


class CounterpartyError(RiskscoreError, ValueError):
    """A counterparty is invalid. ``issues`` holds every problem with its field path."""

    def __init__(self, issues: list[FieldIssue], *, index: int | None = None) -> None:
        self.issues = list(issues)
        self.index = index
        self.path = self.issues[0].path if self.issues else ""
        prefix = f"counterparty #{index}: " if index is not None else ""
        super().__init__(prefix + "; ".join(str(i) for i in self.issues))


class ResultError(RiskscoreError, ValueError):
    """A stored result (given to :meth:`~riskscore.Policy.verify`) is not a valid result.

    ``issues`` holds every problem with its field path and the code ``bad-result``."""

    def __init__(self, issues: list[FieldIssue]) -> None:
        self.issues = list(issues)
        super().__init__("stored result: " + "; ".join(str(i) for i in self.issues))


class CountryError(RiskscoreError, LookupError):
    """A country or subdivision value is not recognised; never silently defaulted.

    ``code`` is ``unknown-country``, or ``ambiguous-country`` for a name that means more
    than one country (``"Congo"``); ``candidates`` then holds every code it may mean
    (``("CG", "CD")``) and ``suggestion`` names them all.
    """

    def __init__(
        self, value: object, suggestion: str | None = None, path: str = "", candidates: tuple[str, ...] = ()
    ) -> None:
        self.value = value
        self.suggestion = suggestion
        self.path = path
        self.candidates = candidates
        self.code = "ambiguous-country" if candidates else "unknown-country"
        if candidates:
            msg = f"ambiguous country {value!r}: it may mean {suggestion}; give the code"
        else:
            msg = f"unknown country or subdivision {value!r}"
            if suggestion:
                msg += f" (did you mean {suggestion!r}?)"
        if path:
            msg = f"{path}: {msg}"
        super().__init__(msg)

    @property
    def docs(self) -> str:
        """The page of this error's code: ``docs/codes/<code>.md`` in the repository."""
        return code_docs(self.code)

    def __str__(self) -> str:  # LookupError would repr() the message otherwise
        return str(self.args[0])


class AsOfError(RiskscoreError, ValueError):
    """An as-of date is not a ``date`` or a ``YYYY-MM-DD`` string, or names no real day.

    ``code`` is ``bad-date`` (not a date, or not written ``YYYY-MM-DD``) or ``no-such-date``
    (``2027-02-30``).
    """

    def __init__(self, message: str, code: str = "bad-date") -> None:
        super().__init__(message)
        self.code = code

    @property
    def docs(self) -> str:
        """The page of this error's code: ``docs/codes/<code>.md`` in the repository."""
        return code_docs(self.code)


class NetworkError(RiskscoreError, ValueError):
    """A network input (a node or edge table, an FtM, BODS or GLEIF record) is invalid; the
    message names the table, row and column, or the record."""
