"""The policy test file format (pydantic models) and its loader.

A policy test file is YAML named ``*.cases.yaml``. It names the policy it tests, may load
shared counterparties from fixture files, and lists cases: a counterparty, an optional
date, and what the policy must say about it::

    # yaml-language-server: $schema=../schema/tests.schema.json
    policy: ../default/policy.yaml        # relative to this file
    as_of: 2026-07-01                     # default date of every case
    fixtures: [fixtures.yaml]             # files with a `counterparties:` mapping
    cases:
      - id: turkish_exporter_is_high
        counterparty: tr_exporter         # a fixture name, or an inline mapping
        patch: {pep: true}                # optional: change fields of the counterparty
        expect:
          tier: high
          score: {min: 50, max: 75}
          fires: [chpl_tier_1_2_exposed]
          overrides: [chpl_to_russia_belarus_floor_high]
          explanation_contains: ["Common High Priority List"]

A rule *fires* when it has a contribution with ``weighted > 0``: it matched and its points
counted in the score. A rule that matched but was superseded by a higher rule of a ``max``
factor has a contribution with ``weighted == 0`` and does not fire. An override fires
when its condition held (it is listed in the result's overrides), whether or not it moved
the score.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from datetime import date
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from .._dates import FileDate
from .._yaml import LocatedData, PathKey, format_path, load_file
from ..counterparty import Counterparty, Owner, TradePartner, parse_counterparty
from ..errors import CounterpartyError, Issue, PolicyError
from ..policy import validate_located

M = TypeVar("M", bound=BaseModel)

__all__ = [
    "BrokenCase",
    "Case",
    "CaseFile",
    "Expect",
    "LoadedCase",
    "LoadedFile",
    "ScoreApprox",
    "ScoreExpectation",
    "ScoreRange",
    "load_case_file",
    "located_issue",
    "CASE_SUFFIX",
]

CASE_SUFFIX = ".cases.yaml"
"""File names ending with this are policy test files (the runner and pytest collect them)."""

_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScoreApprox(_Model):
    """The score is ``approx`` within ``tolerance`` (inclusive)."""

    approx: float = Field(allow_inf_nan=False, description="The expected score.")
    tolerance: float = Field(default=0.01, ge=0, allow_inf_nan=False, description="Allowed absolute difference.")

    def check(self, value: float) -> bool:
        """True when ``value`` is within the tolerance."""
        return abs(value - self.approx) <= self.tolerance + 1e-9

    def __str__(self) -> str:
        return f"{self.approx:g} ± {self.tolerance:g}"


class ScoreRange(_Model):
    """The score lies in ``[min, max]`` (either bound may be left out)."""

    min: float | None = Field(default=None, allow_inf_nan=False, description="The lowest score allowed.")
    max: float | None = Field(default=None, allow_inf_nan=False, description="The highest score allowed.")

    @model_validator(mode="after")
    def _bounds(self) -> ScoreRange:
        if self.min is None and self.max is None:
            raise ValueError("a range needs min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is greater than max")
        return self

    def check(self, value: float) -> bool:
        """True when ``value`` is inside the range."""
        return (self.min is None or value >= self.min - 1e-9) and (self.max is None or value <= self.max + 1e-9)

    def __str__(self) -> str:
        lo = "-inf" if self.min is None else f"{self.min:g}"
        hi = "+inf" if self.max is None else f"{self.max:g}"
        return f"in [{lo}, {hi}]"


ScoreExpectation = Annotated[
    float | ScoreApprox | ScoreRange,
    Field(description="A number (exact to 1e-9), {approx: x, tolerance: t} or {min: a, max: b}."),
]


def score_matches(expected: float | ScoreApprox | ScoreRange, value: float) -> bool:
    """Whether ``value`` meets a score expectation."""
    if isinstance(expected, (ScoreApprox, ScoreRange)):
        return expected.check(value)
    return abs(value - expected) <= 1e-9


def describe_score(expected: float | ScoreApprox | ScoreRange) -> str:
    """Readable form of a score expectation."""
    return str(expected) if isinstance(expected, (ScoreApprox, ScoreRange)) else f"{expected:g}"


class Expect(_Model):
    """What the policy must say about the case's counterparty. Give at least one."""

    tier: str | list[str] | None = Field(default=None, description="The final tier, or one of several.")
    score: ScoreExpectation | None = Field(default=None, description="The final score.")
    tier_before_overrides: str | None = Field(default=None, description="The tier before overrides.")
    score_before_overrides: ScoreExpectation | None = Field(
        default=None, description="The weighted score before overrides."
    )
    factors: dict[str, ScoreExpectation] = Field(default_factory=dict, description="Factor values, by factor id.")
    fires: list[str] = Field(default_factory=list, description="Rules that must fire (contribute weighted points > 0).")
    not_fires: list[str] = Field(default_factory=list, description="Rules that must not fire.")
    overrides: list[str] = Field(default_factory=list, description="Overrides that must apply (others may too).")
    not_overrides: list[str] = Field(default_factory=list, description="Overrides that must not apply.")
    only_overrides: list[str] | None = Field(
        default=None, description="Exactly these overrides apply ([] for none), in any order."
    )
    explanation_contains: list[str] = Field(
        default_factory=list, description="Texts the explanation of the result must contain."
    )

    @model_validator(mode="after")
    def _some(self) -> Expect:
        if not self.model_dump(exclude_defaults=True):
            raise ValueError("expect names nothing to check")
        return self


def _name_or_inline(value: Any) -> str:
    return "name" if isinstance(value, str) else "inline"


# A string is a fixture name, anything else an inline counterparty: validating only that
# branch reports an inline counterparty's own problem (a bad country at its field path)
# instead of a union error saying it is not a string.
_CounterpartyRef = Annotated[
    Annotated[str, Tag("name")] | Annotated[Counterparty, Tag("inline")], Discriminator(_name_or_inline)
]


class Case(_Model):
    """One test case: a counterparty, a date and the expectations."""

    id: str = Field(pattern=_ID, max_length=120, description="Unique within the file; pytest's test name.")
    description: str | None = Field(default=None, description="What the case checks.")
    counterparty: _CounterpartyRef = Field(
        description="A fixture name, or the counterparty inline (its id defaults to the case id)."
    )
    patch: dict[str, Any] = Field(
        default_factory=dict, description="Top-level fields replaced on the counterparty (e.g. {pep: true})."
    )
    as_of: FileDate | None = Field(default=None, description="Scoring date; default: the file's as_of.")
    expect: Expect = Field(description="What the policy must say about the counterparty.")

    @model_validator(mode="before")
    @classmethod
    def _default_id(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("counterparty"), dict) and "id" not in data["counterparty"]:
            data = {**data, "counterparty": {"id": str(data.get("id", "case")), **data["counterparty"]}}
        return data


class CaseFile(_Model):
    """A policy test file (``*.cases.yaml``), or a fixtures file (``counterparties:`` only)."""

    policy: str | None = Field(
        default=None,
        description="Policy file or folder, relative to this file; default: the bundled policy. "
        "`riskscore test --policy` replaces it.",
    )
    as_of: FileDate | None = Field(default=None, description="Default scoring date of the cases (default: today).")
    fixtures: list[str] = Field(default_factory=list, description="Fixture files, relative to this file.")
    counterparties: dict[str, Counterparty] = Field(
        default_factory=dict, description="Named counterparties cases may refer to (the id defaults to the name)."
    )
    cases: list[Case] = Field(default_factory=list, description="The test cases.")

    @model_validator(mode="before")
    @classmethod
    def _default_ids(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("counterparties"), dict):
            named = {
                k: ({"id": k, **v} if isinstance(v, dict) and "id" not in v else v)
                for k, v in data["counterparties"].items()
            }
            data = {**data, "counterparties": named}
        return data


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
        self.id = raw_id if isinstance(raw_id, str) and re.match(_ID, raw_id) else f"cases[{index}]"
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
