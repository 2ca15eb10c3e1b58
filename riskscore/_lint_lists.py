"""Policy lint checks of the list data behind the weights: categories and review dates.

``unknown-category`` (a ``category_points`` key no period of the list carries),
``future-review`` (a list reviewed after today) and ``stale-list`` (a list the policy uses
is past its review horizon on the as-of date; ``riskscore validate --strict`` fails on it).
"""

from __future__ import annotations

import difflib

from ._lint_context import LintContext

__all__ = ["ListChecks"]


class ListChecks(LintContext):
    """Checks of the lists the policy weighs."""

    def categories(self) -> None:
        """``unknown-category``: a ``category_points`` key that no period of its list carries."""
        for i, lp in enumerate(self.m.country_risk.lists):
            lst = self.policy.lists.get(lp.list)
            if lst is None or not lp.category_points:
                continue
            carried = sorted({p.category for e in lst.entries for p in e.periods if p.category is not None})
            for key in lp.category_points:
                if key in carried:
                    continue
                close = difflib.get_close_matches(key, carried, n=1, cutoff=0.6)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                self.add(
                    "unknown-category",
                    "error",
                    f"{lp.list}:{key}",
                    f"no period of list {lp.list!r} carries category {key!r}{hint}; its categories are "
                    f"{', '.join(map(repr, carried)) or 'none'}, so a typo here scores them {lp.points:g} points",
                    ("country_risk", "lists", i, "category_points", key),
                )

    def list_dates(self) -> None:
        """``future-review`` and ``stale-list``, located at the list file's ``reviewed``."""
        used = {lst.id for lst in self.policy._engine.applied_lists}
        for list_id, lst in sorted(self.policy.lists.items()):
            if lst.reviewed > self.today:
                self.add(
                    "future-review",
                    "error",
                    list_id,
                    f"list {list_id!r} says it was reviewed on {lst.reviewed}, after today ({self.today}); "
                    f"that hides its staleness warnings until {lst.review_horizon}",
                    ("reviewed",),
                    self._list_file(list_id),
                )
            if list_id in used and self.as_of > lst.review_horizon:
                self.add(
                    "stale-list",
                    "warning",
                    list_id,
                    f"list {list_id!r} was last reviewed on {lst.reviewed} and was due for review on "
                    f"{lst.review_horizon}: every score as of {self.as_of} warns that it may be out of date",
                    ("reviewed",),
                    self._list_file(list_id),
                )
