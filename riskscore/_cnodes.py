"""Compiled conditions: one slotted class per operator, ``row()`` and ``vec()`` side by side.

``compile_condition`` turns a validated condition model into a tree of nodes once per
policy. ``row(ctx, out)`` decides one counterparty and records why in ``out`` (a
:class:`Matched`); ``vec(env)`` decides every row of a column pass as a boolean array. Both
read values through the same operand objects and compare them with
:func:`riskscore._compare.compare`'s rules, so the two evaluators cannot drift apart.
List membership (``country_in``, ``product_in``) is in :mod:`riskscore._cnodes_lists`, the
base classes in :mod:`riskscore._cnode_base`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel

from . import _condition_models as m
from ._arith import PRECISION, rnd
from ._cnode_base import B, Context, Matched, Node
from ._cnodes_lists import CountryIn, ProductIn
from ._compare import OPERATORS, SYMBOL, PrefixMatcher, SetMatcher, compare, is_number
from ._display import num

if TYPE_CHECKING:
    from ._vecenv import Env

__all__ = ["Context", "Matched", "Node", "compile_condition"]


# ---------------------------------------------------------------- operands
class _Operand:
    """A compiled operand: its value for one row and for a column pass."""

    __slots__ = ("text",)
    text: str
    attribute: str | None = None
    rounded = True  # vec() values are already rounded to PRECISION (where numeric)

    def row(self, ctx: Any) -> Any:
        raise NotImplementedError

    def vec(self, env: Env) -> Any:
        raise NotImplementedError

    def is_rounded(self, env: Env) -> bool:
        return self.rounded


class _Const(_Operand):
    __slots__ = ("value",)
    rounded = False

    def __init__(self, value: Any) -> None:
        self.value, self.text = value, repr(value)

    def row(self, ctx: Any) -> Any:
        return self.value

    def vec(self, env: Env) -> Any:
        return self.value


class _Factor(_Operand):
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def row(self, ctx: Any) -> Any:
        return ctx.factor(self.name)

    def vec(self, env: Env) -> Any:
        return env.factors[self.name]


class _Risk(_Operand):
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def row(self, ctx: Any) -> Any:
        return ctx.risk(self.name)

    def vec(self, env: Env) -> Any:
        if self.name == "incorporation":
            return env.inc_risk
        return env.rows[self.name].max(env.item_risk(self.name), 0.0)

    def is_rounded(self, env: Env) -> bool:
        return env.plan.risk_rounded


class _Count(_Operand):
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def row(self, ctx: Any) -> Any:
        return ctx.count(self.name)

    def vec(self, env: Env) -> Any:
        return env.rows[self.name].lengths


class _Score(_Operand):
    __slots__ = ()

    def row(self, ctx: Any) -> Any:
        return ctx.weighted_score()

    def vec(self, env: Env) -> Any:
        return env.weighted


class _Attribute(_Operand):
    __slots__ = ("attribute", "name")

    def __init__(self, name: str) -> None:
        self.attribute = self.name = name

    def row(self, ctx: Any) -> Any:
        return ctx.attribute(self.name)

    def vec(self, env: Env) -> Any:
        return env.attribute(self.name)


_OPERANDS: dict[type, Callable[[Any], _Operand]] = {
    m.FactorRef: lambda o: _Factor(o.factor),
    m.RiskRef: lambda o: _Risk(o.risk),
    m.CountRef: lambda o: _Count(o.count),
    m.AttributeRef: lambda o: _Attribute(o.attribute),
    m.ScoreRef: lambda o: _Score(),
}


def _operand(model: Any) -> _Operand:
    build = _OPERANDS.get(type(model))
    op = _Const(model) if build is None else build(model)
    if isinstance(model, BaseModel):
        ((key, val),) = model.model_dump(by_alias=True).items()
        op.text = f"{key} {val}"
    return op


# ---------------------------------------------------------------- boolean structure
class _All(Node):
    __slots__ = ("parts",)

    def __init__(self, parts: list[Node]) -> None:
        self.parts = parts

    def row(self, ctx: Any, out: Matched) -> bool:
        tmp = Matched()
        for part in self.parts:
            if not part.row(ctx, tmp):
                return False
        out.extend(tmp)
        return True

    def vec(self, env: Env) -> B:
        got = self.parts[0].vec(env)
        for part in self.parts[1:]:
            got = got & part.vec(env)
        return got


class _Any(Node):
    __slots__ = ("parts",)

    def __init__(self, parts: list[Node]) -> None:
        self.parts = parts

    def row(self, ctx: Any, out: Matched) -> bool:
        for part in self.parts:
            tmp = Matched()
            if part.row(ctx, tmp):
                out.extend(tmp)
                return True
        return False

    def vec(self, env: Env) -> B:
        got = self.parts[0].vec(env)
        for part in self.parts[1:]:
            got = got | part.vec(env)
        return got


class _Not(Node):
    __slots__ = ("part",)

    def __init__(self, part: Node) -> None:
        self.part = part

    def row(self, ctx: Any, out: Matched) -> bool:
        return not self.part.row(ctx, Matched())

    def vec(self, env: Env) -> B:
        return ~self.part.vec(env)


# ---------------------------------------------------------------- comparisons
class _Compare(Node):
    __slots__ = ("left", "name", "right")

    def __init__(self, name: str, left: Any, right: Any) -> None:
        self.name, self.left, self.right = name, _operand(left), _operand(right)

    def row(self, ctx: Any, out: Matched) -> bool:
        a, b = self.left.row(ctx), self.right.row(ctx)
        ok = compare(self.name, a, b)
        if ok:
            shown = repr(a)
            if is_number(a) and is_number(b):
                shown = num(round(a, PRECISION))  # the display rule, unless it hides a strict comparison
                if self.name in ("gt", "lt", "ne") and float(shown) == b:
                    shown = f"{round(a, PRECISION):.9g}"
            out.facts.append(f"{self.left.text} = {shown} {SYMBOL[self.name]} {self.right.text}")
        return ok

    def vec(self, env: Env) -> B:
        if self.left.attribute is not None or self.right.attribute is not None:
            return self._attributes(env)
        left, right = self.left, self.right
        a, b = left.vec(env), right.vec(env)
        dyn_a, dyn_b = isinstance(a, np.ndarray), isinstance(b, np.ndarray)
        num_a, num_b = dyn_a or is_number(a), dyn_b or is_number(b)
        if num_a and num_b:
            ra = (a if left.is_rounded(env) else rnd(a.astype(np.float64))) if dyn_a else round(a, PRECISION)
            rb = (b if right.is_rounded(env) else rnd(b.astype(np.float64))) if dyn_b else round(b, PRECISION)
            hit: B = np.broadcast_to(np.asarray(OPERATORS[self.name](ra, rb), np.bool_), (env.n,)).copy()
            return hit
        if num_a != num_b or (type(a) is not type(b) and self.name not in ("eq", "ne")):
            return np.full(env.n, self.name == "ne")
        try:
            ok = bool(OPERATORS[self.name](a, b))
        except TypeError:
            ok = False
        return np.full(env.n, ok)

    def _attributes(self, env: Env) -> B:
        name, left, right = self.name, self.left, self.right
        if left.attribute is not None and isinstance(right, _Const):
            value = right.value
            return env.per_value(left.attribute, lambda v: compare(name, v, value))
        if right.attribute is not None and isinstance(left, _Const):
            value = left.value
            return env.per_value(right.attribute, lambda v: compare(name, value, v))
        a, b = _values(env, left), _values(env, right)
        return np.fromiter((compare(name, x, y) for x, y in zip(a, b, strict=True)), np.bool_, env.n)


def _values(env: Env, op: _Operand) -> list[Any]:
    """An operand's value per row, as Python values."""
    got = op.vec(env)
    values: list[Any] = got if isinstance(got, list) else np.broadcast_to(got, (env.n,)).tolist()
    return values


# ---------------------------------------------------------------- attributes and flags
class _In(Node):
    __slots__ = ("match", "name")

    def __init__(self, name: str, values: tuple[Any, ...]) -> None:
        self.name, self.match = name, SetMatcher(values)

    def row(self, ctx: Any, out: Matched) -> bool:
        value = ctx.attribute(self.name)
        if self.match(value):
            out.facts.append(f"attribute {self.name} = {value!r} is in the set")
            return True
        return False

    def vec(self, env: Env) -> B:
        return env.per_value(self.name, self.match)


class _Prefix(Node):
    __slots__ = ("match", "name")

    def __init__(self, name: str, prefixes: tuple[str, ...]) -> None:
        self.name, self.match = name, PrefixMatcher(prefixes)

    def row(self, ctx: Any, out: Matched) -> bool:
        value = ctx.attribute(self.name)
        found = self.match(value)
        if found is not None:
            out.facts.append(f"attribute {self.name} = {value!r} starts with {found!r}")
            return True
        return False

    def vec(self, env: Env) -> B:
        match = self.match
        return env.per_value(self.name, lambda v: match(v) is not None)


class _MissingAttribute(Node):
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def row(self, ctx: Any, out: Matched) -> bool:
        if ctx.attribute(self.name) is None:
            out.facts.append(f"attribute {self.name} not provided")
            return True
        return False

    def vec(self, env: Env) -> B:
        return env.attribute_missing(self.name)


class _Flag(Node):
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def row(self, ctx: Any, out: Matched) -> bool:
        if ctx.flag(self.name):
            out.facts.append(f"{self.name} is true")
            return True
        return False

    def vec(self, env: Env) -> B:
        return np.array(getattr(env.cols, self.name), np.bool_)


class _Missing(Node):
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def row(self, ctx: Any, out: Matched) -> bool:
        if ctx.missing(self.name):
            out.facts.append(f"{self.name} not provided")
            return True
        return False

    def vec(self, env: Env) -> B:
        return np.array(env.missing(self.name), np.bool_)


_BUILD: dict[type, Callable[[Any], Node]] = {
    m.All: lambda c: _All([compile_condition(x) for x in c.all]),
    m.Any_: lambda c: _Any([compile_condition(x) for x in c.any]),
    m.Not: lambda c: _Not(compile_condition(c.not_)),
    m.Compare: lambda c: _Compare(c.op[0], *c.op[1]),
    m.Flag: lambda c: _Flag(c.flag),
    m.Missing: lambda c: _Missing(c.missing) if c.attribute is None else _MissingAttribute(c.attribute),
    m.In: lambda c: _In(c.attribute, c.in_[1]),
    m.Prefix: lambda c: _Prefix(c.attribute, c.prefixes),
    m.CountryIn: lambda c: CountryIn(c.country_in),
    m.ProductIn: lambda c: ProductIn(c.product_in),
}


def compile_condition(cond: Any) -> Node:
    """Turn a validated condition model into an evaluation tree (done once per policy)."""
    build = _BUILD.get(type(cond))
    if build is None:
        raise TypeError(f"not a condition: {cond!r}")
    return build(cond)
