"""Scoring results: the score, the tier, and the trail from every point to its source."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["AppliedOverride", "Contribution", "Result", "SourceRef"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceRef(_Model):
    """A citation: the list entry (or policy citation) behind a contribution."""

    title: str = Field(description="Title of the source document.")
    url: str | None = None
    list_id: str | None = Field(default=None, description="The list the entry is on.")
    authority: str | None = None
    code: str | None = Field(default=None, description="The listed country, subdivision or HS code.")
    category: str | None = None
    listed_on: date | None = Field(default=None, description="Start of the listing period in force.")
    confidence: str = "confirmed"


class Contribution(_Model):
    """Points one rule added to the score: ``weighted = weight * points`` (rounded)."""

    rule_id: str
    factor: str
    points: float = Field(description="The rule's points within its factor, 0..100.")
    weight: float = Field(description="The factor's weight.")
    weighted: float = Field(description="Points counted in the score (0 if superseded within the factor).")
    reason: str
    facts: list[str] = Field(default_factory=list, description="The facts that fired the rule.")
    sources: list[SourceRef] = Field(default_factory=list)


class AppliedOverride(_Model):
    """An override that fired, and what it did to the score and tier."""

    override_id: str
    action: str
    rationale: str
    score_before: float
    score_after: float
    tier_before: str
    tier_after: str
    facts: list[str] = Field(default_factory=list)
    sources: list[SourceRef] = Field(default_factory=list)


class Result(_Model):
    """The outcome of scoring one counterparty under one policy at one date."""

    counterparty_id: str
    score: float = Field(description="Final score, 0..100, after overrides.")
    tier: str
    score_before_overrides: float = Field(description="Sum of the contributions' weighted points.")
    tier_before_overrides: str
    factors: dict[str, float] = Field(description="Each factor's value, 0..100.")
    contributions: list[Contribution]
    overrides: list[AppliedOverride]
    warnings: list[str] = Field(default_factory=list, description="Stale lists, unknown statuses...")
    as_of: date
    policy_id: str
    policy_version: str
    fingerprint: str = Field(description="sha256 of the canonical policy and lists.")
    authorities: list[str] = Field(description="Authorities whose lists the policy applied.")
    engine_version: str = Field(description="The riskscore version that computed the result.")
    data_versions: dict[str, str] = Field(
        default_factory=dict, description='Versions of the data packages scoring read, e.g. {"pycountry": "26.2.16"}.'
    )

    def explain(self, *, markdown: bool = False) -> str:
        """A readable account of the score, citing the source behind every point."""
        from .explain import explain

        return explain(self, markdown=markdown)
