"""The counterparty model: what an onboarding system knows about a business partner.

Countries are normalised on the way in (see :mod:`riskscore.countries`); an unknown
country is refused, never scored as low risk. Shares are fractions in 0..1, finite, and
each list's shares sum to at most 1 (with a tolerance of 1e-9 for binary float noise).
A list field left out (``None``) means "not known", which the policy scores as missing
data; an empty list means "known to be none".
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from .countries import normalize_country
from .errors import CounterpartyError, CountryError, FieldIssue

__all__ = ["Counterparty", "Owner", "TradePartner", "parse_counterparty"]

SHARE_TOLERANCE = 1e-9
MAX_ITEMS = 1000
_HS = re.compile(r"^[0-9]{2}(?:[0-9]{2}){0,4}$")


def _hs(code: Any) -> str:
    text = code.replace(".", "").replace(" ", "") if isinstance(code, str) else code
    if not isinstance(text, str) or not _HS.match(text):
        raise _fail("hs_code", f"malformed HS code {code!r}: 2 to 10 digits, even length")
    return text


Share = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False, description="Fraction in 0..1.")]


def _fail(code: str, detail: str) -> PydanticCustomError:
    return PydanticCustomError(code, "{detail}", {"detail": detail})


def _country(value: Any) -> str:
    try:
        return normalize_country(value)
    except CountryError as exc:
        hint = f"; did you mean {exc.suggestion}?" if exc.suggestion else ""
        raise _fail("unknown_country", f"unknown country {value!r}{hint}") from None


CountryCode = Annotated[str, BeforeValidator(lambda v: _country(v))]
HSCode = Annotated[str, BeforeValidator(lambda v: _hs(v))]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Owner(_Model):
    """A direct or beneficial owner: where it is, and what share it holds."""

    country: CountryCode = Field(description="Owner's country or subdivision.")
    share: Share
    name: str | None = Field(default=None, max_length=500)


class TradePartner(_Model):
    """A trading partner country and its share of the counterparty's trade."""

    country: CountryCode = Field(description="Partner country or subdivision.")
    share: Share


def _check_shares(items: list[Owner] | list[TradePartner] | None, what: str) -> None:
    if items:
        total = math.fsum(i.share for i in items)
        if total > 1.0 + SHARE_TOLERANCE:
            raise _fail("share_sum", f"{what} shares sum to {total:.10g}, more than 1")


class Counterparty(_Model):
    """A counterparty to score. Unknown fields are refused; countries are normalised."""

    id: str = Field(min_length=1, max_length=200, description="Caller's identifier.")
    name: str | None = Field(default=None, max_length=500)
    incorporation: CountryCode | None = Field(default=None, description="Country of incorporation.")
    operations: list[CountryCode] | None = Field(default=None, max_length=MAX_ITEMS, description="Operating countries.")
    owners: list[Owner] | None = Field(default=None, max_length=MAX_ITEMS)
    trade_partners: list[TradePartner] | None = Field(default=None, max_length=MAX_ITEMS)
    products: list[HSCode] | None = Field(
        default=None,
        max_length=MAX_ITEMS,
        description="HS codes: 2, 4 or 6 digits (8/10-digit national lines match on their prefix).",
    )
    pep: bool = Field(default=False, description="A politically exposed person is involved.")
    sanctions_hit: bool = Field(default=False, description="Sanctions screening returned an unresolved hit.")
    attributes: dict[str, str | int | float | bool | None] = Field(
        default_factory=dict, description="Custom facts for custom rules."
    )

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) and not isinstance(v, bool) else v

    @field_validator("owners", "trade_partners", mode="after")
    @classmethod
    def _shares(cls, v: list[Any] | None) -> list[Any] | None:
        _check_shares(v, "the")
        return v

    @model_validator(mode="after")
    def _finite(self) -> Counterparty:
        for key, value in self.attributes.items():
            if isinstance(value, float) and not math.isfinite(value):
                raise _fail("finite", f"attribute {key!r} is not finite")
        return self


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse_counterparty(data: Counterparty | Mapping[str, Any], index: int | None = None) -> Counterparty:
    """Validate a mapping into a :class:`Counterparty`, raising :class:`CounterpartyError`."""
    if isinstance(data, Counterparty):
        return data
    if not isinstance(data, Mapping):
        raise CounterpartyError([FieldIssue("", f"expected a mapping, got {type(data).__name__}")], index=index)
    try:
        return Counterparty.model_validate(data)
    except ValidationError as exc:
        issues = []
        for err in exc.errors(include_url=False):
            loc = tuple(p for p in err["loc"] if p not in ("function-after",))
            msg = err["msg"]
            if err["type"] == "missing":
                msg = "field required"
            elif err["type"] == "extra_forbidden":
                msg = "unknown field"
            issues.append(FieldIssue(_path(loc), msg, err.get("input")))
        raise CounterpartyError(issues, index=index) from None
