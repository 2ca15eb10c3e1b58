"""List-membership conditions, ``country_in`` and ``product_in``, for both evaluators.

Which code is on which list on the date is decided by the date's snapshot (rows) and the
arrays built from it (:class:`riskscore._dateplan.DatePlan`, columns); these nodes only
combine the answers over a counterparty's items: the shares of all matching owners or
partners count together against ``min_share``, a repeated operation or product matches no
more, and the facts name each matching item.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ._arith import PRECISION, r9, rnd
from ._cnode_base import B, Matched, Node
from ._display import pct
from ._text import COUNTRY_FIELDS, MAX_FACTS, capped, category, item, since, who

if TYPE_CHECKING:
    from ._condition_models import CountryInSpec, ProductInSpec
    from ._vecenv import Env

__all__ = ["CountryIn", "ProductIn"]


class CountryIn(Node):
    """``country_in``: a country of a field is on one of the lists on the date."""

    __slots__ = ("fields", "spec")

    def __init__(self, spec: CountryInSpec) -> None:
        self.spec = spec
        self.fields = COUNTRY_FIELDS if spec.field == "any" else (spec.field,)

    def row(self, ctx: Any, out: Matched) -> bool:
        found = False
        for field in self.fields:
            items = ctx.field_items(field)
            if items and self._field(ctx, field, items, out):
                found = True
        return found

    def _field(self, ctx: Any, field: str, items: list[tuple[str, float | None]], out: Matched) -> bool:
        spec, snap = self.spec, ctx.snap
        facts: list[str] = []
        fired: list[dict[str, Any]] = []
        memberships: list[Any] = []
        total = 0.0
        for i, (code, share) in enumerate(items):
            matched = snap.matches(spec, code)
            if not matched:
                continue
            where, share_text, index, name = field, "", None, None
            if field == "operations":
                index = list(ctx.cp.operations or ()).index(code)
            elif share is not None:
                total += share  # the shares of all matching items count together
                name = getattr(ctx.cp, field)[i].name if field == "owners" else None
                where, share_text, index = who(field, i, name), f", {pct(share)},", i
            on = "; ".join(f"{lst.title}{category(m)} {since(m.period.listed)}" for lst, m in matched if m.period)
            got = item(field, index, code, len(facts), name=name, share=share, lists=tuple([x.id for x, _ in matched]))
            got["fact"] = len(facts)  # capped below, once the summary fact is known
            fired.append(got)
            facts.append(f"{where}: {snap.country(code).name} ({code}){share_text} is on {on}")
            memberships.extend(m for _, m in matched)
        if not fired:
            return False
        if field in ("owners", "trade_partners") and spec.min_share > 0:
            if round(total, PRECISION) < spec.min_share:
                return False
            if len(fired) > 1:
                self._summary(field, fired, facts, total)
        base = len(out.facts)
        fired = fired[:MAX_FACTS]  # as many as the facts tell
        for got in fired:
            if got["fact"] is not None:
                got["fact"] += base
        out.facts.extend(capped(facts))
        out.items.extend(fired)
        out.memberships.extend(memberships)
        return True

    def _summary(self, field: str, fired: list[dict[str, Any]], facts: list[str], total: float) -> None:
        """A first fact adding up the matching shares; the items' fact numbers move by one."""
        spec = self.spec
        facts.insert(
            0,
            f"{field.replace('_', ' ')} on {', '.join(spec.lists)}: {len(fired)} with shares adding up "
            f"to {pct(r9(total))} >= {pct(spec.min_share)}",
        )
        for got in fired:
            got["fact"] = None if got["fact"] is None or got["fact"] + 1 >= MAX_FACTS else got["fact"] + 1

    def vec(self, env: Env) -> B:
        spec = self.spec
        member = env.plan.country_member(spec, env.countries)
        out = np.zeros(env.n, np.bool_)
        for name in self.fields:
            if name == "incorporation":
                out |= ~env.inc_missing & member[env.cols.incorporation]
                continue
            rag = getattr(env.cols, name)
            hit = member[rag.values]
            rows = env.rows[name]
            got = rows.any(hit)
            if rag.shares is not None and spec.min_share > 0:
                # the shares of all matching items count together (the row scorer adds them in item order)
                got &= rnd(rows.ordered_sum(np.where(hit, rag.shares, 0.0))) >= spec.min_share
            out |= got
        return out


class ProductIn(Node):
    """``product_in``: a product's HS code matches a listed entry of a product list."""

    __slots__ = ("spec",)

    def __init__(self, spec: ProductInSpec) -> None:
        self.spec = spec

    def row(self, ctx: Any, out: Matched) -> bool:
        spec = self.spec
        lst = ctx.engine.lists.get(spec.list)
        if lst is None:  # issued by an authority the policy does not apply
            return False
        facts: list[str] = []
        base = len(out.facts)
        products = list(ctx.cp.products or ())
        for code in dict.fromkeys(products):  # a repeated product matches no more
            for entry, m in ctx.snap.product(lst, code):
                if spec.categories is not None and (m.period is None or m.period.category not in spec.categories):
                    continue
                if len(facts) < MAX_FACTS:  # as many as the facts tell
                    got = item("products", products.index(code), code, len(facts), lists=(lst.id,))
                    got["fact"] += base
                    out.items.append(got)
                facts.append(f"product {code} matches {entry.code} ({entry.name or ''}) on {lst.title}{category(m)}")
                out.memberships.append(m)
        out.facts.extend(capped(facts))
        return bool(facts)

    def vec(self, env: Env) -> B:
        member = env.plan.product_member(self.spec, env.cols.products.values)
        return env.rows["products"].any(member[env.cols.products.values])
