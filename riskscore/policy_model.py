"""The policy file format (pydantic models). See docs/policy-format.md for every key.

A policy says which lists give a country how many risk points, which factors make up the
score and with what weights, the rules inside each factor, the overrides applied after
weighting, and the tiers. These models are the single definition of the format: the
loader validates against them and ``riskscore schema policy`` exports them.
"""

from __future__ import annotations

import re
import sys
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, StrictInt, model_validator
from pydantic_core import PydanticCustomError

from ._network.spec import NetworkFact
from .conditions import Condition

if sys.version_info >= (3, 11):
    from re import _parser as _sre_parse
else:
    import sre_parse as _sre_parse

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

_ID = r"^[a-z][a-z0-9_]*$"
Id = Annotated[str, Field(pattern=_ID, max_length=80)]
Points = Annotated[float, Field(ge=0.0, le=100.0, allow_inf_nan=False)]
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Citation(_Model):
    """A policy-level source (a regulation, a guideline) cited by a rule or override."""

    title: str = Field(min_length=1, description="The document cited (a regulation, a guideline).")
    url: str | None = Field(default=None, description="Where the document can be read.")


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


class _RuleBase(_Model):
    id: Id = Field(description="Unique across all rules of the policy.")
    description: str | None = Field(default=None, description="What the rule is for (not shown in results).")
    reason: str = Field(min_length=1, description="Reason template; {placeholders} depend on the kind.")
    sources: list[Citation] = Field(default_factory=list, description="Policy-level citations.")


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


# ---------------------------------------------------------------- declared attributes
MAX_PATTERN = 200
"""Longest ``pattern`` of a declared attribute (characters)."""
MAX_PATTERN_TEXT = 100
"""Longest value a ``pattern`` attribute is matched against (longer values are refused)."""
MAX_VARIABLE_REPEATS = 3
"""Most repeats of variable count (``*``, ``+``, ``?``, ``{m,n}``) in one ``pattern``."""
MAX_EXACT_INT = 2**53
"""Largest integer magnitude a ``number`` attribute takes (exact in a float64 column)."""
MAX_ENUM_VALUES = 1000
"""Most values of an ``enum`` attribute."""

AttributeType = Literal["boolean", "string", "number", "enum", "pattern"]
EnumValue = (
    Annotated[str, Field(min_length=1, max_length=100)]
    | StrictInt
    | Annotated[float, Field(strict=True, allow_inf_nan=False)]
)
_ONE_CHAR = {"LITERAL", "NOT_LITERAL", "ANY", "IN", "CATEGORY"}
_REFUSED = {"GROUPREF", "GROUPREF_EXISTS", "ASSERT", "ASSERT_NOT"}


def _pattern_problem(parsed: Any, budget: list[int]) -> str | None:
    """Why a parsed pattern could backtrack without bound (None: its cost is polynomial, small)."""
    for op, av in parsed:
        name = str(op)
        if name in _REFUSED:
            return "backreferences and lookarounds are not allowed"
        if name.endswith("_REPEAT"):
            low, high, body = av
            if low != high:
                budget[0] += 1
            if high > 1 and not (len(body) == 1 and str(body[0][0]) in _ONE_CHAR):
                return "a repeat of more than one time applies to one character or class only, not a group"
            if high <= 1 and (why := _pattern_problem(body, budget)):
                return why
        elif name == "SUBPATTERN" or name == "ATOMIC_GROUP":
            if why := _pattern_problem(av[-1] if name == "SUBPATTERN" else av, budget):
                return why
        elif name == "BRANCH":
            for alternative in av[1]:
                if why := _pattern_problem(alternative, budget):
                    return why
    if budget[0] > MAX_VARIABLE_REPEATS:
        return f"more than {MAX_VARIABLE_REPEATS} repeats of variable count"
    return None


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Compile an attribute ``pattern`` after checking it cannot backtrack catastrophically.

    Matching is ``fullmatch`` (anchored at both ends) on values of at most
    :data:`MAX_PATTERN_TEXT` characters. A repeat of variable count over a group, a
    backreference or a lookaround is refused, and at most :data:`MAX_VARIABLE_REPEATS`
    repeats vary in count, so a match costs at most about ``100 ** 3`` steps.
    """
    try:
        regex = re.compile(pattern)
        why = _pattern_problem(_sre_parse.parse(pattern), [0])
    except (re.error, RecursionError, OverflowError) as exc:
        raise PydanticCustomError("bad-pattern", "pattern does not compile: {detail}", {"detail": str(exc)}) from None
    if why:
        raise PydanticCustomError("bad-pattern", "pattern refused: {detail}", {"detail": why})
    return regex


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


class AttributeSpec(_Model):
    """A custom attribute the policy reads: its type, and whether it is required or what a gap scores.

    A counterparty whose value breaks the declaration is refused (field path
    ``attributes.NAME``). Exactly one of ``required: true`` and ``missing_points`` is given:
    missing data is scored explicitly, never silently as "condition false".
    """

    type: AttributeType = Field(
        description="boolean (true/false), string, number, enum (one of `values`) or pattern (a string "
        "matching `pattern` as a whole)."
    )
    values: tuple[EnumValue, ...] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_ENUM_VALUES,
        description="enum: the allowed values, all strings or all numbers.",
    )
    pattern: str | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_PATTERN,
        description="pattern: a regular expression the whole value must match (e.g. NACE "
        "'[A-U]|[0-9]{2}(\\.[0-9]{1,2})?'); no backreferences, lookarounds or repeated groups.",
    )
    required: bool = Field(default=False, description="true: a counterparty without this attribute is refused.")
    missing_points: Points | None = Field(
        default=None,
        description="Points a condition rule reading this attribute scores (at least) when it is not given "
        "(absent or null). Give this or `required: true`.",
    )
    description: str | None = Field(default=None, max_length=1000, description="What the attribute means.")
    _regex: re.Pattern[str] | None = PrivateAttr(default=None)
    _keys: frozenset[Any] = PrivateAttr(default=frozenset())

    @model_validator(mode="after")
    def _consistent(self) -> AttributeSpec:
        if (self.values is not None) != (self.type == "enum"):
            raise PydanticCustomError("attribute-declaration", "`values` is given for type enum, and only for it")
        if (self.pattern is not None) != (self.type == "pattern"):
            raise PydanticCustomError("attribute-declaration", "`pattern` is given for type pattern, and only for it")
        if self.required == (self.missing_points is not None):
            raise PydanticCustomError(
                "attribute-declaration", "give exactly one of `required: true` and `missing_points`"
            )
        if self.values is not None:
            kinds = {isinstance(v, str) for v in self.values}
            if len(kinds) > 1:
                raise PydanticCustomError("attribute-declaration", "enum values are all strings or all numbers")
            self._keys = frozenset(_enum_key(v) for v in self.values)
            if len(self._keys) != len(self.values):
                raise PydanticCustomError("attribute-declaration", "enum values are unique")
        if self.pattern is not None:
            self._regex = compile_pattern(self.pattern)
        return self

    @property
    def kind(self) -> Literal["boolean", "number", "string"]:
        """The type of the values: ``boolean``, ``number`` or ``string`` (enum and pattern values)."""
        if self.type == "enum":
            return "string" if self.values and isinstance(self.values[0], str) else "number"
        if self.type in ("boolean", "number"):
            return "boolean" if self.type == "boolean" else "number"
        return "string"

    def problem(self, value: Any) -> tuple[str, str] | None:
        """``(code, message)`` when a given (non-null) value breaks the declaration, else None."""
        kind = self.kind
        is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if kind == "boolean" and not isinstance(value, bool):
            return "attribute-type", f"expected true or false, got {_shown(value)}"
        if kind == "number" and not is_number:
            return "attribute-type", f"expected a number, got {_shown(value)}"
        if kind == "string" and not isinstance(value, str):
            return "attribute-type", f"expected a string, got {_shown(value)}"
        if kind == "number" and isinstance(value, int) and abs(value) > MAX_EXACT_INT:
            return "attribute-range", "integer out of range for a number attribute (magnitude at most 2**53)"
        if self.values is not None and _enum_key(value) not in self._keys:
            return "attribute-enum", f"{_shown(value)} is not one of the declared values"
        if self._regex is not None:
            if len(value) > MAX_PATTERN_TEXT:
                return (
                    "attribute-pattern",
                    f"{len(value)} characters; a pattern attribute has at most {MAX_PATTERN_TEXT}",
                )
            if self._regex.fullmatch(value) is None:
                return "attribute-pattern", f"{_shown(value)} does not match the declared pattern"
        return None


def _enum_key(value: Any) -> Any:
    return value if isinstance(value, str) else round(value, 9)


AttributeName = Annotated[str, Field(min_length=1, max_length=100)]


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
