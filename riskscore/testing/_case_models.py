"""The models of the policy test file format (pydantic), and how a score expectation is checked.

:class:`CaseFile` is a ``*.cases.yaml`` file (or a fixtures file), :class:`Case` one of its
cases and :class:`Expect` what the case expects; the format is described in
:mod:`riskscore.testing.cases`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from .._dates import FileDate
from ..counterparty import Counterparty

__all__ = [
    "CASE_ID",
    "CASE_SUFFIX",
    "Case",
    "CaseFile",
    "Expect",
    "ScoreApprox",
    "ScoreExpectation",
    "ScoreRange",
    "describe_score",
    "score_matches",
]

CASE_SUFFIX = ".cases.yaml"
"""File names ending with this are policy test files (the runner and pytest collect them)."""

CASE_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
"""What a case id looks like (pytest's test name)."""


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

    id: str = Field(pattern=CASE_ID, max_length=120, description="Unique within the file; pytest's test name.")
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
