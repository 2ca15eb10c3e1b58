"""Scoring results: the score, the tier, and the trail from every point to its source."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SerializerFunctionWrapHandler, model_serializer

from .errors import code_docs

__all__ = [
    "AppliedOverride",
    "Contribution",
    "DatePrecision",
    "FactItem",
    "Result",
    "ResultWarning",
    "SourceRef",
    "WarningCode",
    "format_date",
    "format_since",
]

WarningCode = Literal["stale-list", "no-history", "unknown-status", "unknown-possible", "unknown-scored"]
DatePrecision = Literal["day", "month", "year", "on_or_before"]


def format_date(day: date, precision: str = "day") -> str:
    """A dated fact as exact as its source: ``2022-10-21``, ``2023-10 (month)``, ``2011 (year)``
    or ``on or before 2022-01-01``; never a placeholder day shown as an exact date."""
    if precision == "month":
        return f"{day:%Y-%m} (month)"
    if precision == "year":
        return f"{day.year} (year)"
    if precision == "on_or_before":
        return f"on or before {day.isoformat()}"
    return day.isoformat()


def format_since(day: date, precision: str = "day") -> str:
    """``since 2022-10-21``, ``since 2011 (year)``, ``since 2023-10 (month)`` or ``listed on or
    before 2022-01-01`` (the start is not in the sources)."""
    text = format_date(day, precision)
    return f"listed {text}" if precision == "on_or_before" else f"since {text}"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceRef(_Model):
    """A citation: the list entry (or policy citation) behind a contribution."""

    title: str = Field(description="Title of the source document.")
    url: str | None = None
    list_id: str | None = Field(default=None, description="The list the entry is on.")
    authority: str | None = None
    code: str | None = Field(default=None, description="The listed country, subdivision or HS code.")
    category: str | None = None
    listed_on: date | None = Field(default=None, description="Start of the listing period in force.")
    date_precision: DatePrecision | None = Field(
        default=None,
        description="How exact `listed_on` is: day, month (first of the month), year (1 January) or "
        "on_or_before (listed by then; the real start is not in the sources).",
    )
    confidence: str = Field(
        default="confirmed", description="Confidence of the cited listing event: confirmed, secondary or unverified."
    )

    @property
    def listed_text(self) -> str | None:
        """`listed_on` at its precision (see :func:`format_date`), or ``None``."""
        if self.listed_on is None:
            return None
        return format_date(self.listed_on, self.date_precision or "day")


class FactItem(_Model):
    """One item of the counterparty behind a fact: which field and which entry of it fired.

    Only the items that decided are listed: the highest-risk country of a country-risk rule,
    the owners of the deciding country of an ownership rule, the partners with a positive
    exposure (the largest :data:`~riskscore.engine.MAX_FACTS`), the items a ``country_in`` or
    ``product_in`` condition matched. ``facts[fact]`` (of the contribution or override holding
    it) is the fact that describes it (``None`` past the facts cut at ``MAX_FACTS``).
    """

    field: str = Field(description="incorporation, operations, owners, trade_partners or products.")
    index: int | None = Field(
        default=None, description="Position in the field's list (0-based); none for incorporation."
    )
    code: str = Field(description="The country (or subdivision) code, or the HS code of a product.")
    name: str | None = Field(default=None, description="The owner's name, when given.")
    share: float | None = Field(default=None, description="The owner's or partner's share (a fraction of 1).")
    points: float | None = Field(default=None, description="The item's country risk points, when the rule read them.")
    lists: tuple[str, ...] = Field(default=(), description="Ids of the lists the item is on that the rule matched.")
    fact: int | None = Field(default=None, description="Index of the fact (in `facts`) that describes the item.")


class Contribution(_Model):
    """Points one rule added to the score: ``weighted = weight * points`` (rounded)."""

    rule_id: str
    factor: str
    points: float = Field(description="The rule's points within its factor, 0..100.")
    weight: float = Field(description="The factor's weight.")
    weighted: float = Field(description="Points counted in the score (0 if superseded within the factor).")
    reason: str
    facts: list[str] = Field(default_factory=list, description="The facts that fired the rule.")
    sources: list[SourceRef] = Field(default_factory=list)
    items: list[FactItem] | None = Field(
        default=None, description="The counterparty items behind the facts (which field and entry fired)."
    )


class AppliedOverride(_Model):
    """An override that fired, and what it did to the score and tier."""

    override_id: str
    action: str
    rationale: str
    score_before: float
    score_after: float
    tier_before: str
    tier_after: str
    facts: list[str] = Field(default_factory=list)
    sources: list[SourceRef] = Field(default_factory=list)
    items: list[FactItem] | None = Field(
        default=None, description="The counterparty items behind the facts (which field and entry fired)."
    )

    @property
    def changed(self) -> bool:
        """Whether the override changed the score or the tier (a floor below the score did not)."""
        return self.score_after != self.score_before or self.tier_after != self.tier_before


class ResultWarning(_Model):
    """Something a result's reader must know: the score may not reflect every fact.

    ``code`` says which kind (a backend routes on it, not on the English ``message``):

    - ``stale-list``: ``as_of`` is past the list's review horizon (``reviewed`` plus its
      review interval, ``review_due``); later changes to the list are not reflected.
    - ``no-history``: a list only conditions read has no recorded history before
      ``history_from``, so conditions on it cannot match on ``as_of``.
    - ``unknown-status``: the list has no recorded status on ``as_of`` for ``countries``
      and the policy sets no ``unknown_points`` for it; their risk may be understated.
    - ``unknown-possible`` (the streaming CLI's header only): some countries may have no
      recorded status on the list on ``as_of`` (before ``history_from``, ``coverage:
      listed``, or an entry dated only "on or before" a later date); the rows touching
      them carry ``unknown-status``.

    ``str(warning)`` is the message; ``docs`` is the code's page (``docs/codes/<code>.md``).
    """

    code: WarningCode = Field(description="The kind of warning (stable, kebab-case).")
    list_id: str = Field(description="The list the warning is about.")
    as_of: date = Field(description="The date scored.")
    message: str = Field(description="The warning in English.")
    reviewed: date | None = Field(default=None, description="When the list was last reviewed (stale-list).")
    review_due: date | None = Field(default=None, description="The list's review horizon (stale-list).")
    history_from: date | None = Field(default=None, description="Start of the list's recorded history.")
    countries: tuple[str, ...] = Field(default=(), description="Codes whose status is unknown (unknown-status).")

    def __str__(self) -> str:
        return self.message

    @property
    def docs(self) -> str:
        """The page of this warning's code: ``docs/codes/<code>.md`` in the repository."""
        return code_docs(self.code)


def stale_list(list_id: str, reviewed: date, review_due: date, as_of: date) -> ResultWarning:
    """The ``stale-list`` warning: ``as_of`` is past ``review_due``."""
    return ResultWarning(
        code="stale-list",
        list_id=list_id,
        as_of=as_of,
        reviewed=reviewed,
        review_due=review_due,
        message=f"list '{list_id}' was last reviewed on {reviewed} (review due {review_due}); "
        f"changes after that date are not reflected",
    )


def no_history(list_id: str, history_from: date, as_of: date) -> ResultWarning:
    """The ``no-history`` warning: a conditions-only list has no history on ``as_of``."""
    return ResultWarning(
        code="no-history",
        list_id=list_id,
        as_of=as_of,
        history_from=history_from,
        message=f"list '{list_id}' has no recorded history before {history_from}; "
        f"conditions on it cannot match on {as_of}",
    )


def unknown_status(list_id: str, history_from: date, as_of: date, countries: Sequence[str]) -> ResultWarning:
    """The ``unknown-status`` warning: no recorded status for ``countries`` on ``as_of``."""
    return ResultWarning(
        code="unknown-status",
        list_id=list_id,
        as_of=as_of,
        history_from=history_from,
        countries=tuple(countries),
        message=f"list '{list_id}' has no recorded status on {as_of} for {', '.join(countries)}; "
        f"the policy sets no unknown_points for it, so their risk may be understated",
    )


def unknown_possible(list_id: str, history_from: date, coverage: str, as_of: date) -> ResultWarning:
    """The ``unknown-possible`` warning of bulk output: some countries may have no status."""
    return ResultWarning(
        code="unknown-possible",
        list_id=list_id,
        as_of=as_of,
        history_from=history_from,
        message=f"list '{list_id}' has no recorded status on {as_of} for some countries (history from "
        f"{history_from}, coverage {coverage}); rows touching them may be understated",
    )


def unknown_scored(list_id: str, history_from: date, as_of: date, points: float) -> ResultWarning:
    """The ``unknown-scored`` warning of bulk output: the policy scores statuses it cannot know."""
    return ResultWarning(
        code="unknown-scored",
        list_id=list_id,
        as_of=as_of,
        history_from=history_from,
        message=f"list '{list_id}' has no recorded history before {history_from}; the policy scores "
        f"its unknown statuses on {as_of} as {points:g} points",
    )


_LAZY = frozenset({"contributions", "input_digest"})
"""The fields of a scored :class:`Result` written when first read."""
_WRITING = threading.Lock()
"""Held only to swap in a result's written fields (never while computing them)."""


class Result(_Model):
    """The outcome of scoring one counterparty under one policy at one date."""

    # Policy.score computes the score, tier, factors and overrides at once and writes
    # ``contributions`` (reasons, facts, citations) and ``input_digest`` when first read: by
    # attribute, model_dump(_json), comparison, copying, pickling or explain(). The content
    # is the same as if written at once; the result stays immutable and thread-safe.

    counterparty_id: str
    score: float = Field(description="Final score, 0..100, after overrides.")
    tier: str
    score_before_overrides: float = Field(description="Sum of the contributions' weighted points.")
    tier_before_overrides: str
    factors: dict[str, float] = Field(description="Each factor's value, 0..100.")
    contributions: list[Contribution]
    overrides: list[AppliedOverride]
    warnings: list[ResultWarning] = Field(
        default_factory=list, description="Stale lists, unknown statuses...: each with a code, the list and dates."
    )
    as_of: date
    policy_id: str
    policy_version: str
    fingerprint: str = Field(description="sha256 of the canonical policy and lists.")
    authorities: list[str] = Field(description="Authorities whose lists the policy applied.")
    engine_version: str = Field(description="The riskscore version that computed the result.")
    data_versions: dict[str, str] = Field(
        default_factory=dict, description='Versions of the data packages scoring read, e.g. {"pycountry": "26.2.16"}.'
    )
    input_digest: str = Field(
        description='"sha256:" and the sha256 hex of the canonical form of the counterparty as validated '
        "(see docs/scoring.md, Reproduce a decision): the same for a dict, a Counterparty or a JSON line."
    )
    input_canonical_version: int = Field(description="Version of the canonical form `input_digest` was taken of.")

    _pending: Callable[[], dict[str, Any]] | None = PrivateAttr(default=None)

    def _written(self) -> None:
        """Write the fields left for first read (a no-op once written, or for a validated Result).

        The fields are written in their declared order (dumps and reprs read as if written at
        once). Two threads may both compute them; the first to finish writes, so every
        reader sees the same objects."""
        private = self.__pydantic_private__
        pending = private.get("_pending") if private else None
        if pending is None:
            return
        written = pending()
        with _WRITING:
            if private["_pending"] is None:  # type: ignore[index]  # another thread wrote first
                return
            fields = self.__dict__
            ordered = {name: fields[name] if name in fields else written[name] for name in _FIELD_ORDER}
            object.__setattr__(self, "__dict__", ordered)
            private["_pending"] = None  # type: ignore[index]

    if not TYPE_CHECKING:

        def __getattr__(self, name: str) -> Any:
            if name in _LAZY:
                self._written()
                found = self.__dict__.get(name, _LAZY)
                if found is not _LAZY:
                    return found
            return super().__getattr__(name)

    @model_serializer(mode="wrap")  # no return annotation: the JSON Schema stays the fields'
    def _serialize(self, handler: SerializerFunctionWrapHandler):  # type: ignore[no-untyped-def]
        self._written()
        return handler(self)

    def __eq__(self, other: object) -> bool:
        self._written()
        if isinstance(other, Result):
            other._written()
        return super().__eq__(other)

    __hash__ = None  # type: ignore[assignment]  # lists inside: never hashable

    def __iter__(self) -> Iterator[tuple[str, Any]]:  # type: ignore[override]
        self._written()
        return super().__iter__()

    def __repr_args__(self) -> Any:
        self._written()
        return super().__repr_args__()

    def __getstate__(self) -> dict[Any, Any]:
        self._written()
        return super().__getstate__()

    def __copy__(self) -> Result:
        self._written()
        return super().__copy__()

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Result:
        self._written()
        return super().__deepcopy__(memo)

    def explain(
        self,
        *,
        detail: Literal["brief", "normal", "verbose"] = "normal",
        markdown: bool = False,
        heading_level: int = 1,
    ) -> str:
        """A readable account of the score, citing the source behind every point.

        ``detail="normal"``: one line per contribution and per override that changed the
        score or tier, sources as numbered footnotes; ``"verbose"``: every fact, every fired
        override (no-ops included) and every source occurrence; ``"brief"``: one line. With
        ``markdown=True`` the counterparty's heading is at ``heading_level`` (1: ``#``).
        See docs/explain.md.
        """
        from .explain import explain

        return explain(self, detail=detail, markdown=markdown, heading_level=heading_level)


_FIELD_ORDER = tuple(Result.model_fields)
