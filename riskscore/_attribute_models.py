"""The ``attributes:`` section of the policy file format: :class:`AttributeSpec` and its limits.

A declared attribute has a type (boolean, string, number, enum or pattern); a ``pattern``
is checked when it is declared so that matching it cannot backtrack catastrophically.
"""

from __future__ import annotations

import re
import sys
from typing import Annotated, Any, Literal

from pydantic import Field, PrivateAttr, StrictInt, model_validator
from pydantic_core import PydanticCustomError

from ._model_base import Points, _Model

if sys.version_info >= (3, 11):
    from re import _parser as _sre_parse
else:
    import sre_parse as _sre_parse

__all__ = [
    "MAX_ENUM_VALUES",
    "MAX_EXACT_INT",
    "MAX_PATTERN",
    "MAX_PATTERN_TEXT",
    "MAX_VARIABLE_REPEATS",
    "AttributeName",
    "AttributeSpec",
    "AttributeType",
    "EnumValue",
    "compile_pattern",
]

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
