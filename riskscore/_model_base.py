"""The base model and the field types shared by the policy file format's models.

Every model of the format forbids unknown keys and is frozen; ``Id`` and ``Points`` are
the constrained field types the rules, factors, overrides and tiers share.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Citation", "Id", "Points"]

_ID = r"^[a-z][a-z0-9_]*$"
Id = Annotated[str, Field(pattern=_ID, max_length=80)]
Points = Annotated[float, Field(ge=0.0, le=100.0, allow_inf_nan=False)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Citation(_Model):
    """A policy-level source (a regulation, a guideline) cited by a rule or override."""

    title: str = Field(min_length=1, description="The document cited (a regulation, a guideline).")
    url: str | None = Field(default=None, description="Where the document can be read.")
