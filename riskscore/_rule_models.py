"""The rules of the policy file format (pydantic models) and the factors that hold them.

Four rule kinds (country risk, ownership, exposure, condition), the ``Rule`` union
discriminated by ``kind``, the placeholders each kind's ``reason`` template may use, and
the weighted :class:`Factor` whose value its rules give.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field

from ._model_base import Citation, Id, Points, _Model
from .conditions import Condition

__all__ = [
    "PLACEHOLDER",
    "RULE_PLACEHOLDERS",
    "ConditionRule",
    "CountryRiskRule",
    "ExposureRule",
    "Factor",
    "OwnershipRule",
    "Rule",
]

PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class _RuleBase(_Model):
    id: Id = Field(description="Unique across all rules of the policy.")
    description: str | None = Field(default=None, description="What the rule is for (not shown in results).")
    reason: str = Field(min_length=1, description="Reason template; {placeholders} depend on the kind.")
    sources: list[Citation] = Field(default_factory=list, description="Policy-level citations.")

    @property
    def condition(self) -> Condition | None:
        """The rule's condition tree (None: the kind has none)."""
        return None


class CountryRiskRule(_RuleBase):
    """Points = country risk of ``field`` (the maximum over a list field).

    Placeholders: {country}, {country_name}, {points}, {lists}.
    """

    kind: Literal["country_risk"] = Field(description="The rule kind.")
    field: Literal["incorporation", "operations"] = Field(
        description="The counterparty field whose country risk counts."
    )
    missing_points: Points | None = Field(
        default=None, description="Points when the field is not provided; unset: the field is required."
    )
    empty_points: Points = Field(default=0.0, description="Points for an empty list field.")


class OwnershipRule(_RuleBase):
    """Points = max over owners of risk(country) x min(1, share / saturation).

    Placeholders: {country}, {country_name}, {share}, {risk}, {points}, {lists}, {owner}.
    """

    kind: Literal["ownership"] = Field(description="The rule kind.")
    saturation: float = Field(default=0.25, gt=0.0, le=1.0, description="Share from which an owner counts fully.")
    missing_points: Points | None = Field(
        default=None, description="Points when owners is not provided; unset: the field is required."
    )
    empty_points: Points | None = Field(
        default=None, description="Points when owners is an empty list; unset: as missing."
    )


class ExposureRule(_RuleBase):
    """Points = min(100, sum of share x risk(country)) over ``field``, summed left to right.

    Placeholders: {exposure}, {points}, {partners}.
    """

    kind: Literal["exposure"] = Field(description="The rule kind.")
    field: Literal["trade_partners", "owners"] = Field(
        default="trade_partners", description="The list field whose shares weight the country risks."
    )
    missing_points: Points | None = Field(
        default=None, description="Points when the field is not provided; unset: the field is required."
    )


class ConditionRule(_RuleBase):
    """Points when the condition ``when`` holds.

    Placeholders: {points}, {facts}.
    """

    kind: Literal["condition"] = Field(description="The rule kind.")
    when: Condition = Field(description="The condition; the rule fires when it holds.")
    points: Points = Field(description="Points when the condition holds.")

    @property
    def condition(self) -> Condition | None:
        """The rule's condition tree: ``when``."""
        return self.when


Rule = Annotated[CountryRiskRule | OwnershipRule | ExposureRule | ConditionRule, Field(discriminator="kind")]

RULE_PLACEHOLDERS: dict[str, set[str]] = {
    "country_risk": {"country", "country_name", "points", "lists"},
    "ownership": {"country", "country_name", "share", "risk", "points", "lists", "owner"},
    "exposure": {"exposure", "points", "partners"},
    "condition": {"points", "facts"},
}


class Factor(_Model):
    """A factor: a 0..100 value from its rules, weighted into the score."""

    id: Id = Field(description="Unique among factors; conditions refer to it as {factor: id}.")
    title: str | None = Field(default=None, description="A readable name.")
    weight: float = Field(
        ge=0.0, le=1.0, allow_inf_nan=False, description="The factor's weight; the weights of all factors sum to 1."
    )
    combine: Literal["max", "sum"] = Field(
        default="max", description="max: the highest rule counts; sum: rules add up, capped at 100."
    )
    rules: list[Rule] = Field(min_length=1, description="The rules that give the factor its value.")
