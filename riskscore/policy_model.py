"""The policy file format (pydantic models). See docs/policy-format.md for every key.

A policy says which lists give a country how many risk points, which factors make up the
score and with what weights, the rules inside each factor, the overrides applied after
weighting, and the tiers. These models are the single definition of the format: the
loader validates against them and ``riskscore schema policy`` exports them.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .conditions import Condition

__all__ = [
    "Citation",
    "ConditionRule",
    "CountryRiskConfig",
    "CountryRiskRule",
    "ExposureRule",
    "Factor",
    "LintConfig",
    "LintSuppression",
    "ListPoints",
    "OwnershipRule",
    "Override",
    "PolicyModel",
    "Rule",
    "Tier",
]

_ID = r"^[a-z][a-z0-9_]*$"
Id = Annotated[str, Field(pattern=_ID, max_length=80)]
Points = Annotated[float, Field(ge=0.0, le=100.0, allow_inf_nan=False)]
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Citation(_Model):
    """A policy-level source (a regulation, a guideline) cited by a rule or override."""

    title: str = Field(min_length=1)
    url: str | None = None


class ListPoints(_Model):
    """How many country-risk points being on a list gives."""

    list: str = Field(description="Id of a list file.")
    points: Points = Field(description="Points for a listed country.")
    category_points: dict[str, Points] = Field(
        default_factory=dict, description="Points for periods of a given category, instead of `points`."
    )
    points_per_unit: float | None = Field(
        default=None, gt=0, allow_inf_nan=False, description="For value lists: points = value x this (capped at 100)."
    )
    unknown_points: Points | None = Field(
        default=None,
        description="Points when the list's status is UNKNOWN for the country on the date. "
        "Unset: the unknown status adds a warning to the result instead.",
    )


class CountryRiskConfig(_Model):
    """Country risk: the combination of the points of the lists a country is on."""

    baseline: Points = Field(description="Points for a recognised country on no list.")
    combine: Literal["max"] = Field(default="max", description="How points of several lists combine.")
    lists: list[ListPoints] = Field(min_length=1)


class _RuleBase(_Model):
    id: Id
    description: str | None = None
    reason: str = Field(min_length=1, description="Reason template; {placeholders} depend on the kind.")
    sources: list[Citation] = Field(default_factory=list, description="Policy-level citations.")


class CountryRiskRule(_RuleBase):
    """Points = country risk of ``field`` (the maximum over a list field).

    Placeholders: {country}, {country_name}, {points}, {lists}.
    """

    kind: Literal["country_risk"]
    field: Literal["incorporation", "operations"]
    missing_points: Points | None = Field(
        default=None, description="Points when the field is not provided; unset: the field is required."
    )
    empty_points: Points = Field(default=0.0, description="Points for an empty list field.")


class OwnershipRule(_RuleBase):
    """Points = max over owners of risk(country) x min(1, share / saturation).

    Placeholders: {country}, {country_name}, {share}, {risk}, {points}, {lists}, {owner}.
    """

    kind: Literal["ownership"]
    saturation: float = Field(default=0.25, gt=0.0, le=1.0, description="Share from which an owner counts fully.")
    missing_points: Points | None = None
    empty_points: Points | None = Field(
        default=None, description="Points when owners is an empty list; unset: as missing."
    )


class ExposureRule(_RuleBase):
    """Points = min(100, sum of share x risk(country)) over ``field``, summed left to right.

    Placeholders: {exposure}, {points}, {partners}.
    """

    kind: Literal["exposure"]
    field: Literal["trade_partners", "owners"] = "trade_partners"
    missing_points: Points | None = None


class ConditionRule(_RuleBase):
    """Points when the condition ``when`` holds.

    Placeholders: {points}, {facts}.
    """

    kind: Literal["condition"]
    when: Condition
    points: Points


Rule = Annotated[CountryRiskRule | OwnershipRule | ExposureRule | ConditionRule, Field(discriminator="kind")]

RULE_PLACEHOLDERS: dict[str, set[str]] = {
    "country_risk": {"country", "country_name", "points", "lists"},
    "ownership": {"country", "country_name", "share", "risk", "points", "lists", "owner"},
    "exposure": {"exposure", "points", "partners"},
    "condition": {"points", "facts"},
}


class Factor(_Model):
    """A factor: a 0..100 value from its rules, weighted into the score."""

    id: Id
    title: str | None = None
    weight: float = Field(ge=0.0, le=1.0, allow_inf_nan=False)
    combine: Literal["max", "sum"] = Field(
        default="max", description="max: the highest rule counts; sum: rules add up, capped at 100."
    )
    rules: list[Rule] = Field(min_length=1)


class Override(_Model):
    """Applied after weighting: prohibit, floor (at a tier or score), cap, or add points."""

    id: Id
    when: Condition
    action: Literal["prohibit", "floor", "cap", "add"]
    tier: str | None = Field(default=None, description="floor: raise to this tier's minimum score.")
    score: Points | None = Field(default=None, description="floor/cap: the score bound.")
    points: float | None = Field(default=None, ge=-100, le=100, allow_inf_nan=False, description="add: points.")
    rationale: str = Field(min_length=1, description="Why the override exists (required).")
    sources: list[Citation] = Field(default_factory=list)

    @model_validator(mode="after")
    def _args(self) -> Override:
        given = {k for k in ("tier", "score", "points") if getattr(self, k) is not None}
        allowed = {"prohibit": set(), "floor": {"tier", "score"}, "cap": {"score"}, "add": {"points"}}[self.action]
        if given - allowed:
            raise ValueError(f"{self.action} does not take {', '.join(sorted(given - allowed))}")
        if self.action == "floor" and len(given) != 1:
            raise ValueError("floor takes exactly one of tier or score")
        if self.action == "cap" and not given:
            raise ValueError("cap takes a score")
        if self.action == "add" and not given:
            raise ValueError("add takes points")
        return self


class Tier(_Model):
    """A tier: scores from ``min`` (inclusive) up to the next tier's ``min``."""

    id: Id
    min: Points
    description: str | None = None


class LintSuppression(_Model):
    """Silence a lint finding of ``riskscore validate``, saying why (the reason is required)."""

    id: str = Field(description="The finding's id, e.g. eba-statutory-high.")
    subject: str = Field(
        default="*", description="Pattern (fnmatch) on the finding's subject, e.g. 'sanctions_*:owners'."
    )
    reason: str = Field(min_length=10, description="Why the finding is accepted; shown in every lint report.")


class LintConfig(_Model):
    """Settings of the policy lint (``riskscore validate``). Not part of the fingerprint."""

    max_factor_weight: float = Field(
        default=0.5, gt=0.0, le=1.0, description="No factor may weigh more than this (EBA lint: no dominant factor)."
    )
    high_tier: str | None = Field(
        default=None, description="The tier statutory high-risk situations must reach; default 'high', if defined."
    )
    statutory_lists: list[str] | None = Field(
        default=None,
        description="Lists whose links are statutory high-risk situations; default: fatf_call_for_action and "
        "the comprehensive-sanctions lists sanctions_us, sanctions_eu, sanctions_uk (those the policy applies).",
    )
    suppress: list[LintSuppression] = Field(default_factory=list)


class PolicyModel(_Model):
    """A policy file."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_-]*$", max_length=80)
    version: str = Field(min_length=1, max_length=40)
    title: str
    description: str | None = None
    lists: list[str] = Field(min_length=1, description="List files or folders, relative to the policy file.")
    authorities: Literal["all"] | list[str] = Field(
        default="all", description="Authorities whose lists apply: 'all' or e.g. [EU, FATF]."
    )
    country_risk: CountryRiskConfig
    factors: list[Factor] = Field(min_length=1)
    overrides: list[Override] = Field(default_factory=list)
    tiers: list[Tier] = Field(min_length=1)
    lint: LintConfig = Field(
        default_factory=LintConfig,
        exclude=True,  # lint settings do not change a score, so they stay out of the fingerprint
        description="Lint settings and suppressions (see docs/policy-as-code.md).",
    )
