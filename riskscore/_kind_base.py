"""The base of compiled rules: the model, reason template and citations; missing fields."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ._arith import is_r9
from ._text import Fired, Template, citation, fmt, ready, source_ref
from .errors import CounterpartyError, FieldIssue

if TYPE_CHECKING:
    from ._vecenv import Env

__all__ = ["Kind"]

F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]


class Kind:
    """A compiled rule: its model, reason template and citations; row() and vec()."""

    __slots__ = ("citations", "id", "rule", "template")

    def __init__(self, rule: Any) -> None:
        self.rule = rule
        self.id: str = rule.id
        self.template = Template(rule.reason)
        self.citations = [source_ref(citation(c.title, c.url)) for c in rule.sources]

    def row(self, ctx: Any) -> Fired | None:
        """The rule's points for one counterparty and its explanation's writer, or None (not fired)."""
        raise NotImplementedError

    def vec(self, env: Env) -> tuple[F64, B]:
        """Points per row and which rows it fired for."""
        raise NotImplementedError

    def rounded(self, risk_rounded: bool) -> bool:
        """True when the points are always already rounded to the fixed precision."""
        return is_r9(getattr(self.rule, "missing_points", None)) and is_r9(getattr(self.rule, "empty_points", None))

    def risk_fields(self) -> set[str]:
        """The counterparty fields whose country risk the rule reads."""
        return {self.rule.field}

    def bounds(self, max_risk: float, baseline: float) -> tuple[float, float]:
        """The fewest and the most points the rule can count (the lint's score bounds), where
        ``max_risk`` is the highest and ``baseline`` the lowest country risk of the policy."""
        extra = [getattr(self.rule, "missing_points", None), getattr(self.rule, "empty_points", None)]
        return 0.0, float(max([max_risk, *(float(x) for x in extra if x is not None)]))

    def listed_points(self, field: str, risk: float) -> float | None:
        """The points the rule counts at least when ``field`` holds a country of ``risk``
        points (None: no more than :meth:`bounds` says)."""
        return None

    # -- a field the rule needs that the counterparty did not give
    def missing_row(self, field: str, empty: bool = False) -> Fired:
        """The rule's ``missing_points`` for one counterparty, or its refusal."""
        missing = getattr(self.rule, "missing_points", None)
        if missing is None:
            what = "an empty list is not accepted" if empty else "it sets no missing_points"
            raise CounterpartyError([FieldIssue(field, f"required by rule '{self.id}' of the policy ({what})")])
        fact = f"{field} given as an empty list" if empty else f"{field} not provided"
        return missing, ready(f"{fact}: scored as missing data ({fmt(missing)} points)", [fact], [], None)

    def missing_vec(self, env: Env, field: str, mask: B, empty: B | None = None) -> float:
        """The rule's ``missing_points`` for the rows of ``mask``, or their refusal (0.0 then)."""
        missing: float | None = getattr(self.rule, "missing_points", None)
        if missing is None:
            if empty is not None:  # listed first: a row's first error is the one kept
                env.refuse(
                    mask & empty, field, f"required by rule '{self.id}' of the policy (an empty list is not accepted)"
                )
            env.refuse(mask, field, f"required by rule '{self.id}' of the policy (it sets no missing_points)")
            return 0.0
        return missing
