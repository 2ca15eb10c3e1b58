"""The condition language: small, declarative, parsed into a tree once, never ``eval``-ed.

A condition is a YAML mapping with exactly one key, the operator:

``all: [c, ...]`` / ``any: [c, ...]`` / ``not: c``
    Boolean combinations (``all`` and ``any`` take at least one condition).
``gte|gt|lte|lt|eq|ne: [a, b]``
    Compare two operands. Numbers compare after rounding to 9 decimal places, so binary
    float noise (0.03*40 + 0.47*40 = 19.999999999999996) cannot flip a threshold. An
    operand that is missing (an attribute not given) makes the comparison false.
``flag: pep | sanctions_hit``
    The counterparty's boolean flag is true.
``missing: incorporation | operations | owners | trade_partners | products | {attribute: name}``
    The field (or custom attribute) was not provided (``None``); an empty list is known,
    not missing.
``in: [{attribute: name}, [v, ...]]``
    The attribute's value is one of the values (numbers compare rounded to 9 places; a
    boolean never equals a number). One hash lookup per counterparty.
``prefix: [{attribute: name}, p | [p, ...]]``
    The attribute is a string starting with one of the prefixes (NACE, MCC, HS codes).
    One lookup per distinct prefix length (at most 100) per counterparty.
``country_in: {field, list, categories?, min_share?}``
    Any country of ``field`` (``incorporation``, ``operations``, ``owners``,
    ``trade_partners`` or ``any``) is on ``list`` (one id or several) on the as-of date;
    a subdivision matches if it or its country is listed. ``categories`` narrows to
    periods with those categories; ``min_share`` ignores owners/partners below it.
``product_in: {list, categories?}``
    Any product's HS code matches an entry of the product ``list`` (one code a prefix of
    the other, so national 8/10-digit lines match their HS-6 entry).

Operands are numbers, strings, booleans, or one-key mappings: ``{factor: id}`` (a factor's
value, 0..100; only factors defined earlier, or any factor in overrides), ``{risk: field}``
(country risk of ``incorporation``, or the maximum over a list field), ``{count: field}``,
``{attribute: name}`` (from the counterparty's ``attributes``), ``{score: weighted}``
(the weighted score; overrides only).

Bounds: a condition nests ``all``/``any``/``not`` at most :data:`MAX_CONDITION_DEPTH`
deep and holds at most :data:`MAX_CONDITION_NODES` nodes (one per operator mapping and one
per list id or category it names); a larger one is refused when the policy loads, with
file:line. Evaluation visits each node once per counterparty and never backtracks, so its
cost is linear in the condition's size times the counterparty's size.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Annotated, Any, Literal, Protocol

from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, StrictInt, Tag, model_validator
from pydantic_core import PydanticCustomError

from ._display import num

__all__ = [
    "MAX_CONDITION_DEPTH",
    "MAX_CONDITION_NODES",
    "MAX_SET_VALUES",
    "PRECISION",
    "Condition",
    "Context",
    "Matched",
    "Node",
    "Operand",
    "compare",
    "compile_condition",
    "PrefixMatcher",
    "SetMatcher",
]

PRECISION = 9
"""Decimal places every aggregate and comparison is rounded to (see docs/scoring.md)."""
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


# ---------------------------------------------------------------- evaluation
class Matched:
    """What made a condition true: readable facts plus the list memberships behind them."""

    __slots__ = ("facts", "items", "memberships")

    def __init__(self) -> None:
        self.facts: list[str] = []
        self.memberships: list[Any] = []
        # the counterparty items behind facts: FactItem values, "fact" indexing self.facts
        self.items: list[dict[str, Any]] = []

    def extend(self, other: Matched) -> None:
        """Take over another collector's facts, items and memberships."""
        base = len(self.facts)
        for item in other.items:
            if item["fact"] is not None:
                item["fact"] += base
        self.facts.extend(other.facts)
        self.items.extend(other.items)
        self.memberships.extend(other.memberships)


class Context(Protocol):
    """What a condition may ask about the counterparty being scored."""

    def flag(self, name: str) -> bool: ...
    def missing(self, name: str) -> bool: ...
    def count(self, name: str) -> int: ...
    def attribute(self, name: str) -> Any: ...
    def risk(self, name: str) -> float: ...
    def factor(self, name: str) -> float: ...
    def weighted_score(self) -> float: ...
    def countries_in(self, spec: CountryInSpec, out: Matched) -> bool: ...
    def products_in(self, spec: ProductInSpec, out: Matched) -> bool: ...


class Node:
    """A compiled condition: ``test(ctx, out)`` returns truth and records why in ``out``."""

    __slots__ = ()

    def test(self, ctx: Context, out: Matched) -> bool:
        raise NotImplementedError


class _All(Node):
    __slots__ = ("parts",)

    def __init__(self, parts: list[Node]) -> None:
        self.parts = parts

    def test(self, ctx: Context, out: Matched) -> bool:
        tmp = Matched()
        for part in self.parts:
            if not part.test(ctx, tmp):
                return False
        out.extend(tmp)
        return True


class _Any(Node):
    __slots__ = ("parts",)

    def __init__(self, parts: list[Node]) -> None:
        self.parts = parts

    def test(self, ctx: Context, out: Matched) -> bool:
        for part in self.parts:
            tmp = Matched()
            if part.test(ctx, tmp):
                out.extend(tmp)
                return True
        return False


class _Not(Node):
    __slots__ = ("part",)

    def __init__(self, part: Node) -> None:
        self.part = part

    def test(self, ctx: Context, out: Matched) -> bool:
        return not self.part.test(ctx, Matched())


def _value(operand: Any, ctx: Context) -> Any:
    if isinstance(operand, FactorRef):
        return ctx.factor(operand.factor)
    if isinstance(operand, RiskRef):
        return ctx.risk(operand.risk)
    if isinstance(operand, CountRef):
        return ctx.count(operand.count)
    if isinstance(operand, AttributeRef):
        return ctx.attribute(operand.attribute)
    if isinstance(operand, ScoreRef):
        return ctx.weighted_score()
    return operand


def _describe(operand: Any) -> str:
    if isinstance(operand, BaseModel):
        ((key, val),) = operand.model_dump(by_alias=True).items()
        return f"{key} {val}"
    return repr(operand)


OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "gte": operator.ge,
    "gt": operator.gt,
    "lte": operator.le,
    "lt": operator.lt,
    "eq": operator.eq,
    "ne": operator.ne,
}
_SYMBOL = {"gte": ">=", "gt": ">", "lte": "<=", "lt": "<", "eq": "==", "ne": "!="}


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def compare(name: str, a: Any, b: Any) -> bool:
    """The comparison ``name`` of two operand values, as both evaluators decide it.

    A missing value (``None``) makes every comparison false; numbers compare rounded to
    :data:`PRECISION` places; a number and a non-number are only ``ne``.
    """
    if a is None or b is None:
        return False
    num_a, num_b = _is_number(a), _is_number(b)
    if num_a and num_b:
        a, b = round(a, PRECISION), round(b, PRECISION)
    elif num_a != num_b or (type(a) is not type(b) and name not in ("eq", "ne")):
        return name == "ne"
    try:
        return bool(OPERATORS[name](a, b))
    except TypeError:
        return False


def _set_key(value: Any) -> tuple[str, Any]:
    if isinstance(value, bool):
        return ("b", value)
    if _is_number(value):
        return ("n", round(value, PRECISION))
    return ("s", value)


class SetMatcher:  # a class, not a closure, so compiled policies pickle
    """``value in values`` as ``in`` decides it: typed (``True`` is not ``1``), numbers rounded."""

    __slots__ = ("keys",)

    def __init__(self, values: tuple[Any, ...]) -> None:
        self.keys = frozenset(_set_key(v) for v in values)

    def __call__(self, value: Any) -> bool:
        return value is not None and isinstance(value, (str, int, float)) and _set_key(value) in self.keys


class PrefixMatcher:  # a class, not a closure, so compiled policies pickle
    """The prefix a string starts with (the shortest), else None; one set lookup per prefix length."""

    __slots__ = ("lengths", "wanted")

    def __init__(self, prefixes: tuple[str, ...]) -> None:
        self.lengths = sorted({len(p) for p in prefixes})
        self.wanted = frozenset(prefixes)

    def __call__(self, value: Any) -> str | None:
        if not isinstance(value, str):
            return None
        for n in self.lengths:
            if n > len(value):
                return None
            if value[:n] in self.wanted:
                return value[:n]
        return None


class _Compare(Node):
    __slots__ = ("left", "name", "right")

    def __init__(self, name: str, left: Any, right: Any) -> None:
        self.name, self.left, self.right = name, left, right

    def test(self, ctx: Context, out: Matched) -> bool:
        a, b = _value(self.left, ctx), _value(self.right, ctx)
        ok = compare(self.name, a, b)
        if ok:
            shown = repr(a)
            if _is_number(a) and _is_number(b):
                shown = num(round(a, PRECISION))  # the display rule, unless it hides a strict comparison
                if self.name in ("gt", "lt", "ne") and float(shown) == b:
                    shown = f"{round(a, PRECISION):.9g}"
            out.facts.append(f"{_describe(self.left)} = {shown} {_SYMBOL[self.name]} {_describe(self.right)}")
        return ok


class _In(Node):
    __slots__ = ("match", "name")

    def __init__(self, name: str, values: tuple[Any, ...]) -> None:
        self.name, self.match = name, SetMatcher(values)

    def test(self, ctx: Context, out: Matched) -> bool:
        value = ctx.attribute(self.name)
        if self.match(value):
            out.facts.append(f"attribute {self.name} = {value!r} is in the set")
            return True
        return False


class _Prefix(Node):
    __slots__ = ("match", "name")

    def __init__(self, name: str, prefixes: tuple[str, ...]) -> None:
        self.name, self.match = name, PrefixMatcher(prefixes)

    def test(self, ctx: Context, out: Matched) -> bool:
        value = ctx.attribute(self.name)
        found = self.match(value)
        if found is not None:
            out.facts.append(f"attribute {self.name} = {value!r} starts with {found!r}")
            return True
        return False


class _MissingAttribute(Node):
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def test(self, ctx: Context, out: Matched) -> bool:
        if ctx.attribute(self.name) is None:
            out.facts.append(f"attribute {self.name} not provided")
            return True
        return False


class _Flag(Node):
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def test(self, ctx: Context, out: Matched) -> bool:
        if ctx.flag(self.name):
            out.facts.append(f"{self.name} is true")
            return True
        return False


class _Missing(Node):
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def test(self, ctx: Context, out: Matched) -> bool:
        if ctx.missing(self.name):
            out.facts.append(f"{self.name} not provided")
            return True
        return False


class _CountryIn(Node):
    __slots__ = ("spec",)

    def __init__(self, spec: CountryInSpec) -> None:
        self.spec = spec

    def test(self, ctx: Context, out: Matched) -> bool:
        return ctx.countries_in(self.spec, out)


class _ProductIn(Node):
    __slots__ = ("spec",)

    def __init__(self, spec: ProductInSpec) -> None:
        self.spec = spec

    def test(self, ctx: Context, out: Matched) -> bool:
        return ctx.products_in(self.spec, out)


def compile_condition(cond: Any) -> Node:
    """Turn a validated condition model into an evaluation tree (done once per policy)."""
    if isinstance(cond, All):
        return _All([compile_condition(c) for c in cond.all])
    if isinstance(cond, Any_):
        return _Any([compile_condition(c) for c in cond.any])
    if isinstance(cond, Not):
        return _Not(compile_condition(cond.not_))
    if isinstance(cond, Compare):
        name, (left, right) = cond.op
        return _Compare(name, left, right)
    if isinstance(cond, Flag):
        return _Flag(cond.flag)
    if isinstance(cond, Missing):
        return _Missing(cond.missing) if isinstance(cond.missing, str) else _MissingAttribute(cond.missing.attribute)
    if isinstance(cond, In):
        return _In(cond.attribute, cond.in_[1])
    if isinstance(cond, Prefix):
        return _Prefix(cond.attribute, cond.prefixes)
    if isinstance(cond, CountryIn):
        return _CountryIn(cond.country_in)
    if isinstance(cond, ProductIn):
        return _ProductIn(cond.product_in)
    raise TypeError(f"not a condition: {cond!r}")


def walk(cond: Any) -> list[Any]:
    """Every condition node in ``cond`` (itself included), depth first."""
    out = [cond]
    if isinstance(cond, (All, Any_)):
        for c in cond.all if isinstance(cond, All) else cond.any:
            out.extend(walk(c))
    elif isinstance(cond, Not):
        out.extend(walk(cond.not_))
    return out


def walk_paths(cond: Any, path: tuple[str | int, ...] = ()) -> list[tuple[tuple[str | int, ...], Any]]:
    """Every condition node in ``cond`` with its key path below ``path``, depth first."""
    out: list[tuple[tuple[str | int, ...], Any]] = [(path, cond)]
    if isinstance(cond, (All, Any_)):
        key = "all" if isinstance(cond, All) else "any"
        for i, c in enumerate(cond.all if isinstance(cond, All) else cond.any):
            out.extend(walk_paths(c, (*path, key, i)))
    elif isinstance(cond, Not):
        out.extend(walk_paths(cond.not_, (*path, "not")))
    return out


def attribute_reads(cond: Any, path: tuple[str | int, ...] = ()) -> list[tuple[tuple[str | int, ...], str]]:
    """Every attribute ``cond`` reads, with the key path of the ``attribute`` key naming it."""
    out: list[tuple[tuple[str | int, ...], str]] = []
    for at, node in walk_paths(cond, path):
        if isinstance(node, Compare):
            name, pair = node.op
            out += [
                ((*at, name, j, "attribute"), o.attribute) for j, o in enumerate(pair) if isinstance(o, AttributeRef)
            ]
        elif isinstance(node, (In, Prefix)):
            out.append(((*at, "in" if isinstance(node, In) else "prefix", 0, "attribute"), node.attribute))
        elif isinstance(node, Missing) and node.attribute is not None:
            out.append(((*at, "missing", "attribute"), node.attribute))
    return out


def operands(cond: Any) -> list[Any]:
    """Every operand used by comparisons in ``cond``."""
    return [o for c in walk(cond) if isinstance(c, Compare) for o in c.op[1]]
