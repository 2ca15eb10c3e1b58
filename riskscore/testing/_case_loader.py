"""Loading a policy test file: validation with did-you-mean suggestions, fixtures, and each
case's counterparty resolved (or the reasons it cannot be, making it a broken case).
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from .._yaml import LocatedData, PathKey, format_path, load_file
from ..counterparty import Counterparty, Owner, TradePartner, parse_counterparty
from ..errors import CounterpartyError, Issue, PolicyError
from ..policy import validate_located
from ._case_models import Case, CaseFile, Expect, ScoreApprox, ScoreRange
from ._loaded_cases import BrokenCase, LoadedCase, LoadedFile, located_issue

M = TypeVar("M", bound=BaseModel)

__all__ = ["load_case_file"]


def _validate(model: type[M], located: LocatedData) -> M:
    try:
        return validate_located(model, located)
    except PolicyError as exc:
        raise PolicyError([_with_suggestion(i, located.data) for i in exc.issues]) from None


def _load_model(path: Path) -> tuple[LocatedData, CaseFile]:
    located = load_file(path)
    return located, _validate(CaseFile, located)


def _subtree(located: LocatedData, prefix: PathKey) -> LocatedData:
    """The data at ``prefix`` as a file of its own (same file name, same line numbers)."""
    data: Any = located.data
    for part in prefix:
        data = data[part]
    n = len(prefix)
    locations = {p[n:]: loc for p, loc in located.locations.items() if p[:n] == prefix}
    return LocatedData(data, locations, located.file)


def _under(prefix: PathKey, issue: Issue) -> Issue:
    """``issue`` (key path relative to ``prefix``) with its full key path."""
    head, tail = format_path(prefix), issue.key_path
    return dataclasses.replace(issue, key_path=head + ("." + tail if tail and not tail.startswith("[") else tail))


_VOCABULARY = [
    frozenset(f.alias or n for n, f in m.model_fields.items())
    for m in (CaseFile, Case, Expect, ScoreApprox, ScoreRange, Counterparty, Owner, TradePartner)
]
_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _with_suggestion(issue: Issue, data: Any) -> Issue:
    """Add a did-you-mean to an unknown key, from the model whose keys best match its siblings."""
    if issue.code != "extra_forbidden" or issue.suggestion or not issue.key_path:
        return issue
    parts: list[str | int] = [int(i) if i else k for k, i in _PATH_PART.findall(issue.key_path)]
    parent = data
    for part in parts[:-1]:
        try:
            parent = parent[part]
        except (KeyError, IndexError, TypeError):
            return issue
    key = str(parts[-1])
    siblings = set(parent) - {key} if isinstance(parent, dict) else set()
    best = max(len(keys & siblings) for keys in _VOCABULARY)
    words = sorted(set().union(*(k for k in _VOCABULARY if len(k & siblings) == best)) - siblings)
    close = difflib.get_close_matches(key, words, n=1, cutoff=0.6)
    return dataclasses.replace(issue, suggestion=close[0]) if close else issue


def load_case_file(path: Path) -> LoadedFile:
    """Load a test file and its fixtures.

    Problems of the file as a whole (YAML, top-level keys, fixture files, duplicate case
    ids) raise :class:`PolicyError` listing every one (file:line). A problem inside one
    case (an invalid entry, an unknown fixture, a refused patch) makes that case a
    :class:`BrokenCase` in ``broken``; the other cases load and run.
    """
    located = load_file(path)
    data = located.data
    raw_cases: list[Any] = []
    if isinstance(data, dict) and isinstance(data.get("cases"), list):
        raw_cases = data["cases"]
        head = LocatedData({k: v for k, v in data.items() if k != "cases"}, located.locations, located.file)
        model = _validate(CaseFile, head)
    else:
        model = _validate(CaseFile, located)
    loaded = LoadedFile(path, located, model)
    fixtures: dict[str, Counterparty] = {}
    issues: list[Issue] = []
    for i, rel in enumerate(model.fixtures):
        target = (path.parent / rel).resolve()
        if not target.is_file():
            issues.append(located_issue(located, ("fixtures", i), f"no fixture file at {rel!r}", "no-fixtures"))
            continue
        try:
            fixtures.update(_load_model(target)[1].counterparties)
        except PolicyError as exc:
            issues.extend(exc.issues)
    fixtures.update(model.counterparties)
    seen: set[str] = set()
    cases: list[Case] = []
    for index, raw in enumerate(raw_cases):
        at: PathKey = ("cases", index)
        try:
            case = _validate(Case, _subtree(located, at))
        except PolicyError as exc:
            loaded.broken.append(BrokenCase(raw, loaded, index, located, [_under(at, i) for i in exc.issues]))
            continue
        cases.append(case)
        if case.id in seen:
            issues.append(located_issue(located, (*at, "id"), f"duplicate case id {case.id!r}", "duplicate-id"))
        seen.add(case.id)
        problems = _case_problems(case, fixtures, located, at)
        if isinstance(problems, list):
            loaded.broken.append(BrokenCase(raw, loaded, index, located, problems))
        else:
            loaded.cases.append(LoadedCase(case, problems, loaded, index, located))
    if issues:
        raise PolicyError(issues)
    loaded.model = model.model_copy(update={"cases": cases})
    return loaded


def _case_problems(
    case: Case, fixtures: dict[str, Counterparty], located: LocatedData, at: PathKey
) -> Counterparty | list[Issue]:
    """The case's counterparty (its fixture resolved, its patch applied), or why it has none."""
    cp = case.counterparty
    if isinstance(cp, str):
        found = fixtures.get(cp)
        if found is None:
            close = difflib.get_close_matches(cp, list(fixtures), n=1, cutoff=0.6)
            return [
                located_issue(located, (*at, "counterparty"), f"unknown fixture {cp!r}", "unknown-fixture", *close[:1])
            ]
        cp = found
    if not case.patch:
        return cp
    try:
        return parse_counterparty({**cp.model_dump(exclude_none=True), **case.patch})
    except CounterpartyError as exc:
        return [located_issue(located, (*at, "patch"), f"{fi.path}: {fi.message}", "bad-patch") for fi in exc.issues]
