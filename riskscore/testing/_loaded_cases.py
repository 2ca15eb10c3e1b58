"""Loaded policy test cases: runnable (:class:`LoadedCase`) or broken (:class:`BrokenCase`),
in their :class:`LoadedFile`, each knowing its file:line.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from .._yaml import LocatedData, PathKey
from ..counterparty import Counterparty
from ..errors import Issue
from ._case_models import CASE_ID, Case, CaseFile

__all__ = ["BrokenCase", "LoadedCase", "LoadedFile", "located_issue"]


class LoadedCase:
    """A case ready to run: its counterparty resolved, its date and its location."""

    __slots__ = ("case", "counterparty", "file", "index", "line", "located")

    def __init__(
        self, case: Case, counterparty: Counterparty, file: LoadedFile, index: int, located: LocatedData
    ) -> None:
        self.case, self.counterparty, self.file, self.index, self.located = case, counterparty, file, index, located
        where = located.locate(("cases", index))
        self.line = where[0] if where else 1

    @property
    def id(self) -> str:
        """The case id."""
        return self.case.id

    @property
    def as_of(self) -> date:
        """The case's date, else the file's, else today."""
        return self.case.as_of or self.file.model.as_of or date.today()

    def where(self, *path: str | int) -> str:
        """``file:line`` of a key inside this case (or of the case)."""
        loc = self.located.locate(("cases", self.index, *path))
        return f"{self.located.file}:{loc[0] if loc else self.line}"

    def issue(self, path: PathKey, message: str, code: str, suggestion: str | None = None) -> Issue:
        """An issue located at ``path`` inside this case."""
        return located_issue(self.located, ("cases", self.index, *path), message, code, suggestion)


def located_issue(located: LocatedData, path: PathKey, message: str, code: str, suggestion: str | None = None) -> Issue:
    """An issue at ``path`` of a loaded test file, with its file:line:column."""
    return located.issue(path, message, code, suggestion)


class BrokenCase:
    """A case that cannot run: its entry is invalid, its fixture unknown or its patch refused.

    It is reported as an error of that case (``issues`` carry the codes, such as
    ``unknown-fixture``, and file:line), while the file's other cases still run.
    """

    __slots__ = ("file", "id", "index", "issues", "line", "located")

    def __init__(self, raw: Any, file: LoadedFile, index: int, located: LocatedData, issues: list[Issue]) -> None:
        self.file, self.index, self.located, self.issues = file, index, located, issues
        raw_id = raw.get("id") if isinstance(raw, dict) else None
        self.id = raw_id if isinstance(raw_id, str) and re.match(CASE_ID, raw_id) else f"cases[{index}]"
        where = located.locate(("cases", index))
        self.line = where[0] if where else 1


class LoadedFile:
    """A loaded test file: the model, its cases (runnable and broken) and the policy path it names."""

    __slots__ = ("broken", "cases", "located", "model", "path")

    def __init__(self, path: Path, located: LocatedData, model: CaseFile) -> None:
        self.path, self.located, self.model = path, located, model
        self.cases: list[LoadedCase] = []
        self.broken: list[BrokenCase] = []

    def in_order(self) -> list[LoadedCase | BrokenCase]:
        """Every case, runnable or broken, in file order."""
        every: list[LoadedCase | BrokenCase] = [*self.cases, *self.broken]
        return sorted(every, key=lambda c: c.index)

    @property
    def policy_path(self) -> Path | None:
        """The policy the file names, resolved against the file's folder (None: bundled)."""
        return None if self.model.policy is None else (self.path.parent / self.model.policy).resolve()
