"""The policy file format (pydantic models). See docs/policy-format.md for every key.

A policy says which lists give a country how many risk points, which factors make up the
score and with what weights, the rules inside each factor, the overrides applied after
weighting, and the tiers. These models are the single definition of the format: the
loader validates against them and ``riskscore schema policy`` exports them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ._attribute_models import MAX_ENUM_VALUES as MAX_ENUM_VALUES
from ._attribute_models import MAX_EXACT_INT as MAX_EXACT_INT
from ._attribute_models import MAX_PATTERN as MAX_PATTERN
from ._attribute_models import MAX_PATTERN_TEXT as MAX_PATTERN_TEXT
from ._attribute_models import MAX_VARIABLE_REPEATS as MAX_VARIABLE_REPEATS
from ._attribute_models import AttributeName as AttributeName
from ._attribute_models import AttributeSpec
from ._attribute_models import AttributeType as AttributeType
from ._attribute_models import EnumValue as EnumValue
from ._attribute_models import compile_pattern as compile_pattern
from ._model_base import Citation, _Model
from ._model_base import Id as Id
from ._model_base import Points as Points
from ._network.spec import NetworkFact
from ._rule_models import PLACEHOLDER as PLACEHOLDER
from ._rule_models import RULE_PLACEHOLDERS as RULE_PLACEHOLDERS
from ._rule_models import (
    ConditionRule,
    CountryRiskRule,
    ExposureRule,
    Factor,
    OwnershipRule,
    Rule,
)
from .conditions import Condition

__all__ = [
    "AttributeSpec",
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
    lists: list[ListPoints] = Field(min_length=1, description="Which lists count, and for how many points.")


class Override(_Model):
    """Applied after weighting: prohibit, floor (at a tier or score), cap, or add points."""

    id: Id = Field(description="Unique among overrides.")
    when: Condition = Field(description="The condition; the override applies when it holds.")
    action: Literal["prohibit", "floor", "cap", "add"] = Field(
        description="prohibit: score 100 and the highest tier; floor: at least a tier's minimum or a score; "
        "cap: at most a score; add: points. Applied by action: add, then cap, then floor, then prohibit."
    )
    tier: str | None = Field(default=None, description="floor: raise to this tier's minimum score.")
    score: Points | None = Field(default=None, description="floor/cap: the score bound.")
    points: float | None = Field(default=None, ge=-100, le=100, allow_inf_nan=False, description="add: points.")
    rationale: str = Field(min_length=1, description="Why the override exists (required).")
    sources: list[Citation] = Field(default_factory=list, description="Policy-level citations.")

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

    id: Id = Field(description="Unique among tiers.")
    min: Points = Field(description="The tier covers scores from min (inclusive) up to the next tier's min.")
    description: str | None = Field(
        default=None, description="What the tier means, e.g. the due diligence it calls for."
    )


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
    suppress: list[LintSuppression] = Field(default_factory=list, description="Findings accepted, each with a reason.")


class PolicyModel(_Model):
    """A policy file."""

    id: str = Field(
        pattern=r"^[a-z][a-z0-9_-]*$", max_length=80, description="The policy's identifier (copied into every result)."
    )
    version: str = Field(min_length=1, max_length=40, description="The policy's version (copied into every result).")
    title: str = Field(description="A readable name.")
    description: str | None = Field(default=None, description="What the policy is for.")
    lists: list[str] = Field(min_length=1, description="List files or folders, relative to the policy file.")
    authorities: Literal["all"] | list[str] = Field(
        default="all", description="Authorities whose lists apply: 'all' or e.g. [EU, FATF]."
    )
    attributes: dict[AttributeName, AttributeSpec] | None = Field(
        default=None,
        max_length=100,
        description="The custom attributes the policy reads, by name. When given, every attribute a condition "
        "reads must be declared here; unset: attributes are untyped (a lint warning).",
    )
    network: dict[AttributeName, NetworkFact] | None = Field(
        default=None,
        max_length=50,
        description="Facts derived from a portfolio network (ownership statuses, exposures), by name; each is "
        "declared as the attribute of the same name that conditions read (see docs/networks.md).",
    )
    country_risk: CountryRiskConfig = Field(description="How a country's risk points are found from the lists.")
    factors: list[Factor] = Field(min_length=1, description="The weighted factors of the score.")
    overrides: list[Override] = Field(default_factory=list, description="Applied after weighting, in order.")
    tiers: list[Tier] = Field(min_length=1, description="The tiers, by increasing min; the first starts at 0.")
    lint: LintConfig = Field(
        default_factory=LintConfig,
        exclude=True,  # lint settings do not change a score, so they stay out of the fingerprint
        description="Lint settings and suppressions (see docs/policy-as-code.md).",
    )

    def conditions(self) -> list[tuple[tuple[str | int, ...], str, Condition]]:
        """Every condition tree of the policy in file order: its key path, the id of its rule
        or override, and the tree (rules first, then overrides)."""
        out: list[tuple[tuple[str | int, ...], str, Condition]] = []
        for fi, factor in enumerate(self.factors):
            for ri, rule in enumerate(factor.rules):
                if rule.condition is not None:
                    out.append((("factors", fi, "rules", ri, "when"), rule.id, rule.condition))
        out += [(("overrides", oi, "when"), ov.id, ov.when) for oi, ov in enumerate(self.overrides)]
        return out
