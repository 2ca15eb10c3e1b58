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

from typing import Any

from ._arith import PRECISION
from ._cnode_base import Context, Matched, Node
from ._cnodes import compile_condition
from ._compare import OPERATORS, PrefixMatcher, SetMatcher, compare
from ._condition_models import (
    MAX_CODE_TEXT,
    MAX_CONDITION_DEPTH,
    MAX_CONDITION_NODES,
    MAX_SET_VALUES,
    All,
    Any_,
    AttributeRef,
    Compare,
    Condition,
    CountRef,
    CountryField,
    CountryIn,
    CountryInSpec,
    FactorRef,
    Flag,
    In,
    ListField,
    Missing,
    MissingField,
    Not,
    Operand,
    Prefix,
    ProductIn,
    ProductInSpec,
    RiskRef,
    ScoreRef,
    StrList,
)

__all__ = [
    "MAX_CODE_TEXT",
    "MAX_CONDITION_DEPTH",
    "MAX_CONDITION_NODES",
    "MAX_SET_VALUES",
    "OPERATORS",
    "PRECISION",
    "All",
    "Any_",
    "AttributeRef",
    "Compare",
    "Condition",
    "Context",
    "CountRef",
    "CountryField",
    "CountryIn",
    "CountryInSpec",
    "FactorRef",
    "Flag",
    "In",
    "ListField",
    "Matched",
    "Missing",
    "MissingField",
    "Node",
    "Not",
    "Operand",
    "Prefix",
    "PrefixMatcher",
    "ProductIn",
    "ProductInSpec",
    "RiskRef",
    "ScoreRef",
    "SetMatcher",
    "StrList",
    "attribute_reads",
    "compare",
    "compile_condition",
    "operands",
    "walk",
    "walk_paths",
]


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
