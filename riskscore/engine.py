"""The scoring engine: one counterparty, one policy, one date -> a :class:`Result`.

The policy is compiled once into rule kinds (:mod:`riskscore._kinds`), condition nodes
(:mod:`riskscore._cnodes`) and override actions (:mod:`riskscore._actions`), each with a
``row()`` and a ``vec()``: :meth:`Engine.score` reads the ``row()`` side, the column
kernel (:mod:`riskscore._vector`) the ``vec()`` side.

Arithmetic (see docs/scoring.md): every aggregate (an exposure sum, a factor value, the
score) is rounded to :data:`PRECISION` (9) decimal places with Python's ``round``; a
contribution's ``weighted`` is ``weight * points`` unrounded and the score is the rounded
``math.fsum`` of them, so contributions add up to the score exactly at that precision;
comparisons use rounded values, so real-world round percentages land on
thresholds instead of a binary-float hair below them. A score exactly at a tier's
minimum belongs to that (higher) tier.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from datetime import date
from typing import Any

from ._actions import ORDER, Action, compile_override
from ._arith import PRECISION, r9
from ._cnodes import Matched
from ._data_versions import data_versions
from ._digest import CANONICAL_VERSION, input_digest
from ._kinds import Kind, compile_rule
from ._rowctx import RowContext
from ._snapshot import CountryRisk, Snapshot, country_codes, country_risk, unknown_warnings
from ._text import COUNTRY_FIELDS, MAX_FACTS, Fired, applied_override, contribution, items, new_result
from ._version import __version__
from .attributes import attribute_gaps, counterparty_issues
from .columns import Record
from .conditions import RiskRef, operands
from .counterparty import Counterparty
from .errors import CounterpartyError
from .lists import JurisdictionList
from .policy_model import ListPoints, PolicyModel
from .result import AppliedOverride, Result, ResultWarning, unknown_possible, unknown_scored

__all__ = ["MAX_FACTS", "PRECISION", "CountryRisk", "Engine", "country_codes", "unknown_warnings"]

SNAPSHOTS_KEPT = 16
"""Most as-of dates whose snapshot (and column arrays) one compiled policy keeps."""


class Engine:
    """A compiled policy: immutable after construction and safe to share across threads."""

    def __init__(
        self,
        model: PolicyModel,
        lists: dict[str, JurisdictionList],
        fingerprint: str,
        authorities: list[str],
    ) -> None:
        self.model = model
        self.lists = lists
        self.fingerprint = fingerprint
        self.authorities = authorities
        self.mappings: list[tuple[ListPoints, JurisdictionList]] = [
            (lp, lists[lp.list]) for lp in model.country_risk.lists if lp.list in lists
        ]
        self.applied_lists = [lst for _, lst in self.mappings]
        seen = {lst.id for lst in self.applied_lists}
        self.applied_lists += [lst for lst in lists.values() if lst.id not in seen]
        self.attribute_specs = model.attributes
        self.attribute_gaps = attribute_gaps(model)
        self.kinds: list[list[Kind]] = [[compile_rule(r, self.attribute_gaps) for r in f.rules] for f in model.factors]
        self.tiers = sorted(model.tiers, key=lambda t: t.min)
        tier_min = {t.id: t.min for t in self.tiers}
        actions = [compile_override(o, i, tier_min) for i, o in enumerate(model.overrides)]
        self.actions: list[Action] = sorted(actions, key=lambda a: ORDER[a.override.action])
        self.risk_fields = _risk_fields(self.kinds, self.actions)
        self._plan = [
            (f.id, f.weight, f.combine == "max", kinds) for f, kinds in zip(model.factors, self.kinds, strict=True)
        ]
        self.batch_fallback: str | None
        self._snapshots: OrderedDict[date, Snapshot] = OrderedDict()
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        """Pickle without the per-date caches and locks (they are rebuilt on demand)."""
        state = self.__dict__.copy()
        del state["_snapshots"], state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._snapshots = OrderedDict()
        self._lock = threading.Lock()

    # ------------------------------------------------------------ dates and countries
    def date_warnings(self, as_of: date) -> list[ResultWarning]:
        """Warnings that hold for every result on ``as_of`` plus, for bulk output without
        per-row warnings, the country-risk lists whose status may be unknown on that date."""
        snap = self.snapshot(as_of)
        scored = [
            unknown_scored(lst.id, lst.history_from, as_of, lp.unknown_points)
            for lp, lst in self.mappings
            if lp.unknown_points and as_of < lst.history_from
        ]
        return (
            snap.warnings
            + [unknown_possible(lst.id, lst.history_from, lst.coverage, as_of) for lst in snap.unknown_lists]
            + scored
        )

    def snapshot(self, as_of: date) -> Snapshot:
        """The per-date country-risk cache (the :data:`SNAPSHOTS_KEPT` most recent dates are kept)."""
        snap = self._snapshots.get(as_of)
        if snap is None:
            with self._lock:
                snap = self._snapshots.get(as_of)
                if snap is None:
                    snap = Snapshot(self, as_of)
                    self._snapshots[as_of] = snap
                    while len(self._snapshots) > SNAPSHOTS_KEPT:
                        self._snapshots.popitem(last=False)
        return snap

    def country_risk(self, code: str, as_of: date) -> CountryRisk:
        """Risk points of a canonical code on a date: the max over applied lists."""
        return country_risk(self, code, as_of)

    def warnings(self, snap: Snapshot, cp: Counterparty | Record) -> list[ResultWarning]:
        """The warnings of a result: the date's, and the unknown statuses of ``cp``'s countries."""
        if not snap.unknown_lists:
            return list(snap.warnings)
        return snap.warnings + unknown_warnings(snap, (country_codes(cp, f) for f in self.risk_fields))

    def tier_of(self, score: float) -> str:
        """The tier of a score: the highest tier whose minimum is <= the rounded score."""
        s = r9(score)
        tier = self.tiers[0].id
        for t in self.tiers:
            if s >= t.min:
                tier = t.id
        return tier

    # ------------------------------------------------------------ scoring
    def score(self, cp: Counterparty | Record, as_of: date, *, private: bool = False) -> Result:
        """Score one validated counterparty on ``as_of``.

        With ``private`` (``cp`` is the scorer's own, built from the caller's input and
        held by no one else), the contributions and ``input_digest`` are written when the
        result first reads them; otherwise at once (a caller's ``Counterparty`` may change).
        """
        if self.attribute_specs is not None:
            issues = counterparty_issues(self.attribute_specs, cp.attributes)
            if issues:
                raise CounterpartyError(issues)
        snap = self.snapshot(as_of)
        ctx = RowContext(self, snap, cp)
        fired = self._factors(ctx)
        weighted = min(100.0, r9(math.fsum([f[2] * f[3] for f in fired])))
        ctx.weighted = weighted
        tier_before = self.tier_of(weighted)
        score, tier, applied = self._overrides(ctx, weighted, tier_before)
        values = {
            "counterparty_id": cp.id,
            "score": score,
            "tier": tier,
            "score_before_overrides": weighted,
            "tier_before_overrides": tier_before,
            "factors": ctx.factors,
            "overrides": applied,
            "warnings": self.warnings(snap, cp),
            "as_of": as_of,
            "policy_id": self.model.id,
            "policy_version": self.model.version,
            "fingerprint": self.fingerprint,
            "authorities": list(self.authorities),
            "engine_version": __version__,
            "data_versions": data_versions(),
            "input_canonical_version": CANONICAL_VERSION,
        }
        if private:
            return new_result(values, lambda: _explained(fired, cp))
        values.update(_explained(fired, cp))
        return new_result(values, None)

    def _factors(self, ctx: RowContext) -> list[_Counted]:
        """Every factor's value (into ``ctx.factors``) and its fired rules, as counted in it.

        ``max``: the first rule with the highest points counts, the others count 0; ``sum``:
        each rule counts what is left of 100, in order (rounded as it goes)."""
        out: list[_Counted] = []
        values = ctx.factors
        for factor_id, weight, is_max, kinds in self._plan:
            value = 0.0
            if is_max:
                fired: list[tuple[Kind, Fired]] = []
                best = 0
                for kind in kinds:
                    got = kind.row(ctx)
                    if got is not None:
                        if not fired or got[0] > value:
                            best, value = len(fired), got[0]
                        fired.append((kind, got))
                for i, (kind, got) in enumerate(fired):
                    out.append((kind.id, factor_id, weight, value if i == best else 0.0, got))
            else:
                for kind in kinds:
                    got = kind.row(ctx)
                    if got is not None:
                        counted = r9(min(got[0], 100.0 - value))
                        value = r9(value + counted)
                        out.append((kind.id, factor_id, weight, counted, got))
            values[factor_id] = r9(value)
        return out

    def _overrides(self, ctx: RowContext, score: float, tier: str) -> tuple[float, str, list[AppliedOverride]]:
        """The overrides that apply, in order, to the weighted score and its tier."""
        applied: list[AppliedOverride] = []
        for action in self.actions:
            out = Matched()
            if not action.node.row(ctx, out):
                continue
            ov = action.override
            new_score = action.row(score)
            new_tier = self.tiers[-1].id if action.prohibits else self.tier_of(new_score)
            sources = ctx.snap.refs(out.memberships) + action.citations
            applied.append(
                applied_override(
                    {
                        "override_id": ov.id,
                        "action": ov.action,
                        "rationale": ov.rationale,
                        "score_before": score,
                        "score_after": new_score,
                        "tier_before": tier,
                        "tier_after": new_tier,
                        "facts": out.facts,
                        "sources": sources,
                        "items": items(out.items),
                    },
                )
            )
            score, tier = new_score, new_tier
        return score, tier, applied


_Counted = tuple[str, str, float, float, Fired]
"""A fired rule's id, factor, the factor's weight, the points counted in the factor, and what fired."""


def _explained(fired: list[_Counted], cp: Counterparty | Record) -> dict[str, Any]:
    """The parts of a result written on first read: the contributions and the input digest."""
    return {"contributions": [contribution(*f) for f in fired], "input_digest": input_digest(cp)}


def _risk_fields(kinds: list[list[Kind]], actions: list[Action]) -> tuple[str, ...]:
    """The counterparty fields whose country risk the policy reads: by a country-risk,
    ownership or exposure rule, or a ``{risk: field}`` operand (in any rule or override)."""
    read = {f for group in kinds for kind in group for f in kind.risk_fields()}
    read |= {op.risk for a in actions for op in operands(a.override.when) if isinstance(op, RiskRef)}
    return tuple(f for f in COUNTRY_FIELDS if f in read)
