"""The row scorer's per-call state: the counterparty, the date's snapshot, factor values so far.

Rule kinds and condition nodes read one counterparty through it (their ``row()``
methods); it is the row counterpart of :class:`riskscore._vecenv.Env`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._text import COUNTRY_FIELDS

if TYPE_CHECKING:
    from ._snapshot import Snapshot
    from .columns import Record
    from .counterparty import Counterparty
    from .engine import Engine

__all__ = ["RowContext"]


class RowContext:
    """Per-call state: the counterparty, the date's snapshot and factor values so far."""

    __slots__ = ("cp", "engine", "factors", "fields", "snap", "weighted")

    def __init__(self, engine: Engine, snap: Snapshot, cp: Counterparty | Record) -> None:
        self.engine = engine
        self.snap = snap
        self.cp = cp
        self.factors: dict[str, float] = {}
        self.weighted = 0.0
        self.fields: dict[str, list[tuple[str, float | None]]] = {}  # country_in's items per field

    def field_items(self, field: str) -> list[tuple[str, float | None]]:
        """The (country, share) items of ``field`` (operations without repeats), built once per call."""
        found = self.fields.get(field)
        if found is None:
            found = self._countries(field)
            if field == "operations":
                found = list(dict.fromkeys(found))  # a repeated country matches no more
            self.fields[field] = found
        return found

    def _countries(self, name: str) -> list[tuple[str, float | None]]:
        cp = self.cp
        if name == "incorporation":
            return [(cp.incorporation, None)] if cp.incorporation else []
        if name == "operations":
            return [(c, None) for c in cp.operations or ()]
        if name in ("owners", "trade_partners"):
            return [(x.country, x.share) for x in getattr(cp, name) or ()]
        out: list[tuple[str, float | None]] = []
        for field in COUNTRY_FIELDS:
            out.extend(self._countries(field))
        return out

    # -- what conditions read (riskscore._cnode_base.Context)
    def flag(self, name: str) -> bool:
        """The counterparty's boolean flag."""
        return bool(getattr(self.cp, name))

    def missing(self, name: str) -> bool:
        """The field was not given."""
        return getattr(self.cp, name) is None

    def count(self, name: str) -> int:
        """Items of a list field (0 when missing)."""
        return len(getattr(self.cp, name) or ())

    def attribute(self, name: str) -> Any:
        """A custom attribute's value (None: not given)."""
        return self.cp.attributes.get(name)

    def risk(self, name: str) -> float:
        """Country risk of a field: the maximum over its countries (0 when none)."""
        if name == "incorporation":
            code = self.cp.incorporation
            return self.snap.country(code).points if code else 0.0
        return max((self.snap.country(c).points for c, _ in self._countries(name)), default=0.0)

    def factor(self, name: str) -> float:
        """A factor's value so far."""
        return self.factors[name]

    def weighted_score(self) -> float:
        """The weighted score before overrides."""
        return self.weighted
