"""Tier moves between two policies, their tiers matched by name.

A counterparty moves *up* when its new tier is riskier than its old one and *down* when it
is less risky. Both tiers are placed on one scale by name: the old tier's position among the
new policy's tiers (or, if the new policy has no tier of that name, the new tier's position
among the old policy's tiers). A move between two tiers that each exist in only one of the
policies has no direction: it is counted as ``unmapped`` and a warning says so, never guessed.

The top tier is each policy's highest. A counterparty *leaves* it when it was in the old top
tier and is now in a tier that is neither of the two top tiers (a renamed top tier, or a tier
added above the old top, is not a move out of it); it *enters* it symmetrically.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from ._diff_warnings import DiffWarning

__all__ = ["TierMap"]

UP, DOWN, SAME, UNMAPPED = "upgrade", "downgrade", "same tier", "unmapped"


@dataclass(frozen=True)
class TierMap:
    """The tier ids of the old and the new policy, lowest first."""

    old: tuple[str, ...]
    new: tuple[str, ...]

    def direction(self, old_tier: str, new_tier: str) -> str:
        """``upgrade``, ``downgrade``, ``same tier`` or ``unmapped`` for a move old -> new."""
        if old_tier == new_tier:
            return SAME
        if old_tier in self.new and new_tier in self.new:
            riskier = self.new.index(new_tier) > self.new.index(old_tier)
        elif old_tier in self.old and new_tier in self.old:
            riskier = self.old.index(new_tier) > self.old.index(old_tier)
        else:
            return UNMAPPED
        return UP if riskier else DOWN

    def left_top(self, old_tier: str, new_tier: str) -> bool:
        """In the old top tier and now in another tier, neither the old top (by name) nor the new top."""
        return old_tier == self.old[-1] and new_tier not in (self.old[-1], self.new[-1])

    def entered_top(self, old_tier: str, new_tier: str) -> bool:
        """Now in the new top tier, from a tier that is neither the new top (by name) nor the old top."""
        return new_tier == self.new[-1] and old_tier not in (self.new[-1], self.old[-1])

    @property
    def names(self) -> list[str]:
        """Every tier name: the old policy's in order, then those only the new one has."""
        return [*self.old, *(t for t in self.new if t not in self.old)]

    def warnings(self) -> list[DiffWarning]:
        """What a reader must know when the two policies' tiers differ."""
        if self.old == self.new:
            return []
        out = [
            DiffWarning(
                "diff-tier-sets",
                f"the policies have different tiers (old: {', '.join(self.old)}; new: {', '.join(self.new)}); "
                "tier moves are matched by tier name",
            )
        ]
        common_old = [t for t in self.old if t in self.new]
        common_new = [t for t in self.new if t in self.old]
        if common_old != common_new:
            out.append(
                DiffWarning(
                    "diff-tier-order",
                    f"the tiers both policies have are in a different order (old: {', '.join(common_old)}; "
                    f"new: {', '.join(common_new)}); directions follow the new policy's order",
                )
            )
        only = [f"{t!r} only in the old policy" for t in self.old if t not in self.new]
        only += [f"{t!r} only in the new policy" for t in self.new if t not in self.old]
        if only:
            out.append(
                DiffWarning(
                    "diff-tier-unmapped",
                    f"tier {'; tier '.join(only)}: a move between two such tiers has no direction "
                    "(counted as unmapped)",
                )
            )
        return out

    def moves(self, matrix: Counter[tuple[str, str]]) -> list[dict[str, Any]]:
        """Every tier pair counterparties moved between: from, to, count, direction (old-tier order)."""
        order = {t: i for i, t in enumerate(self.names)}
        pairs = sorted((k for k, n in matrix.items() if n and k[0] != k[1]), key=lambda k: (order[k[0]], order[k[1]]))
        return [{"from": o, "to": n, "count": matrix[(o, n)], "direction": self.direction(o, n)} for o, n in pairs]

    def per_tier(self, matrix: Counter[tuple[str, str]]) -> list[dict[str, Any]]:
        """Per tier name: counts under each policy, those that stayed, and moves out of and into it by direction."""
        rows = []
        for t in self.names:
            row: dict[str, Any] = {"tier": t, "old": 0, "new": 0, "stayed": matrix[(t, t)]}
            row |= {f"{side}_{d}": 0 for side in ("left", "entered") for d in ("up", "down", "unmapped")}
            for (o, n), count in matrix.items():
                row["old"] += count if o == t else 0
                row["new"] += count if n == t else 0
                if o != n and t in (o, n):
                    d = {UP: "up", DOWN: "down", UNMAPPED: "unmapped"}[self.direction(o, n)]
                    row[f"{'left' if o == t else 'entered'}_{d}"] += count
            rows.append(row)
        return rows

    def top_tier_moves(self, matrix: Counter[tuple[str, str]]) -> dict[str, Any]:
        """The old top tier's leavers and the new top tier's entrants, by the tier at the other end."""
        old_top, new_top = self.old[-1], self.new[-1]
        left = {n: c for (o, n), c in sorted(matrix.items()) if self.left_top(o, n) and c}
        entered = {o: c for (o, n), c in sorted(matrix.items()) if self.entered_top(o, n) and c}
        return {
            "old_top": old_top,
            "new_top": new_top,
            "left": dict(sorted(left.items(), key=lambda kv: self.names.index(kv[0]))),
            "entered": dict(sorted(entered.items(), key=lambda kv: self.names.index(kv[0]))),
        }
