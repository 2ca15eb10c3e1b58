"""The counterparty model: what an onboarding system knows about a business partner.

Countries are normalised on the way in (see :mod:`riskscore.countries`); an unknown
country is refused, never scored as low risk. Shares are fractions in 0..1, finite, and
each list's shares sum to at most 1 (with a tolerance of 1e-9 for binary float noise).
A list field left out (``None``) means "not known", which the policy scores as missing
data; an empty list means "known to be none".

Types are strict where a lax reading could lower a score: shares are numbers (not
``True`` or ``"0.5"``), flags are booleans (not ``"no"`` or ``0``). Sizes are bounded
(:data:`MAX_ITEMS` per list, :data:`MAX_ATTRIBUTES` attributes, string lengths) so a
hostile record is refused in time linear in its size, never scored.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from .countries import normalize_country
from .errors import CounterpartyError, CountryError, FieldIssue

__all__ = ["Counterparty", "Owner", "TradePartner", "parse_counterparty", "parse_counterparty_json"]

SHARE_TOLERANCE = 1e-9
MAX_ITEMS = 1000
"""Most items in each list field (operations, owners, trade_partners, products)."""
MAX_ATTRIBUTES = 100
"""Most custom attributes."""
MAX_ATTRIBUTE_KEY = 100
"""Longest attribute name."""
MAX_TEXT = 1000
"""Longest attribute string value."""
MAX_COUNTRY_TEXT = 100
"""Longest country value (the longest English official name has 56 characters)."""
MAX_COUNTRY_ERRORS = 20
"""Unknown countries reported per record; later country values are refused unchecked, since
each unknown one costs a fuzzy search for a suggestion."""
MAX_INT = 2**63 - 1
"""Largest integer magnitude accepted in attributes and ids."""
MAX_JSON_BYTES = 1024 * 1024
"""Largest JSON text accepted by :func:`parse_counterparty_json`."""
MAX_JSON_DEPTH = 16
"""Deepest JSON nesting accepted by :func:`parse_counterparty_json`."""
_HS = re.compile(r"^[0-9]{2}(?:[0-9]{2}){0,4}$")


def malformed_hs(code: Any) -> str:
    """The message for a value that is no HS code (its repr cut at 40 characters)."""
    shown = repr(code) if len(repr(code)) <= 40 else repr(code)[:37] + "..."
    return f"malformed HS code {shown}: 2 to 10 digits, even length"


def _hs(code: Any) -> str:
    text = code.replace(".", "").replace(" ", "") if isinstance(code, str) else code
    if not isinstance(text, str) or not _HS.match(text):
        raise _fail("hs_code", malformed_hs(code))
    return text


Share = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False, strict=True, description="Fraction in 0..1.")]


def _fail(code: str, detail: str) -> PydanticCustomError:
    return PydanticCustomError(code, "{detail}", {"detail": detail})


def _country(value: Any, info: ValidationInfo) -> str:
    failures = info.context.get("unknown_countries") if isinstance(info.context, dict) else None
    if failures is not None and failures[0] >= MAX_COUNTRY_ERRORS:
        raise _fail("unknown_country", f"not checked: more than {MAX_COUNTRY_ERRORS} unknown countries already")
    try:
        return _known_country(value)
    except PydanticCustomError:
        if failures is not None:
            failures[0] += 1
        raise


def _known_country(value: Any) -> str:
    if isinstance(value, str) and len(value) > MAX_COUNTRY_TEXT:
        raise _fail("unknown_country", f"unknown country ({len(value)} characters; at most {MAX_COUNTRY_TEXT})")
    if isinstance(value, int) and not isinstance(value, bool) and not 0 <= value <= 999:
        raise _fail("unknown_country", "unknown country: numeric codes are 0..999")
    try:
        return normalize_country(value)
    except CountryError as exc:
        if exc.candidates:
            raise _fail("ambiguous_country", str(exc)) from None
        hint = f"; did you mean {exc.suggestion}?" if exc.suggestion else ""
        raise _fail("unknown_country", f"unknown country {value!r}{hint}") from None


CountryCode = Annotated[str, BeforeValidator(_country)]
HSCode = Annotated[str, BeforeValidator(lambda v: _hs(v))]


def _attribute_count(value: Any) -> Any:
    if isinstance(value, Mapping) and len(value) > MAX_ATTRIBUTES:
        raise _fail("too_many", f"{len(value)} attributes; at most {MAX_ATTRIBUTES}")
    return value


def _attribute(value: Any) -> str | int | float | bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if abs(value) > MAX_INT:
            raise _fail("attribute", "integer out of range (magnitude at most 2**63-1)")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _fail("attribute", f"number {value!r} is not finite")
        return value
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise _fail("attribute", f"text of {len(value)} characters; at most {MAX_TEXT}")
        return value
    raise _fail("attribute", f"attribute values are text, numbers, booleans or null, not {type(value).__name__}")


AttributeName = Annotated[str, Field(min_length=1, max_length=MAX_ATTRIBUTE_KEY)]
AttributeValue = Annotated[str | int | float | bool | None, BeforeValidator(_attribute)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Owner(_Model):
    """A direct or beneficial owner: where it is, and what share it holds."""

    country: CountryCode = Field(description="Owner's country or subdivision.")
    share: Share
    name: str | None = Field(default=None, max_length=500, description="Owner's name, for explanations.")


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
    name: str | None = Field(default=None, max_length=500, description="The counterparty's name.")
    incorporation: CountryCode | None = Field(default=None, description="Country of incorporation.")
    operations: list[CountryCode] | None = Field(default=None, max_length=MAX_ITEMS, description="Operating countries.")
    owners: list[Owner] | None = Field(
        default=None, max_length=MAX_ITEMS, description="Direct or beneficial owners; null: not provided."
    )
    trade_partners: list[TradePartner] | None = Field(
        default=None, max_length=MAX_ITEMS, description="Trading partner countries and shares; null: not provided."
    )
    products: list[HSCode] | None = Field(
        default=None,
        max_length=MAX_ITEMS,
        description="HS codes: 2, 4 or 6 digits (8/10-digit national lines match on their prefix).",
    )
    pep: StrictBool = Field(default=False, description="A politically exposed person is involved.")
    sanctions_hit: StrictBool = Field(default=False, description="Sanctions screening returned an unresolved hit.")
    attributes: Annotated[dict[AttributeName, AttributeValue], BeforeValidator(_attribute_count)] = Field(
        default_factory=dict, description="Custom facts for custom rules: text, numbers, booleans or null."
    )

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, v: Any) -> Any:
        if isinstance(v, int) and not isinstance(v, bool):
            if abs(v) > MAX_INT:
                raise _fail("id", "integer id out of range (magnitude at most 2**63-1)")
            return str(v)
        return v

    @field_validator("owners", "trade_partners", mode="after")
    @classmethod
    def _shares(cls, v: list[Any] | None) -> list[Any] | None:
        _check_shares(v, "the")
        return v


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, str) and len(part) > 60:  # a hostile attribute name must not bloat messages
            part = part[:57] + "..."
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse_counterparty(data: Counterparty | Mapping[str, Any], index: int | None = None) -> Counterparty:
    """Validate a mapping into a :class:`Counterparty`, raising :class:`CounterpartyError`."""
    if isinstance(data, Counterparty):
        return data
    if not isinstance(data, Mapping):
        raise CounterpartyError([FieldIssue("", f"expected a mapping, got {type(data).__name__}")], index=index)
    try:
        return Counterparty.model_validate(data, context={"unknown_countries": [0]})
    except ValidationError as exc:
        issues = []
        for err in exc.errors(include_url=False):
            loc = tuple(p for p in err["loc"] if p not in ("function-after", "[key]"))
            msg = err["msg"]
            if err["type"] == "missing":
                msg = "field required"
            elif err["type"] == "extra_forbidden":
                msg = "unknown field"
            issues.append(FieldIssue(_path(loc), msg, err.get("input")))
        raise CounterpartyError(issues, index=index) from None


# A string token (its closing quote optional, so an unclosed one never makes the scanner retry:
# linear time) or one bracket.
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.DOTALL)


def _json_int(text: str) -> int:
    if len(text.lstrip("-")) > 19:
        raise ValueError(f"integer of {len(text)} digits is out of range")
    return int(text)


def _json_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


def _json_depth(text: str) -> int:
    depth = deepest = 0
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            deepest = max(deepest, depth)
        elif token in ("]", "}"):
            depth -= 1
    return deepest


def parse_counterparty_json(data: str | bytes, index: int | None = None) -> Counterparty:
    """Parse one counterparty from JSON text, raising :class:`CounterpartyError` on any problem.

    Bounded before parsing: at most :data:`MAX_JSON_BYTES`, nesting at most
    :data:`MAX_JSON_DEPTH`; integers past 19 digits and ``NaN``/``Infinity`` are refused.
    """
    if len(data) > MAX_JSON_BYTES:
        raise CounterpartyError([FieldIssue("", f"JSON text over {MAX_JSON_BYTES} bytes")], index=index)
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise CounterpartyError([FieldIssue("", f"not valid UTF-8 (byte offset {exc.start})")], index=index) from None
    if _json_depth(text) > MAX_JSON_DEPTH:
        raise CounterpartyError([FieldIssue("", f"JSON nested deeper than {MAX_JSON_DEPTH} levels")], index=index)
    try:
        value = json.loads(text, parse_int=_json_int, parse_constant=_json_constant)
    except (ValueError, RecursionError) as exc:
        raise CounterpartyError([FieldIssue("", f"invalid JSON: {exc}")], index=index) from None
    return parse_counterparty(value, index=index)
