"""The condition language's file format: pydantic models of every operator and operand.

The language itself is documented in :mod:`riskscore.conditions`; the compiled nodes that
evaluate these models (per row and per column) are in :mod:`riskscore._cnodes`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, StrictInt, Tag, model_validator
from pydantic_core import PydanticCustomError

__all__ = [
    "MAX_CONDITION_DEPTH",
    "MAX_CONDITION_NODES",
    "MAX_SET_VALUES",
    "All",
    "Any_",
    "AttributeRef",
    "Compare",
    "Condition",
    "CountRef",
    "CountryIn",
    "CountryInSpec",
    "FactorRef",
    "Flag",
    "In",
    "Missing",
    "Not",
    "Operand",
    "Prefix",
    "ProductIn",
    "ProductInSpec",
    "RiskRef",
    "ScoreRef",
]

MAX_CONDITION_DEPTH = 16
"""Deepest nesting of ``all``/``any``/``not`` in one condition."""
MAX_CONDITION_NODES = 500
"""Most nodes in one condition: operator mappings plus list ids and categories named."""

CountryField = Literal["incorporation", "operations", "owners", "trade_partners", "any"]
ListField = Literal["operations", "owners", "trade_partners", "products"]
MissingField = Literal["incorporation", "operations", "owners", "trade_partners", "products"]
MAX_SET_VALUES = 1000
"""Most values of one ``in`` or ``prefix`` condition."""
MAX_CODE_TEXT = 100
"""Longest string value of an ``in`` or ``prefix`` condition."""


StrList = list[str]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# ---------------------------------------------------------------- operands
class FactorRef(_Model):
    """The value (0..100) of a factor."""

    factor: str = Field(description="A factor id (in a rule: a factor defined earlier).")


class RiskRef(_Model):
    """Country risk points of a field (maximum over a list field)."""

    risk: Literal["incorporation", "operations", "owners", "trade_partners"] = Field(
        description="The field whose country risk is read."
    )


class CountRef(_Model):
    """Number of items in a list field (0 when missing)."""

    count: ListField = Field(description="The list field whose items are counted.")


class AttributeRef(_Model):
    """A custom attribute of the counterparty."""

    attribute: str = Field(min_length=1, max_length=100, description="The attribute's name.")


class ScoreRef(_Model):
    """The weighted score before overrides (usable in overrides only)."""

    score: Literal["weighted"] = Field(description="weighted: the score before overrides.")


def _operand_tag(value: Any) -> str:
    if isinstance(value, dict) and len(value) == 1:
        return f"ref_{next(iter(value))}"
    if isinstance(value, BaseModel):
        return f"ref_{next(iter(type(value).model_fields))}"
    return "literal"


# allow_inf_nan on the float alone: set on the whole union, pydantic raised TypeError on a string
Literal_ = bool | int | Annotated[float, Field(allow_inf_nan=False)] | str
Operand = Annotated[
    Annotated[FactorRef, Tag("ref_factor")]
    | Annotated[RiskRef, Tag("ref_risk")]
    | Annotated[CountRef, Tag("ref_count")]
    | Annotated[AttributeRef, Tag("ref_attribute")]
    | Annotated[ScoreRef, Tag("ref_score")]
    | Annotated[Literal_, Tag("literal")],
    Discriminator(_operand_tag),
]


# ---------------------------------------------------------------- conditions
class All(_Model):
    """True when every condition is true."""

    all: list[_ConditionTree] = Field(min_length=1, max_length=100, description="The conditions, all true.")


class Any_(_Model):
    """True when at least one condition is true."""

    any: list[_ConditionTree] = Field(min_length=1, max_length=100, description="The conditions, one true.")


class Not(_Model):
    """True when the condition is false."""

    not_: _ConditionTree = Field(alias="not", description="The condition that must be false.")


Pair = Annotated[list[Operand], Field(min_length=2, max_length=2)]


class Compare(_Model):
    """Compare two operands: exactly one of gte, gt, lte, lt, eq, ne."""

    gte: Pair | None = Field(default=None, description="[a, b]: a >= b.")
    gt: Pair | None = Field(default=None, description="[a, b]: a > b.")
    lte: Pair | None = Field(default=None, description="[a, b]: a <= b.")
    lt: Pair | None = Field(default=None, description="[a, b]: a < b.")
    eq: Pair | None = Field(default=None, description="[a, b]: a equals b.")
    ne: Pair | None = Field(default=None, description="[a, b]: a differs from b.")

    @model_validator(mode="after")
    def _one(self) -> Compare:
        if sum(v is not None for v in (self.gte, self.gt, self.lte, self.lt, self.eq, self.ne)) != 1:
            raise ValueError("a comparison has exactly one operator")
        return self

    @property
    def op(self) -> tuple[str, list[Any]]:
        """The operator name and its two operands."""
        for name in ("gte", "gt", "lte", "lt", "eq", "ne"):
            pair = getattr(self, name)
            if pair is not None:
                return name, pair
        raise AssertionError("unreachable")


class Flag(_Model):
    """A boolean flag of the counterparty is true."""

    flag: Literal["pep", "sanctions_hit"] = Field(description="The counterparty's boolean flag.")


def _mapping_tag(value: Any) -> str:
    return "mapping" if isinstance(value, (dict, BaseModel)) else "plain"


def _sequence_tag(value: Any) -> str:
    return "many" if isinstance(value, (list, tuple)) else "one"


class Missing(_Model):
    """A field, or a custom attribute (``{attribute: name}``), was not provided."""

    missing: Annotated[
        Annotated[MissingField, Tag("plain")] | Annotated[AttributeRef, Tag("mapping")], Discriminator(_mapping_tag)
    ] = Field(description="A counterparty field, or {attribute: name}.")

    @property
    def attribute(self) -> str | None:
        """The attribute name, when this tests an attribute."""
        return self.missing.attribute if isinstance(self.missing, AttributeRef) else None


CodeText = Annotated[str, Field(min_length=1, max_length=MAX_CODE_TEXT)]
SetValue = CodeText | StrictInt | Annotated[float, Field(strict=True, allow_inf_nan=False)]
SetValues = Annotated[tuple[SetValue, ...], Field(min_length=1, max_length=MAX_SET_VALUES)]
Prefixes = Annotated[
    Annotated[CodeText, Tag("one")]
    | Annotated[tuple[CodeText, ...], Field(min_length=1, max_length=MAX_SET_VALUES), Tag("many")],
    Discriminator(_sequence_tag),
]


class In(_Model):
    """The attribute's value is one of a set of values: ``in: [{attribute: mcc}, ["5411", "5912"]]``."""

    in_: tuple[AttributeRef, SetValues] = Field(alias="in", description="The attribute and the allowed values.")

    @property
    def attribute(self) -> str:
        """The attribute name."""
        return self.in_[0].attribute


class Prefix(_Model):
    """The attribute is a string starting with a prefix: ``prefix: [{attribute: nace}, ["46", "47.7"]]``."""

    prefix: tuple[AttributeRef, Prefixes] = Field(description="The attribute and one prefix or a list of them.")

    @property
    def attribute(self) -> str:
        """The attribute name."""
        return self.prefix[0].attribute

    @property
    def prefixes(self) -> tuple[str, ...]:
        """The prefixes as a tuple."""
        given = self.prefix[1]
        return (given,) if isinstance(given, str) else given


class CountryInSpec(_Model):
    """Arguments of ``country_in``."""

    field: CountryField = Field(description="The country field read; any: all four together.")
    list: str | StrList = Field(description="A country list id, or several.")
    categories: StrList | None = Field(default=None, description="Only periods with one of these categories match.")
    min_share: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        allow_inf_nan=False,
        description="For owners or trade partners: the shares of all the items that match, added up, must reach this.",
    )

    @property
    def lists(self) -> StrList:
        """The list ids as a list."""
        return [self.list] if isinstance(self.list, str) else list(self.list)


class CountryIn(_Model):
    """A country of a field is on a list on the as-of date."""

    country_in: CountryInSpec = Field(description="The field, the lists and the categories to match.")


class ProductInSpec(_Model):
    """Arguments of ``product_in``."""

    list: str = Field(description="A product list id.")
    categories: StrList | None = Field(default=None, description="Only periods with one of these categories match.")


class ProductIn(_Model):
    """A product's HS code is on a product list on the as-of date."""

    product_in: ProductInSpec = Field(description="The list and the categories to match.")


_COMPARE_KEYS = {"gte", "gt", "lte", "lt", "eq", "ne"}


def _condition_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        keys = set(value)
        if keys and keys <= _COMPARE_KEYS:
            return "compare"
        return next(iter(value)) if len(value) == 1 else None
    if isinstance(value, Compare):
        return "compare"
    if isinstance(value, BaseModel):
        name = next(iter(type(value).model_fields))
        return {"not_": "not", "in_": "in"}.get(name, name)
    return None


def _measure(value: Any, depth: int, budget: list[int]) -> None:
    """Count nodes of a raw condition into ``budget``; raise past the documented bounds."""
    if depth > MAX_CONDITION_DEPTH:
        raise PydanticCustomError(
            "condition_too_deep", "condition nests deeper than {limit} levels", {"limit": MAX_CONDITION_DEPTH}
        )
    budget[0] += 1
    if isinstance(value, dict):
        for key, arg in value.items():
            if key in ("all", "any") and isinstance(arg, list):
                for part in arg:
                    _measure(part, depth + 1, budget)
            elif key == "not":
                _measure(arg, depth + 1, budget)
            elif key in ("country_in", "product_in") and isinstance(arg, dict):
                for name in ("list", "categories"):
                    named = arg.get(name)
                    budget[0] += len(named) if isinstance(named, list) else 0
    if budget[0] > MAX_CONDITION_NODES:
        raise PydanticCustomError(
            "condition_too_large", "condition has more than {limit} nodes", {"limit": MAX_CONDITION_NODES}
        )


def _bounded(value: Any) -> Any:
    if not isinstance(value, BaseModel):
        _measure(value, 0, [0])
    return value


_ConditionTree = Annotated[
    Annotated[All, Tag("all")]
    | Annotated[Any_, Tag("any")]
    | Annotated[Not, Tag("not")]
    | Annotated[Compare, Tag("compare")]
    | Annotated[Flag, Tag("flag")]
    | Annotated[Missing, Tag("missing")]
    | Annotated[In, Tag("in")]
    | Annotated[Prefix, Tag("prefix")]
    | Annotated[CountryIn, Tag("country_in")]
    | Annotated[ProductIn, Tag("product_in")],
    Discriminator(
        _condition_tag,
        custom_error_type="condition",
        custom_error_message="a condition is a mapping with one operator: all, any, not, gte, gt, "
        "lte, lt, eq, ne, flag, missing, in, prefix, country_in or product_in",
    ),
]
Condition = Annotated[_ConditionTree, BeforeValidator(_bounded)]

for _m in (All, Any_, Not):
    _m.model_rebuild()
