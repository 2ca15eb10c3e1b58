"""Rule kinds over shares: ``ownership`` (saturating, shares added per country) and
``exposure`` (the share-weighted sum of partners' or owners' country risk)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ._arith import r9, rnd
from ._display import pct
from ._kind_base import Kind
from ._text import MAX_FACTS, MAX_NAMED, Explained, Fired, RefKey, capped, dedupe, fmt, item, items, named, ready, who
from .result import SourceRef

if TYPE_CHECKING:
    from ._snapshot import CountryRisk
    from ._vecenv import Env

__all__ = ["ExposureKind", "OwnershipKind"]

F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]


class OwnershipKind(Kind):
    """``ownership``: max over owners' countries of risk x min(1, summed share / saturation)."""

    __slots__ = ()

    def row(self, ctx: Any) -> Fired | None:
        rule = self.rule
        owners: Sequence[Any] | None = ctx.cp.owners
        if owners is None or (not owners and rule.empty_points is None):
            return self.missing_row("owners", empty=owners is not None)
        if not owners:
            return rule.empty_points, ready(f"no owners given ({fmt(rule.empty_points)} points)", [], [], None)
        # shares are added up per country before saturation, as listed ownership is aggregated
        groups: dict[str, list[int]] = {}
        for i, owner in enumerate(owners):
            groups.setdefault(owner.country, []).append(i)
        parts: list[_Group] = []
        best, group = -1.0, 0
        for code, idx in groups.items():
            risk = ctx.snap.country(code)
            total = 0.0
            for i in idx:
                total += owners[i].share
            pts = r9(risk.points * min(1.0, total / rule.saturation))
            parts.append((idx, risk, code, total, pts))
            if pts > best:
                best, group = pts, len(parts) - 1
        return best, lambda: self._explained(owners, parts, group)

    def risk_fields(self) -> set[str]:
        return {"owners"}

    def _explained(self, owners: Sequence[Any], parts: list[_Group], group: int) -> Explained:
        idx, risk, _, best_total, best_pts = parts[group]
        facts = [_owner_fact(owners, *part) for part in parts]
        code = risk.code
        fired = [  # the owners the deciding fact names
            item("owners", i, code, group, name=owners[i].name, share=owners[i].share, points=risk.points)
            for i in idx[:MAX_NAMED]
        ]
        values = {
            "country": code,
            "country_name": risk.name,
            "share": pct(r9(best_total) if len(idx) > 1 else best_total),
            "risk": risk.points,
            "points": best_pts,
            "lists": risk.describe(),
            "owner": named([f"'{owners[i].name}'" if owners[i].name else f"#{i + 1}" for i in idx]),
        }
        reason = self.template.render(values)
        return reason, capped(facts), dedupe(risk.refs()[0]), items(fired)

    def vec(self, env: Env) -> tuple[F64, B]:
        rule = self.rule
        rows = env.rows["owners"]
        missing = env.cols.owners.missing
        empty = ~missing & ~rows.nonempty
        as_missing = missing | empty if rule.empty_points is None else missing
        mp = self.missing_vec(env, "owners", as_missing, empty if rule.empty_points is None else None)
        pts = rnd(_per_country_max(env, rule.saturation))  # max of rounded = rounded max (rounding is monotonic)
        if rule.empty_points is not None:
            pts[empty] = rule.empty_points
        pts[as_missing] = mp
        return pts, np.ones(env.n, np.bool_)


_Group = tuple[list[int], "CountryRisk", str, float, float]
"""One country's owners (positions), its risk and code, their summed share and its points."""


def _owner_fact(owners: Sequence[Any], idx: list[int], risk: CountryRisk, code: str, total: float, pts: float) -> str:
    if len(idx) == 1:
        return (
            f"{who('owners', idx[0], owners[idx[0]].name)}: {risk.name} ({code}) holds {pct(total)}, "
            f"risk {risk.points_text} -> {fmt(pts)} points"
        )
    return (
        f"{named([who('owners', i, owners[i].name) for i in idx])}: {risk.name} ({code}) shares "
        f"added up to {pct(r9(total))}, risk {risk.points_text} -> {fmt(pts)} points"
    )


def _per_country_max(env: Env, saturation: float) -> F64:
    """Per row: max over its owners' countries of risk x min(1, summed share / saturation).

    The shares of one row's owners in one country are added up left to right (one
    ``np.add.at`` in item order), as the row scorer's ``total += share`` does. Rows whose
    owners are all in different countries (checked item against item for rows of up to
    ``_PAIRWISE`` owners) need no adding and no sort.
    """
    rag = env.cols.owners
    assert rag.shares is not None
    out = np.zeros(env.n)
    if not len(rag.values):
        return out
    rows = env.rows["owners"]
    shared = _shared_country_rows(rag.values, rag.offsets, rows)
    if shared is None:
        grouped = np.ones(len(rag.values), np.bool_)
    else:
        grouped = shared[rows.items]
        values = env.risk[rag.values] * np.minimum(1.0, (0.0 + rag.shares) / saturation)
        values[grouped] = 0.0  # values are >= 0, so 0.0 is neutral here and as out's start; grouped rows below
        np.maximum.at(out, rows.items, values)
        if not grouped.any():
            return out
    ncountries = len(env.risk)
    keys = rows.items[grouped] * ncountries + rag.values[grouped]
    groups, inverse = np.unique(keys, return_inverse=True)
    total = np.zeros(len(groups))
    np.add.at(total, inverse.reshape(-1), rag.shares[grouped])
    values = env.risk[groups % ncountries] * np.minimum(1.0, total / saturation)
    np.maximum.at(out, groups // ncountries, values)  # values are >= 0, so 0.0 is a neutral start
    return out


_PAIRWISE = 8


def _shared_country_rows(values: Any, offsets: Any, rows: Any) -> B | None:
    """Per row: two of its items have the same country; None if a row is too long to check
    item against item (then every row is grouped)."""
    lengths = rows.lengths
    longest = int(lengths.max())
    if longest > _PAIRWISE:
        return None
    shared = np.zeros(rows.n, np.bool_)
    position = np.arange(len(values)) - offsets[:-1][rows.items]
    left = lengths[rows.items] - position - 1  # items after this one in its row
    for gap in range(1, longest):
        later = np.flatnonzero(left >= gap)
        same = values[later] == values[later + gap]
        shared[rows.items[later[same]]] = True
    return shared


class ExposureKind(Kind):
    """``exposure``: min(100, sum of share x country risk over the items, left to right)."""

    __slots__ = ()

    def row(self, ctx: Any) -> Fired | None:
        field = self.rule.field
        entries: Sequence[Any] | None = ctx.cp.trade_partners if field == "trade_partners" else ctx.cp.owners
        if entries is None:
            return self.missing_row(field)
        total = 0.0
        country = ctx.snap.country
        risks = [country(entry.country) for entry in entries]
        for entry, risk in zip(entries, risks, strict=True):
            total += entry.share * risk.points
        points = min(100.0, r9(total))
        if points == 0:
            return None
        return points, lambda: self._explained(entries, risks, points)

    def _explained(self, entries: Sequence[Any], risks: list[CountryRisk], points: float) -> Explained:
        field = self.rule.field
        facts: list[str] = []
        fired: list[dict[str, Any]] = []
        keyed: list[tuple[RefKey, SourceRef]] = []
        owners = field == "owners"
        label = "owner" if owners else "trade partner"
        for i, (entry, risk) in enumerate(zip(entries, risks, strict=True)):
            code, share = entry.country, entry.share
            name = entry.name if owners else None
            whom = f"{label} '{name}'" if name else f"{label} #{i + 1}"
            facts.append(f"{whom}: {risk.name} ({code}) {pct(share)} x risk {risk.points_text}")
            if share * risk.points > 0:
                got = item(field, i, code, i if i < MAX_FACTS else None, name=name, share=share, points=risk.points)
                fired.append(got)
            keyed.extend(risk.refs()[1])
        reason = self.template.render({"exposure": points, "points": points, "partners": len(entries)})
        return reason, capped(facts), dedupe(keyed), items(_largest(fired))

    def vec(self, env: Env) -> tuple[F64, B]:
        field = self.rule.field
        rag = getattr(env.cols, field)
        mp = self.missing_vec(env, field, rag.missing)
        assert rag.shares is not None
        total = env.rows[field].ordered_sum(rag.shares * env.item_risk(field))
        pts = np.minimum(100.0, rnd(total))
        fired = rag.missing | (pts != 0)
        pts[rag.missing] = mp
        return pts, fired


def _largest(fired: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """At most :data:`MAX_FACTS` items: the largest exposures, in input order."""
    if len(fired) <= MAX_FACTS:
        return fired
    top = sorted(fired, key=lambda v: -v["share"] * v["points"])[MAX_FACTS - 1]
    limit = top["share"] * top["points"]
    return [v for v in fired if v["share"] * v["points"] >= limit][:MAX_FACTS]
