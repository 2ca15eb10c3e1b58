"""The policy's ``network:`` section: named facts derived from a portfolio graph.

Each entry names one derived fact (``ofac_owned``, ``trade_exposure_russia``...), the method
that computes it and what seeds it. The loader declares every fact as a custom attribute of
the same name (an enum ``listed``/``caught``/``possible``/``clear`` for the ownership
methods, a number for the exposures), so condition rules and override conditions read it as
``{attribute: NAME}`` in both evaluators; :mod:`riskscore._netfacts` computes the values
when a :class:`~riskscore.Network` is passed to ``score`` or ``score_many``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

__all__ = ["CLOSURE_METHODS", "EXPOSURE_METHODS", "STATUSES", "NetworkFact", "NetworkSeeds"]

CLOSURE_METHODS = ("ofac_50_aggregate", "eu_owned_or_controlled", "uk_owned_or_controlled", "bis_affiliates")
EXPOSURE_METHODS = ("look_through", "hop_distance", "damped_sum")
STATUSES = ("listed", "caught", "possible", "clear")
FactMethod = Literal[
    "ofac_50_aggregate",
    "eu_owned_or_controlled",
    "uk_owned_or_controlled",
    "bis_affiliates",
    "look_through",
    "hop_distance",
    "damped_sum",
]
EdgeKind = Literal["ownership", "control", "directorship", "consolidation", "supplier", "customer", "payment", "family"]
Fraction = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
FlagName = Annotated[str, Field(min_length=1, max_length=100)]
ListId = Annotated[str, Field(min_length=1, max_length=100)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NetworkSeeds(_Model):
    """What starts a derivation: nodes carrying a flag, or nodes in a country on a list on the date."""

    flags: tuple[FlagName, ...] = Field(
        default=(), max_length=64, description="Node flags that make a node a seed (e.g. `sanction`, a screening hit)."
    )
    lists: tuple[ListId, ...] = Field(
        default=(),
        max_length=50,
        description="Applied list ids: a node whose country (or its parent country) is on one of them on the "
        "as-of date is a seed (see `unknown_status` for a status the list cannot answer).",
    )

    unknown_status: Literal["seed", "ignore"] = Field(
        default="seed",
        description="A country whose status a list cannot answer on the date (before its history, or not "
        "tracked by a partial list): `seed` (fail closed) or `ignore` (not a seed: the policy's explicit choice, as `unknown_points: 0` is for scoring).",
    )

    @model_validator(mode="after")
    def _some(self) -> NetworkSeeds:
        if not self.flags and not self.lists:
            raise PydanticCustomError("network-seeds", "give at least one of `flags` and `lists`")
        return self


class NetworkFact(_Model):
    """A fact derived from the network, read by conditions as the attribute of the same name."""

    method: FactMethod = Field(
        description="ofac_50_aggregate, eu_owned_or_controlled, uk_owned_or_controlled, bis_affiliates (a status: "
        "listed, caught, possible or clear), look_through (effective ownership by the seeds, 0..1; not a "
        "sanctions test), hop_distance (hops to the nearest seed; `hops` + 1 when none is within reach) or "
        "damped_sum (trade exposure to the seeds, sum over h of alpha^h W^h r)."
    )
    seeds: NetworkSeeds = Field(description="The risk seeds: flags on nodes and country lists.")
    threshold: Fraction = Field(default=0.5, description="Ownership methods: the share that catches (33 % exists).")
    unknown_share: Literal["flag", "ignore", "assume_hi"] = Field(
        default="flag",
        description="An edge with no stated share: `flag` (status `possible`; the exposure methods read the "
        "upper bound, an unknown share as 100 %), `assume_hi` (caught; upper bound) or `ignore` (lower bound, the "
        "proof counts what was ignored). Never silently zero.",
    )
    hops: int = Field(default=4, ge=1, le=10, description="Exposure methods: the most hops followed.")
    alpha: float = Field(default=0.5, gt=0.0, le=1.0, description="damped_sum: the damping per hop.")
    min_share: Fraction = Field(default=0.1, description="hop_distance: the least share an edge needs to be followed.")
    edges: tuple[EdgeKind, ...] | None = Field(
        default=None,
        min_length=1,
        description="Exposure methods: the edge kinds followed (default: ownership for look_through and "
        "hop_distance, supplier and customer for damped_sum).",
    )
    required: bool = Field(
        default=False,
        description="true: scoring without a network, or a counterparty whose id is not a node of it, is refused.",
    )
    missing_points: Annotated[float, Field(ge=0.0, le=100.0, allow_inf_nan=False)] | None = Field(
        default=None,
        description="Points a condition rule reading the fact scores (at least) when it is not assessed (no "
        "network given). Give this or `required: true`.",
    )
    description: str | None = Field(default=None, max_length=1000, description="What the fact means.")

    @model_validator(mode="after")
    def _consistent(self) -> NetworkFact:
        if self.required == (self.missing_points is not None):
            raise PydanticCustomError("network-fact", "give exactly one of `required: true` and `missing_points`")
        if self.method in CLOSURE_METHODS and self.edges is not None:
            raise PydanticCustomError("network-fact", "`edges` is for the exposure methods only")
        return self

    @property
    def is_status(self) -> bool:
        """Whether the fact is a status (enum) rather than a number."""
        return self.method in CLOSURE_METHODS

    @property
    def edge_kinds(self) -> tuple[str, ...]:
        """The edge kinds an exposure method follows."""
        if self.edges is not None:
            return tuple(self.edges)
        return ("supplier", "customer") if self.method == "damped_sum" else ("ownership",)
