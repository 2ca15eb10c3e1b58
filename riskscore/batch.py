"""Bulk scoring: one compiled policy, numpy arrays in, numpy arrays out, explanations on demand.

:meth:`riskscore.Policy.score_many` scores many counterparties with the same numbers as
:meth:`~riskscore.Policy.score` (scores to 1e-9, the same tiers and fired rules): the
policy is compiled once per as-of date into arrays indexed by country number (country
risk, list membership per ``country_in`` condition) and by product number (``product_in``
conditions); the counterparties become :class:`~riskscore.columns.Columns`; each rule and
condition is then a handful of numpy operations over all rows, with ``reduceat``-style
aggregations over the ragged owners, partners, operations and products. Sums that the
engine adds left to right are added left to right here too, and rounding to 9 decimals
reproduces Python's ``round`` exactly.

Every rule kind and condition is vectorised. Conditions on custom attributes of a policy
that declares them (``attributes:``) read object columns and are decided once per distinct
value with the row engine's own predicates; a policy that reads attributes without
declaring them is scored by the per-row engine, and the result says so
(``mode == "per-row"``, ``fallback_reason``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel

from . import conditions as cond
from .attributes import column_issues
from .columns import COUNTRIES, PRODUCTS, Columns, Ragged, build_columns
from .conditions import OPERATORS, PRECISION
from .counterparty import Counterparty
from .errors import CounterpartyError, FieldIssue
from .policy_model import ConditionRule, CountryRiskRule, ExposureRule, OwnershipRule, Rule
from .result import Result, ResultWarning, unknown_status

if TYPE_CHECKING:
    from .engine import Engine

__all__ = ["BatchError", "BatchResult", "score_many"]

F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]
I64 = npt.NDArray[np.int64]
I8 = npt.NDArray[np.int8]

KERNEL_ROWS = 16000  # rows per pass: bounds temporary memory; float64 arrays stay under 128 KiB (no mmap)


class BatchError(CounterpartyError):
    """Some counterparties of a batch are invalid; ``errors`` holds one error per bad row.

    Each error's ``index`` is the row's position in the input and its ``issues`` carry the
    field paths, as for :meth:`riskscore.Policy.score`.
    """

    def __init__(self, errors: list[CounterpartyError]) -> None:
        self.errors = sorted(errors, key=lambda e: e.index or 0)
        issues = [
            FieldIssue(f"[{e.index}]" + (f".{i.path}" if i.path else ""), i.message, i.value, i.code)
            for e in self.errors
            for i in e.issues
        ]
        super().__init__(issues)
        self.args = (f"{len(self.errors)} invalid counterparties: " + "; ".join(str(i) for i in issues[:20]),)


# ---------------------------------------------------------------- exact arithmetic
_SPLIT = 134217729.0  # 2**27 + 1: Dekker's splitting constant


def rnd(x: F64) -> F64:
    """``round(x, 9) + 0.0`` element-wise, bit for bit as Python's ``round``.

    ``rint(x * 1e9) / 1e9`` is right wherever ``x * 1e9`` is not within its rounding error
    of a half; for the few values that are, :func:`_rnd_exact` decides.
    """
    p = x * 1e9
    n = np.rint(p)
    near = np.abs(p - np.floor(p) - 0.5) < 1e-4
    if near.any():
        idx = np.flatnonzero(near)
        n[idx] = _rnd_exact(x[idx])
    out: F64 = n / 1e9 + 0.0
    big = np.abs(x) >= 1e6
    if big.any():
        idx = np.flatnonzero(big)
        out[idx] = [round(v, PRECISION) + 0.0 for v in x[idx].tolist()]
    return out


def _rnd_exact(x: F64) -> F64:
    """``round(x, 9) * 1e9`` as Python would round it: the integer ``n`` of the result.

    Python rounds the exact decimal value of ``x`` (half to even), so ``rint(x * 1e9)``,
    which rounds the already-rounded product, can differ near halves. Here the product's
    rounding error is recovered exactly (Dekker: 1e9 has 21 significant bits, so both
    partial products are exact) and decides the direction; ``n / 1e9`` is then the double
    nearest to the decimal result, as Python returns.
    """
    p = x * 1e9
    c = _SPLIT * x
    hi = c - (c - x)
    err = (hi * 1e9 - p) + (x - hi) * 1e9  # x * 1e9 == p + err exactly
    f = np.floor(p)
    d = (p - f - 0.5) + err  # sign of (exact product - f - 1/2)
    n: F64 = f + (d > 0)
    tie = d == 0
    if tie.any():  # an exact decimal half (x = k / 2**m): half to even, as Python
        n[tie] += f[tie] % 2.0
    return n


def rnd_fsum(terms: list[F64]) -> F64:
    """``round(math.fsum(row), 9) + 0.0`` per row of the columns ``terms``.

    The left-to-right sum differs from ``fsum`` by at most ``len(terms)`` ulps of the sum of
    the terms' magnitudes, which can matter only where the ninth decimal is that close to a
    half. Those rows (rare for scores of a few hundred points; more for huge values) are
    summed exactly with ``math.fsum``, so the result is Python's, bit for bit.
    """
    s = terms[0]
    for x in terms[1:]:
        s = s + x
    p = s * 1e9
    mag = np.abs(terms[0])
    for x in terms[1:]:
        mag = mag + np.abs(x)
    tol = 1e-3 + 1e9 * (len(terms) + 1) * np.spacing(mag)
    near = np.abs(p - np.floor(p) - 0.5) < tol
    if near.any():
        idx = np.flatnonzero(near)
        s = s.copy()
        s[idx] = [math.fsum(row) for row in zip(*(t[idx].tolist() for t in terms), strict=True)]
    return rnd(s)


class _Rows:
    """Per-chunk derived arrays of one ragged field (lengths, non-empty rows, row of each item)."""

    def __init__(self, rag: Ragged, n: int) -> None:
        self.rag = rag
        self.n = n
        self.lengths = rag.lengths
        self.nonempty = self.lengths > 0
        self._items: I64 | None = None

    @property
    def items(self) -> I64:
        if self._items is None:
            self._items = self.rag.rows()
        return self._items

    def max(self, values: F64, default: float) -> F64:
        """Maximum per row (``default`` for empty rows) of non-negative item values."""
        out = np.zeros(self.n)
        if len(values):
            if values.min() < 0:  # not for risk points; kept general
                out[self.nonempty] = np.maximum.reduceat(values, self.rag.offsets[:-1][self.nonempty])
            else:
                np.maximum.at(out, self.items, values)
        if default != 0 and not self.nonempty.all():
            out[~self.nonempty] = default
        return out

    def any(self, mask: B) -> B:
        out = np.zeros(self.n, np.bool_)
        out[self.items[mask]] = True
        return out

    def ordered_sum(self, values: F64) -> F64:
        """Left-to-right sum per row from 0.0, exactly as ``total += x`` adds.

        ``np.add.at`` applies the additions one by one in item order (``reduceat`` would
        add in another order and differ in the last bits).
        """
        out = np.zeros(self.n)
        if len(values):
            np.add.at(out, self.items, values)
        return out


def _is_r(v: float | None) -> bool:
    """True when ``round(v, 9)`` leaves ``v`` unchanged (no need to round again)."""
    return v is None or round(v, PRECISION) + 0.0 == v


def _rule_rounded(rule: Rule, risk_rounded: bool) -> bool:
    """True when a rule's points are always already rounded to 9 decimals."""
    if isinstance(rule, ConditionRule):
        return _is_r(rule.points)
    if isinstance(rule, CountryRiskRule) and not risk_rounded:
        return False
    return _is_r(getattr(rule, "missing_points", None)) and _is_r(getattr(rule, "empty_points", None))


# ---------------------------------------------------------------- the compiled policy
_UNSUPPORTED = "the policy reads custom attributes without declaring them (attributes:), so they are untyped"


def fallback_reason(engine: Engine) -> str | None:
    """Why this policy cannot be vectorised (None: it can)."""
    whens = [r.when for f in engine.model.factors for r in f.rules if isinstance(r, ConditionRule)]
    whens += [o.when for o in engine.model.overrides]
    if engine.model.attributes is None and any(cond.attribute_reads(when) for when in whens):
        return _UNSUPPORTED
    return None


class DatePlan:
    """Everything the kernel needs for one as-of date: arrays indexed by country/product number."""

    def __init__(self, engine: Engine, as_of: date) -> None:
        self.engine = engine
        self.as_of = as_of
        self.risk = np.zeros(0)
        self.risk_rounded = True
        self._members: dict[Any, B] = {}
        self._products: dict[Any, B] = {}
        self._unknown = np.zeros(0, np.bool_)

    def country_risk(self) -> F64:
        """Risk points per country number."""
        codes = COUNTRIES.codes
        if len(self.risk) < len(codes):
            snap = self.engine.snapshot(self.as_of)
            extra = [snap.country(c).points for c in codes[len(self.risk) :]]
            self.risk = np.concatenate([self.risk, np.array(extra, np.float64)])
            self.risk_rounded = bool((rnd(self.risk) == self.risk).all())
        return self.risk

    def country_member(self, spec: cond.CountryInSpec) -> B:
        """Per country number: is it (or its country) on one of ``spec``'s lists."""
        key = (tuple(spec.lists), None if spec.categories is None else tuple(spec.categories))
        codes = COUNTRIES.codes
        have = self._members.get(key, np.zeros(0, np.bool_))
        if len(have) < len(codes):
            extra = [self._listed(c, spec) for c in codes[len(have) :]]
            have = np.concatenate([have, np.array(extra, np.bool_)])
            self._members[key] = have
        return have

    def _listed(self, code: str, spec: cond.CountryInSpec) -> bool:
        # the engine's answer (a subdivision matches through its own listing or its country's)
        return bool(self.engine.snapshot(self.as_of).matches(spec, code))

    def country_unknown(self) -> B:
        """Per country number: has it no recorded status, on the date, on a country-risk list
        without ``unknown_points``."""
        codes = COUNTRIES.codes
        have = self._unknown
        if len(have) < len(codes):
            snap = self.engine.snapshot(self.as_of)
            extra = [bool(snap.country(c).unknown) for c in codes[len(have) :]]
            have = self._unknown = np.concatenate([have, np.array(extra, np.bool_)])
        return have

    def product_member(self, spec: cond.ProductInSpec) -> B:
        """Per product number: does the HS code match a listed entry of ``spec.list``."""
        key = (spec.list, None if spec.categories is None else tuple(spec.categories))
        codes = PRODUCTS.codes
        have = self._products.get(key, np.zeros(0, np.bool_))
        if len(have) < len(codes):
            extra = [self._product_listed(c, spec) for c in codes[len(have) :]]
            have = np.concatenate([have, np.array(extra, np.bool_)])
            self._products[key] = have
        return have

    def _product_listed(self, code: str, spec: cond.ProductInSpec) -> bool:
        lst = self.engine.lists.get(spec.list)
        if lst is None:
            return False
        for _, m in self.engine.snapshot(self.as_of).product(lst, code):
            if m.period is not None and (spec.categories is None or m.period.category in spec.categories):
                return True
        return False


def _row_codes(cols: Columns, k: int, fields: Sequence[str]) -> list[list[str]]:
    """The country codes of column row ``k``, one list per field of ``fields``."""
    codes = COUNTRIES.codes
    out: list[list[str]] = []
    for name in fields:
        if name == "incorporation":
            inc = int(cols.incorporation[k])
            out.append([codes[inc]] if inc >= 0 else [])
        else:
            rag: Ragged = getattr(cols, name)
            out.append([codes[v] for v in rag.values[rag.offsets[k] : rag.offsets[k + 1]].tolist()])
    return out


def _plan(engine: Engine, as_of: date) -> DatePlan:
    snap = engine.snapshot(as_of)
    if snap.batch is None:
        snap.batch = DatePlan(engine, as_of)
    plan: DatePlan = snap.batch
    return plan


# ---------------------------------------------------------------- the kernel
_OPS = OPERATORS


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


class _Env:
    """One kernel pass over ``n`` rows: the columns, the date's arrays and factor values so far."""

    def __init__(self, plan: DatePlan, cols: Columns) -> None:
        self.plan = plan
        self.cols = cols
        self.n = n = len(cols)
        self.risk = plan.country_risk()
        self.inc_missing = cols.incorporation < 0
        self.inc_risk = np.where(self.inc_missing, 0.0, self.risk[cols.incorporation])
        self.rows = {
            name: _Rows(getattr(cols, name), n) for name in ("operations", "owners", "trade_partners", "products")
        }
        self._item_risk: dict[str, F64] = {}
        self.factors: dict[str, F64] = {}
        self.weighted = np.zeros(n)
        self.error: list[tuple[B, str, str]] = []

    def item_risk(self, name: str) -> F64:
        got = self._item_risk.get(name)
        if got is None:
            got = self._item_risk[name] = self.risk[getattr(self.cols, name).values]
        return got

    def missing(self, name: str) -> B:
        if name == "incorporation":
            return self.inc_missing
        missing: B = getattr(self.cols, name).missing
        return missing

    # -- rules: (points, fired)
    def rule(self, rule: Rule) -> tuple[F64, B]:
        if isinstance(rule, CountryRiskRule):
            return self._country_rule(rule)
        if isinstance(rule, OwnershipRule):
            return self._ownership_rule(rule)
        if isinstance(rule, ExposureRule):
            return self._exposure_rule(rule)
        fired = self.test(rule.when)
        pts = np.full(self.n, rule.points)
        gaps = self.plan.engine.attribute_gaps.get(rule.id)
        if gaps:  # as the engine: absent attributes score at least their missing_points
            absent = np.zeros(self.n, np.bool_)
            missing = np.zeros(self.n)
            for name, gap in gaps:
                here = self.attribute_missing(name)
                absent |= here
                missing = np.where(here, np.maximum(missing, gap), missing)
            take = absent & (~fired | (missing > rule.points))
            pts = np.where(take, missing, pts)
            fired = fired | absent
        return pts, fired

    def attribute(self, name: str) -> list[Any]:
        """The values of attribute ``name`` per row (``None``: not given)."""
        values = self.cols.attributes.get(name)
        return [None] * self.n if values is None else values.tolist()

    def attribute_missing(self, name: str) -> B:
        values = self.cols.attributes.get(name)
        if values is None:
            return np.ones(self.n, np.bool_)
        return _is_none(values)

    def _per_value(self, name: str, predicate: Any) -> B:
        """``predicate(value)`` per row, decided once per distinct value of the attribute."""
        values = self.cols.attributes.get(name)
        out: B = np.full(self.n, bool(predicate(None)), np.bool_)  # rows that do not give it
        if values is None:
            return out
        given = np.flatnonzero(~_is_none(values))
        if given.size:
            index: dict[tuple[type, Any], int] = {}
            keys = (index.setdefault((type(v), v), len(index)) for v in values[given].tolist())
            codes = np.fromiter(keys, np.int64, given.size)
            out[given] = np.array([bool(predicate(v)) for _, v in index], np.bool_)[codes]
        return out

    def _attribute_compare(self, name: str, left: Any, right: Any) -> B:
        if isinstance(left, cond.AttributeRef) and not isinstance(right, BaseModel):
            return self._per_value(left.attribute, lambda v: cond.compare(name, v, right))
        if isinstance(right, cond.AttributeRef) and not isinstance(left, BaseModel):
            return self._per_value(right.attribute, lambda v: cond.compare(name, left, v))
        a, b = self._operand_values(left), self._operand_values(right)
        return np.fromiter((cond.compare(name, x, y) for x, y in zip(a, b, strict=True)), np.bool_, self.n)

    def _operand_values(self, op: Any) -> list[Any]:
        if isinstance(op, cond.AttributeRef):
            return self.attribute(op.attribute)
        value = self._value(op)
        values: list[Any] = value.tolist()
        return values

    def _missing(self, rule: Rule, field: str, mask: B, empty: B | None = None) -> float:
        missing: float | None = getattr(rule, "missing_points", None)
        if missing is None:
            if empty is not None and (mask & empty).any():  # listed first: a row's first error is the one kept
                msg = f"required by rule '{rule.id}' of the policy (an empty list is not accepted)"
                self.error.append((mask & empty, field, msg))
            if mask.any():
                msg = f"required by rule '{rule.id}' of the policy (it sets no missing_points)"
                self.error.append((mask, field, msg))
            return 0.0
        return missing

    def _country_rule(self, rule: CountryRiskRule) -> tuple[F64, B]:
        missing = self.missing(rule.field)
        mp = self._missing(rule, rule.field, missing)
        if rule.field == "incorporation":
            return np.where(missing, mp, self.inc_risk), np.ones(self.n, np.bool_)
        rows = self.rows[rule.field]
        empty = ~missing & ~rows.nonempty
        pts = rows.max(self.item_risk(rule.field), rule.empty_points)
        pts[missing] = mp
        fired = ~(empty & (rule.empty_points == 0))
        return pts, fired

    def _ownership_rule(self, rule: OwnershipRule) -> tuple[F64, B]:
        rows = self.rows["owners"]
        missing = self.cols.owners.missing
        empty = ~missing & ~rows.nonempty
        as_missing = missing | empty if rule.empty_points is None else missing
        mp = self._missing(rule, "owners", as_missing, empty if rule.empty_points is None else None)
        pts = rnd(self._per_country_max(rule.saturation))  # max of rounded = rounded max (rounding is monotonic)
        if rule.empty_points is not None:
            pts[empty] = rule.empty_points
        pts[as_missing] = mp
        return pts, np.ones(self.n, np.bool_)

    def _per_country_max(self, saturation: float) -> F64:
        """Per row: max over its owners' countries of risk x min(1, summed share / saturation).

        The shares of one row's owners in one country are added up left to right (one
        ``np.add.at`` in item order), as the engine's ``total += share`` does.
        """
        rag = self.cols.owners
        assert rag.shares is not None
        out = np.zeros(self.n)
        if not len(rag.values):
            return out
        ncountries = len(self.risk)
        groups, inverse = np.unique(self.rows["owners"].items * ncountries + rag.values, return_inverse=True)
        total = np.zeros(len(groups))
        np.add.at(total, inverse.reshape(-1), rag.shares)
        values = self.risk[groups % ncountries] * np.minimum(1.0, total / saturation)
        np.maximum.at(out, groups // ncountries, values)  # values are >= 0, so 0.0 is a neutral start
        return out

    def _exposure_rule(self, rule: ExposureRule) -> tuple[F64, B]:
        rag: Ragged = getattr(self.cols, rule.field)
        mp = self._missing(rule, rule.field, rag.missing)
        assert rag.shares is not None
        total = self.rows[rule.field].ordered_sum(rag.shares * self.item_risk(rule.field))
        pts = np.minimum(100.0, rnd(total))
        fired = rag.missing | (pts != 0)
        pts[rag.missing] = mp
        return pts, fired

    # -- conditions
    def test(self, c: Any) -> B:
        if isinstance(c, cond.All):
            out = self.test(c.all[0])
            for part in c.all[1:]:
                out = out & self.test(part)
            return out
        if isinstance(c, cond.Any_):
            out = self.test(c.any[0])
            for part in c.any[1:]:
                out = out | self.test(part)
            return out
        if isinstance(c, cond.Not):
            return ~self.test(c.not_)
        if isinstance(c, cond.Compare):
            name, (left, right) = c.op
            if isinstance(left, cond.AttributeRef) or isinstance(right, cond.AttributeRef):
                return self._attribute_compare(name, left, right)
            return self._compare(*c.op)
        if isinstance(c, cond.Flag):
            flag: B = getattr(self.cols, c.flag)
            return np.array(flag, np.bool_)
        if isinstance(c, cond.Missing):
            if isinstance(c.missing, cond.AttributeRef):
                return self.attribute_missing(c.missing.attribute)
            return np.array(self.missing(c.missing), np.bool_)
        if isinstance(c, cond.In):
            return self._per_value(c.attribute, cond.SetMatcher(c.in_[1]))
        if isinstance(c, cond.Prefix):
            match = cond.PrefixMatcher(c.prefixes)
            return self._per_value(c.attribute, lambda v: match(v) is not None)
        if isinstance(c, cond.CountryIn):
            return self._country_in(c.country_in)
        if isinstance(c, cond.ProductIn):
            member = self.plan.product_member(c.product_in)
            return self.rows["products"].any(member[self.cols.products.values])
        raise TypeError(f"not a condition: {c!r}")

    def _value(self, op: Any) -> Any:
        if isinstance(op, cond.FactorRef):
            return self.factors[op.factor]
        if isinstance(op, cond.RiskRef):
            if op.risk == "incorporation":
                return self.inc_risk
            return self.rows[op.risk].max(self.item_risk(op.risk), 0.0)
        if isinstance(op, cond.CountRef):
            return self.rows[op.count].lengths
        if isinstance(op, cond.ScoreRef):
            return self.weighted
        return op

    def _rounded(self, op: Any) -> bool:
        if isinstance(op, cond.RiskRef):
            return self.plan.risk_rounded
        return isinstance(op, (cond.FactorRef, cond.ScoreRef, cond.CountRef))

    def _compare(self, name: str, pair: list[Any]) -> B:
        left, right = pair
        a, b = self._value(left), self._value(right)
        dyn_a, dyn_b = isinstance(a, np.ndarray), isinstance(b, np.ndarray)
        num_a, num_b = dyn_a or _is_num(a), dyn_b or _is_num(b)
        if num_a and num_b:
            ra = (a if self._rounded(left) else rnd(a.astype(np.float64))) if dyn_a else round(a, PRECISION)
            rb = (b if self._rounded(right) else rnd(b.astype(np.float64))) if dyn_b else round(b, PRECISION)
            hit: B = np.broadcast_to(np.asarray(_OPS[name](ra, rb), np.bool_), (self.n,)).copy()
            return hit
        if num_a != num_b or (type(a) is not type(b) and name not in ("eq", "ne")):
            return np.full(self.n, name == "ne")
        try:
            ok = bool(_OPS[name](a, b))
        except TypeError:
            ok = False
        return np.full(self.n, ok)

    def _country_in(self, spec: cond.CountryInSpec) -> B:
        member = self.plan.country_member(spec)
        fields = ("incorporation", "operations", "owners", "trade_partners") if spec.field == "any" else (spec.field,)
        out = np.zeros(self.n, np.bool_)
        for name in fields:
            if name == "incorporation":
                out |= ~self.inc_missing & member[self.cols.incorporation]
                continue
            rag: Ragged = getattr(self.cols, name)
            hit = member[rag.values]
            rows = self.rows[name]
            got = rows.any(hit)
            if rag.shares is not None and spec.min_share > 0:
                # the shares of all matching items count together (the engine adds them in item order)
                got &= rnd(rows.ordered_sum(np.where(hit, rag.shares, 0.0))) >= spec.min_share
            out |= got
        return out


@dataclass
class _Out:
    """Arrays of one kernel pass."""

    score: F64
    before: F64
    factors: F64
    contributions: F64
    fired: B
    overrides: B
    error: list[tuple[int, str, str]]
    rounded: bool


def _kernel(engine: Engine, plan: DatePlan, cols: Columns, dest: BatchResult | None, lo: int) -> _Out:
    """Score the rows of ``cols``; matrices go straight into ``dest`` rows ``lo:`` when given."""
    env = _Env(plan, cols)
    n = env.n
    model = engine.model
    nrules = sum(len(f.rules) for f in model.factors)
    if dest is not None:  # column-major views: one rule/factor per contiguous column
        fired_all, factor_values = dest.fired[lo : lo + n], dest.factors[lo : lo + n]
        contrib, ov_fired = dest.contributions[lo : lo + n], dest.overrides[lo : lo + n]
    else:
        fired_all = np.zeros((n, nrules), np.bool_, order="F")
        factor_values = np.zeros((n, len(model.factors)), order="F")
        contrib = np.zeros((n, len(model.factors)), order="F")
        ov_fired = np.zeros((n, len(model.overrides)), np.bool_, order="F")
    terms: list[F64] = []
    r = 0
    for fi, factor in enumerate(model.factors):
        evaluated = []
        rounded = True
        for rule in factor.rules:
            pts, fired = env.rule(rule)
            fired_all[:, r] = fired
            evaluated.append((pts, fired))
            gaps = engine.attribute_gaps.get(rule.id, ())
            rounded = rounded and _rule_rounded(rule, plan.risk_rounded) and all(_is_r(g) for _, g in gaps)
            r += 1
        counted_list: list[F64] = []
        if len(evaluated) == 1 and (factor.combine == "max" or rounded):
            pts, fired = evaluated[0]
            value = pts if factor.combine == "max" else np.minimum(pts, 100.0)
            if not fired.all():
                value = np.where(fired, value, 0.0)
            counted_list.append(value)
        elif factor.combine == "max":
            value = np.zeros(n)
            anyf = np.zeros(n, np.bool_)
            for pts, fired in evaluated:
                value = np.where(fired & (~anyf | (pts > value)), pts, value)
                anyf |= fired
            taken = np.zeros(n, np.bool_)
            for pts, fired in evaluated:
                win = fired & ~taken & (pts == value)
                taken |= win
                counted_list.append(np.where(win, pts, 0.0))
        else:
            rounded = True
            value = np.zeros(n)
            for pts, fired in evaluated:
                counted = np.where(fired, rnd(np.minimum(pts, 100.0 - value)), 0.0)
                value = np.where(fired, rnd(value + counted), value)
                counted_list.append(counted)
        factor_terms = [factor.weight * c for c in counted_list]
        terms.extend(factor_terms)
        contrib[:, fi] = sum(factor_terms[1:], factor_terms[0])
        env.factors[factor.id] = factor_values[:, fi] = value if rounded else rnd(value)
    weighted = np.minimum(100.0, rnd_fsum(terms))
    env.weighted = weighted
    score = weighted
    tier_min = {t.id: t.min for t in engine.tiers}
    for i in engine.override_order:
        ov = model.overrides[i]
        mask = env.test(ov.when)
        ov_fired[:, i] = mask
        if not mask.any():
            continue
        if ov.action == "prohibit":
            new = np.full(n, 100.0)
        elif ov.action == "add":
            assert ov.points is not None
            new = np.minimum(100.0, np.maximum(0.0, rnd(score + ov.points)))
        elif ov.action == "cap":
            assert ov.score is not None
            new = np.minimum(score, ov.score)
        else:
            bound = tier_min[ov.tier] if ov.tier is not None else ov.score
            assert bound is not None
            new = np.maximum(score, bound)
        score = np.where(mask, new, score)
    errors: list[tuple[int, str, str]] = []
    if env.error:
        seen: set[int] = set()
        for mask, field, msg in env.error:
            for row in np.flatnonzero(mask).tolist():
                if row not in seen:
                    seen.add(row)
                    errors.append((row, field, msg))
    rounded = all(_is_r(o.score) for o in model.overrides) and all(_is_r(t.min) for t in engine.tiers)
    return _Out(score, weighted, factor_values, contrib, fired_all, ov_fired, errors, rounded)


def _slice(rag: Ragged, lo: int, hi: int) -> Ragged:
    a, b = int(rag.offsets[lo]), int(rag.offsets[hi])
    shares = None if rag.shares is None else rag.shares[a:b]
    return Ragged(rag.values[a:b], rag.offsets[lo : hi + 1] - a, rag.missing[lo:hi], shares)


def _rows(cols: Columns, lo: int, hi: int) -> Columns:
    if lo == 0 and hi == len(cols):
        return cols
    return Columns(
        cols.ids[lo:hi],
        cols.incorporation[lo:hi],
        _slice(cols.operations, lo, hi),
        _slice(cols.owners, lo, hi),
        _slice(cols.trade_partners, lo, hi),
        _slice(cols.products, lo, hi),
        cols.pep[lo:hi],
        cols.sanctions_hit[lo:hi],
        attributes={k: v[lo:hi] for k, v in cols.attributes.items()},
    )


def _tiers(mins: F64, scores: F64) -> I8:
    """Tier number of each (rounded) score: the highest tier whose minimum is <= the score."""
    out = np.zeros(len(scores), np.int8)
    for m in mins[1:].tolist():
        out += scores >= m
    return out


# ---------------------------------------------------------------- the result
def _is_none(values: npt.NDArray[Any]) -> B:
    """Which entries of an object array are None (compared in C, not in a Python loop)."""
    out: B = np.asarray(values == None, dtype=np.bool_)  # noqa: E711  (elementwise on an object array)
    return out


class BatchResult:
    """Scores of many counterparties as arrays; ``batch[i]`` is the :class:`~riskscore.Result`.

    Arrays have one row per input counterparty, in input order. Rows of invalid
    counterparties (``errors="collect"``) have ``ok`` false, a NaN score and tier -1.

    Attributes:
        scores: final scores (``float64``).
        tiers: tier numbers (``int8``), indexes into ``tier_ids``.
        scores_before_overrides, tiers_before_overrides: the weighted score and its tier.
        factors: ``(n, len(factor_ids))`` factor values, 0..100.
        contributions: ``(n, len(factor_ids))`` weighted points each factor added.
        fired: ``(n, len(rule_ids))`` which rules fired (have a contribution).
        overrides: ``(n, len(override_ids))`` which overrides applied.
        ids: the counterparty ids (``None`` for invalid rows).
        errors: one :class:`~riskscore.CounterpartyError` per invalid row (``index`` set).
        mode: ``"vectorised"`` or ``"per-row"`` (then ``fallback_reason`` says why).
        as_of, fingerprint: the date scored and the policy's fingerprint, as on every row.
        warnings: the :class:`~riskscore.ResultWarning` list of the whole batch: the date's
            ``stale-list`` and ``no-history`` warnings (on every row too), then one
            ``unknown-status`` per list naming every country (sorted) of the valid rows that has
            no recorded status on it; :meth:`row_warnings` gives each row's own.
    """

    def __init__(
        self,
        engine: Engine,
        as_of: date,
        n: int,
        source: Sequence[Any] | Columns,
        rows: I64 | None,
        mode: Literal["vectorised", "per-row"],
        fallback_reason: str | None,
    ) -> None:
        model = engine.model
        self._engine = engine
        self._source = source
        self._rows = rows
        self.as_of = as_of
        self.fingerprint = engine.fingerprint
        self.warnings: list[ResultWarning] = []
        self._cols: Columns | None = None  # the columns scored (vectorised mode)
        self._col_of: dict[int, int] | None = None  # input row -> column row, when they differ
        self._unknown: dict[str, set[str]] = {}  # per-row mode: list id -> unknown countries seen
        self._annotate: Any = None  # with a network: adds each row's network proofs (Policy.score_many)
        self.mode = mode
        self.fallback_reason = fallback_reason
        self.tier_ids = [t.id for t in engine.tiers]
        self.factor_ids = [f.id for f in model.factors]
        self.rule_ids = [r.id for f in model.factors for r in f.rules]
        self.override_ids = [o.id for o in model.overrides]
        self.scores = np.full(n, np.nan)
        self.scores_before_overrides = np.full(n, np.nan)
        self.tiers = np.full(n, -1, np.int8)
        self.tiers_before_overrides = np.full(n, -1, np.int8)
        self.factors = np.zeros((n, len(self.factor_ids)), order="F")
        self.contributions = np.zeros((n, len(self.factor_ids)), order="F")
        self.fired = np.zeros((n, len(self.rule_ids)), np.bool_, order="F")
        self.overrides = np.zeros((n, len(self.override_ids)), np.bool_, order="F")
        self.ok = np.zeros(n, np.bool_)
        self.ids: list[str | None] = [None] * n
        self.errors: list[CounterpartyError] = []
        self._error_of: dict[int, CounterpartyError] = {}
        self.input_ids: list[Any] | None = None  # the ids as given (frames: refused rows keep theirs)
        self.index: Any = None  # the input DataFrame's index, kept by to_pandas

    def __len__(self) -> int:
        return len(self.scores)

    def __repr__(self) -> str:
        return f"<riskscore.BatchResult {len(self)} rows, {len(self.errors)} errors, {self.mode}, as of {self.as_of}>"

    @property
    def tier_labels(self) -> list[str | None]:
        """Tier ids per row (``None`` for invalid rows)."""
        ids = self.tier_ids
        return [ids[t] if t >= 0 else None for t in self.tiers.tolist()]

    def __getitem__(self, i: int) -> Result:
        """Row ``i`` as the :class:`~riskscore.Result` :meth:`~riskscore.Policy.score` gives."""
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        if i in self._error_of:
            raise self._error_of[i]
        if isinstance(self._source, Columns):
            cp = self._source.counterparty(i)
        else:
            from .counterparty import parse_counterparty

            cp = parse_counterparty(self._source[i], i)
        result = self._engine.score(cp, self.as_of)
        return result if self._annotate is None else self._annotate(result)

    def row_warnings(self, i: int) -> list[ResultWarning]:
        """Row ``i``'s warnings, as :meth:`~riskscore.Policy.score` gives them (``batch[i].warnings``).

        Computed from the columns (no re-scoring); raises the row's error for an invalid row.
        """
        from .engine import unknown_warnings

        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        if i in self._error_of:
            raise self._error_of[i]
        if self._cols is None:
            return self[i].warnings
        snap = self._engine.snapshot(self.as_of)
        if not snap.unknown_lists:
            return list(snap.warnings)
        k = i if self._col_of is None else self._col_of[i]
        return snap.warnings + unknown_warnings(snap, _row_codes(self._cols, k, self._engine.risk_fields))

    def _finish(self) -> None:
        """Set the batch-level warnings once every row is filled."""
        snap = self._engine.snapshot(self.as_of)
        unknown = self._unknown if self._cols is None else self._unknown_countries(snap.unknown_lists)
        lists = {lst.id: lst for lst in snap.unknown_lists}
        self.warnings = snap.warnings + [
            unknown_status(lid, lists[lid].history_from, self.as_of, sorted(unknown[lid]))
            for lid in lists
            if unknown.get(lid)
        ]

    def _unknown_countries(self, unknown_lists: Sequence[Any]) -> dict[str, set[str]]:
        """Per list: the countries of valid rows (in fields whose risk the policy reads) it has no status for."""
        if not unknown_lists:
            return {}
        cols = self._cols
        assert cols is not None
        valid = self.ok if self._rows is None else self.ok[self._rows]
        numbers: list[I64] = []
        for name in self._engine.risk_fields:
            if name == "incorporation":
                numbers.append(cols.incorporation[valid & (cols.incorporation >= 0)].astype(np.int64))
            else:
                rag: Ragged = getattr(cols, name)
                numbers.append(rag.values[valid[rag.rows()]].astype(np.int64))
        touched = np.unique(np.concatenate(numbers)) if numbers else np.zeros(0, np.int64)
        mask = _plan(self._engine, self.as_of).country_unknown()
        snap = self._engine.snapshot(self.as_of)
        codes = COUNTRIES.codes
        out: dict[str, set[str]] = {}
        for num in touched[mask[touched]].tolist():
            code = codes[num]
            for list_id in snap.country(code).unknown:
                out.setdefault(list_id, set()).add(code)
        return out

    def to_pandas(self) -> Any:
        """The batch as a ``pandas.DataFrame``: one row per input row, in input order.

        Columns ``id``, ``ok``, ``score``, ``tier``, ``score_before_overrides``,
        ``tier_before_overrides``, ``factor_<id>`` per factor, ``fired_rules``, ``overrides``,
        ``warnings`` (lists), ``error`` and ``error_path`` (refused rows); ``attrs`` holds the
        fingerprint, as-of date, policy id and version and the batch warnings. A DataFrame
        input's index is kept. Needs the optional ``pandas`` extra; see docs/batch.md.
        """
        from ._export import batch_to_pandas

        return batch_to_pandas(self, self.index)

    def to_arrow(self) -> Any:
        """The batch as a ``pyarrow.Table``, with the columns of :meth:`to_pandas` (nulls on
        refused rows) and the metadata in the schema. Needs the optional ``pyarrow`` extra."""
        from ._export import batch_to_arrow

        return batch_to_arrow(self)

    def explain(self, i: int, *, markdown: bool = False) -> str:
        """The readable explanation of row ``i``, citing sources (see :meth:`riskscore.Result.explain`)."""
        return self[i].explain(markdown=markdown)

    # -- filling
    def _fill(self, at: I64 | slice, out: _Out, tier_mins: F64, matrices: bool) -> None:
        self.scores[at] = out.score
        self.scores_before_overrides[at] = out.before
        self.tiers[at] = _tiers(tier_mins, out.score if out.rounded else rnd(out.score))
        self.tiers_before_overrides[at] = _tiers(tier_mins, out.before)
        if matrices:
            self.factors[at] = out.factors
            self.contributions[at] = out.contributions
            self.fired[at] = out.fired
            self.overrides[at] = out.overrides
        self.ok[at] = True

    def _fail(self, error: CounterpartyError) -> None:
        assert error.index is not None
        self.errors.append(error)
        self._error_of[error.index] = error
        self.ok[error.index] = False
        self.ids[error.index] = None
        self.scores[error.index] = np.nan
        self.tiers[error.index] = -1
        self.tiers_before_overrides[error.index] = -1

    def _fill_result(self, i: int, result: Result) -> None:
        for w in result.warnings:
            if w.code == "unknown-status":
                self._unknown.setdefault(w.list_id, set()).update(w.countries)
        self.ids[i] = result.counterparty_id
        self.scores[i] = result.score
        self.scores_before_overrides[i] = result.score_before_overrides
        self.tiers[i] = self.tier_ids.index(result.tier)
        self.tiers_before_overrides[i] = self.tier_ids.index(result.tier_before_overrides)
        self.factors[i] = [result.factors[f] for f in self.factor_ids]
        fired = {c.rule_id for c in result.contributions}
        self.fired[i] = [r in fired for r in self.rule_ids]
        for c in result.contributions:
            self.contributions[i, self.factor_ids.index(c.factor)] += c.weighted
        applied = {o.override_id for o in result.overrides}
        self.overrides[i] = [o in applied for o in self.override_ids]
        self.ok[i] = True


def score_many(
    engine: Engine,
    counterparties: Iterable[Counterparty | Mapping[str, Any]] | Columns,
    as_of: date,
    errors: Literal["raise", "collect"] = "raise",
) -> BatchResult:
    """Score many counterparties; see :meth:`riskscore.Policy.score_many`."""
    if errors not in ("raise", "collect"):
        raise ValueError(f"errors must be 'raise' or 'collect', got {errors!r}")
    if not isinstance(counterparties, (list, Columns)):
        from ._intake import frame_kind, refuse_unsupported, score_frame

        kind = frame_kind(counterparties)
        if kind is not None:
            return score_frame(engine, counterparties, kind, as_of, errors)
        refuse_unsupported(counterparties)
    reason = engine.batch_fallback if hasattr(engine, "batch_fallback") else fallback_reason(engine)
    engine.batch_fallback = reason
    if isinstance(counterparties, Columns):
        source: Sequence[Any] | Columns = counterparties
        bad: list[CounterpartyError] = []
        cols, rows = counterparties, None
        for row, field, msg in cols.problems():
            if not bad or bad[-1].index != row:
                bad.append(CounterpartyError([FieldIssue(field, msg)], index=row))
        n = len(cols)
    else:
        records = counterparties if isinstance(counterparties, list) else list(counterparties)
        source, n = records, len(records)
        if reason is not None:
            return _per_row(engine, records, as_of, errors, reason)
        specs = engine.model.attributes
        cols, bad, rows = build_columns(records, None if specs is None else list(specs))
        if not bad:
            rows = None
    if reason is not None:
        assert isinstance(source, Columns)
        return _per_row(engine, [source.counterparty(i) for i in range(n)], as_of, errors, reason)
    return score_columns(engine, cols, bad, rows, source, as_of, errors)


def score_columns(
    engine: Engine,
    cols: Columns,
    bad: list[CounterpartyError],
    rows: I64 | None,
    source: Sequence[Any] | Columns,
    as_of: date,
    errors: Literal["raise", "collect"],
) -> BatchResult:
    """Score checked columns (``rows``: each column row's input index, None: the same) of a
    vectorisable policy; ``bad`` are the refused input rows, ``source[i]`` is input row ``i``."""
    n = len(source)
    batch = BatchResult(engine, as_of, n, source, rows, "vectorised", None)
    batch._cols = cols
    if rows is not None:
        batch._col_of = {i: k for k, i in enumerate(rows.tolist())}
    if rows is None:
        batch.ids = list(cols.ids)
    else:
        for k, i in enumerate(rows.tolist()):
            batch.ids[i] = cols.ids[k]
    refused = _attribute_errors(engine, cols, rows, {e.index for e in bad})
    plan = _plan(engine, as_of)
    tier_mins = np.array([t.min for t in engine.tiers])
    for lo in range(0, len(cols), KERNEL_ROWS):
        hi = min(lo + KERNEL_ROWS, len(cols))
        out = _kernel(engine, plan, _rows(cols, lo, hi), batch if rows is None else None, lo)
        at: Any = slice(lo, hi) if rows is None else rows[lo:hi]
        batch._fill(at, out, tier_mins, matrices=rows is not None)
        for row, field, msg in out.error:
            index = lo + row if rows is None else int(rows[lo + row])
            if index not in refused:  # the engine checks attributes first
                batch._fail(CounterpartyError([FieldIssue(field, msg)], index=index))
    for e in [*refused.values(), *bad]:  # after the kernel passes: rows of bad columns were computed, then dropped here
        batch._fail(e)
    batch._finish()
    if errors == "raise" and batch.errors:
        raise BatchError(batch.errors)
    batch.errors.sort(key=lambda e: e.index or 0)
    return batch


def _attribute_errors(
    engine: Engine, cols: Columns, rows: I64 | None, skip: set[int | None]
) -> dict[int, CounterpartyError]:
    """Rows whose attributes break the policy's declarations, by input index (as the engine refuses them)."""
    specs = engine.model.attributes
    if specs is None:
        return {}
    out: dict[int, CounterpartyError] = {}
    for row, issues in sorted(column_issues(specs, cols.attributes, len(cols)).items()):
        index = row if rows is None else int(rows[row])
        if index not in skip:
            out[index] = CounterpartyError(issues, index=index)
    return out


def _per_row(engine: Engine, records: Sequence[Any], as_of: date, errors: str, reason: str) -> BatchResult:
    from .counterparty import parse_counterparty

    batch = BatchResult(engine, as_of, len(records), records, None, "per-row", reason)
    for i, rec in enumerate(records):
        try:
            batch._fill_result(i, engine.score(parse_counterparty(rec, i), as_of))
        except CounterpartyError as exc:
            exc.index = i
            batch._fail(exc)
    batch._finish()
    if errors == "raise" and batch.errors:
        raise BatchError(batch.errors)
    return batch
