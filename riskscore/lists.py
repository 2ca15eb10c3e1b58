"""Jurisdiction and product lists: cited, dated data that answers "was X listed on D?".

A list file (YAML, under ``rules/lists/``) names its authority and sources, when it was
last reviewed and how often it must be, and for each entry the periods during which the
entry was listed. Every listing and delisting carries its source and a confidence mark.

A query gives one of three answers (:class:`Status`): ``LISTED``; ``NOT_LISTED`` (the
country was assessed and is not on the list); or ``UNKNOWN`` (the list does not cover the
country, or the date is before the list's history is complete). Policies decide what an
unknown status scores; it is never silently treated as "not listed".
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from datetime import timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from ._dates import FileDate
from .countries import is_subdivision, normalize_country, parent_country
from .errors import CountryError

__all__ = [
    "Confidence",
    "Entry",
    "Event",
    "JurisdictionList",
    "ListSource",
    "Membership",
    "Period",
    "Status",
]

Confidence = Literal["confirmed", "secondary", "unverified"]
_SLUG = re.compile(r"^[a-z][a-z0-9_]*$")
_HS = re.compile(r"^[0-9]{2}([0-9]{2}){0,2}$")

Slug = Annotated[str, Field(pattern=_SLUG.pattern, max_length=80)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ListSource(_Model):
    """A document that justifies list entries; cited by ``id`` from events."""

    id: Slug = Field(description="Identifier events use to cite this source.")
    title: str = Field(min_length=1, description="Title of the document or page.")
    url: str | None = Field(default=None, description="Where to read it.")
    published: FileDate | None = Field(default=None, description="Publication date, if known.")
    note: str | None = Field(default=None, description="What the source supports, or caveats.")


class Event(_Model):
    """A listing or delisting, dated and cited."""

    date: FileDate = Field(description="Date the change took effect (or was published).")
    source: Slug = Field(description="Id of a source in the list's `sources`.")
    confidence: Confidence = Field(
        default="confirmed",
        description="confirmed: official text or two agreeing sources; secondary: one "
        "secondary source; unverified: conflicting or unchecked.",
    )
    precision: Literal["day", "month", "year", "on_or_before"] = Field(
        default="day",
        description="How precise `date` is: month/year dates use the first day; "
        "on_or_before means the change is known to have happened by `date` but its real "
        "date is not in the sources (before `date` the status is then UNKNOWN).",
    )
    see_also: list[Slug] = Field(default_factory=list, description="Further sources (ids).")
    note: str | None = Field(default=None, description="Caveats about this event.")


class Period(_Model):
    """A span during which an entry was on the list: from `listed`, until `delisted`."""

    listed: Event = Field(description="When the entry was put on the list.")
    delisted: Event | None = Field(default=None, description="When it came off (exclusive).")
    category: str | None = Field(default=None, description="A sub-status policies can select on (measure, tier...).")
    value: float | None = Field(default=None, description="A numeric value (for index lists).", allow_inf_nan=False)
    scope: str | None = Field(default=None, description="What exactly is covered, if narrower than the code.")

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.delisted is not None and self.delisted.date <= self.listed.date:
            raise ValueError("delisted date must be after the listed date")
        return self


class Entry(_Model):
    """One country, subdivision or product code and its listing history."""

    code: str = Field(description="Country (alpha-2), subdivision (ISO 3166-2) or HS code.")
    name: str | None = Field(default=None, description="Display name.")
    periods: list[Period] = Field(min_length=1, description="Listing periods, oldest first.")
    note: str | None = Field(default=None, description="Caveats about this entry.")

    @model_validator(mode="after")
    def _non_overlapping(self) -> Entry:
        for prev, cur in zip(self.periods, self.periods[1:], strict=False):
            if prev.delisted is None or cur.listed.date < prev.delisted.date:
                raise ValueError("periods must be in date order and must not overlap")
        return self


class JurisdictionList(_Model):
    """A list file: a cited, dated set of entries issued by one authority."""

    id: Slug = Field(description="Identifier policies use to refer to this list.")
    title: str = Field(min_length=1, description="Shown in reasons and explanations.")
    authority: str = Field(min_length=1, description="Issuer: FATF, EU, UK, US, UN, Egmont, ...")
    also_issued_by: list[str] = Field(
        default_factory=list,
        description="Other authorities that issued or adopted the same list; a policy applying any "
        "of them (or `authority`) applies this list.",
    )
    kind: Literal["country", "product"] = Field(
        default="country", description="country: codes are countries/subdivisions; product: HS codes."
    )
    description: str | None = Field(default=None, description="What the list is.")
    sources: list[ListSource] = Field(min_length=1, description="The documents the events cite.")
    reviewed: FileDate = Field(description="When the list was last checked against its sources.")
    review_interval_days: int = Field(gt=0, le=3660, description="Results past reviewed + interval warn.")
    history_from: FileDate = Field(
        description="From this date the history is complete; earlier, non-members are UNKNOWN."
    )
    coverage: Literal["all", "listed"] = Field(
        default="all",
        description="all: every recognised country was assessed (absence = not listed); "
        "listed: only entries were assessed (absence = unknown), as for a scored index.",
    )
    entries: list[Entry] = Field(description="The listed codes and their history (codes unique; may be empty).")
    note: str | None = Field(default=None, description="Caveats about the list.")
    _index: dict[str, Entry] = PrivateAttr(default_factory=dict)
    _prefixes: dict[str, list[Entry]] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: object, /) -> None:
        """Index entries by code (and, for product lists, by every code prefix)."""
        self._index.update((e.code, e) for e in self.entries)
        if self.kind == "product":
            for e in self.entries:
                for n in range(2, len(e.code) + 1, 2):
                    self._prefixes.setdefault(e.code[:n], []).append(e)

    @model_validator(mode="after")
    def _check(self) -> JurisdictionList:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        if dt.date.max - self.reviewed < timedelta(days=self.review_interval_days):
            problems.append(
                (("reviewed",), "reviewed + review_interval_days passes the end of the calendar (9999-12-31)")
            )
        ids: set[str] = set()
        for i, src in enumerate(self.sources):
            if src.id in ids:
                problems.append((("sources", i, "id"), f"duplicate source id {src.id!r}"))
            ids.add(src.id)
        codes: set[str] = set()
        for i, entry in enumerate(self.entries):
            where: tuple[str | int, ...] = ("entries", i, "code")
            if entry.code in codes:
                problems.append((where, f"duplicate entry code {entry.code!r}"))
            codes.add(entry.code)
            problems.extend((where, msg) for msg in self._code_problems(entry.code))
            for j, period in enumerate(entry.periods):
                for key in ("listed", "delisted"):
                    event = getattr(period, key)
                    for cited in (event.source, *event.see_also) if event is not None else ():
                        if cited not in ids:
                            problems.append(((*where[:2], "periods", j, key), f"cites unknown source {cited!r}"))
        if problems:
            raise PathErrors(problems)
        return self

    def _code_problems(self, code: str) -> list[str]:
        if self.kind == "product":
            return [] if _HS.match(code) else [f"HS code {code!r} is not 2, 4 or 6 digits"]
        try:
            canonical = normalize_country(code)
        except CountryError as exc:
            return [str(exc)]
        return [] if canonical == code else [f"use the canonical code {canonical!r} for {code!r}"]

    @property
    def authorities(self) -> list[str]:
        """The issuing authority followed by the others that issued or adopted the list."""
        return [self.authority, *self.also_issued_by]

    @property
    def review_horizon(self) -> dt.date:
        """The last date this list may be relied on without a staleness warning."""
        return self.reviewed + timedelta(days=self.review_interval_days)

    def may_be_unknown(self, as_of: dt.date) -> bool:
        """Whether :meth:`status` can answer UNKNOWN for some code on ``as_of``."""
        if self.coverage == "listed" or as_of < self.history_from:
            return True
        return any(
            e.periods[0].listed.precision == "on_or_before" and as_of < e.periods[0].listed.date for e in self.entries
        )

    def source(self, source_id: str) -> ListSource:
        """The source with this id."""
        return next(s for s in self.sources if s.id == source_id)

    def status(self, code: str, as_of: dt.date) -> Membership:
        """Membership of ``code`` (canonical, exact; no subdivision inheritance) on ``as_of``."""
        entry = self.__pydantic_private__["_index"].get(code)  # type: ignore[index]  # (not via __getattr__: hot)
        if entry is not None:
            for period in entry.periods:
                if period.listed.date <= as_of and (period.delisted is None or as_of < period.delisted.date):
                    return Membership(Status.LISTED, self, entry, period)
            first = entry.periods[0].listed
            if first.precision == "on_or_before" and as_of < first.date:
                return Membership(Status.UNKNOWN, self, entry, None)
        if self.coverage == "listed" or as_of < self.history_from:
            return Membership(Status.UNKNOWN, self, None, None)
        return Membership(Status.NOT_LISTED, self, None, None)

    def inherited(self, code: str, as_of: dt.date) -> list[Membership]:
        """Memberships that apply to ``code`` on ``as_of``, a subdivision inheriting its country's.

        A subdivision never scores below its listed country: when the subdivision and its
        country are both LISTED, both memberships are returned (the subdivision's first) and
        callers take the most severe one (highest points; any category a filter accepts).
        Otherwise the one status that applies is returned alone: the subdivision's own
        LISTED period, else the country's LISTED period, else UNKNOWN when the subdivision's
        status is UNKNOWN, else the country's status. For a country, its own status.
        """
        own = self.status(code, as_of)
        if not is_subdivision(code):
            return [own]
        parent = self.status(parent_country(code), as_of)
        if own.status is Status.LISTED:
            return [own, parent] if parent.status is Status.LISTED else [own]
        if parent.status is Status.LISTED or own.status is Status.NOT_LISTED:
            return [parent]
        return [own]

    def product_entries(self, hs_code: str) -> list[Entry]:
        """Entries matching an HS code: either code is a prefix of the other (HS-6 level)."""
        code = hs_code[:6]
        found = [self._index[code[:n]] for n in range(2, len(code) + 1, 2) if code[:n] in self._index]
        if len(code) < 6:
            found.extend(e for e in self._prefixes.get(code, ()) if len(e.code) > len(code))
        return found


class PathErrors(ValueError):
    """Several problems in one model, each at a key path inside it (for file:line reports)."""

    def __init__(self, problems: list[tuple[tuple[str | int, ...], str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{'.'.join(map(str, p))}: {m}" for p, m in problems))


class Status(enum.Enum):
    """Answer to "was X on this list on date D?"."""

    LISTED = "listed"
    NOT_LISTED = "not_listed"
    UNKNOWN = "unknown"


class Membership:
    """A status together with the entry and period that justify it."""

    __slots__ = ("entry", "list", "period", "status")

    def __init__(self, status: Status, lst: JurisdictionList, entry: Entry | None, period: Period | None) -> None:
        self.status = status
        self.list = lst
        self.entry = entry
        self.period = period

    def __repr__(self) -> str:
        return f"Membership({self.status.value}, {self.list.id}, {self.entry.code if self.entry else None})"
