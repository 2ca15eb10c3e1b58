"""Amendment files: dated, cited changes applied on top of a list's data (``*.amend.yaml``).

An amendment file names the list it amends (``amends:``), the sources it cites and a list
of changes: ``list`` (add an entry from a date), ``delist`` (end an entry's listing) and
``recategorise`` (change the category of a listed entry from a date). A policy loads an
amendment file like a list file: named in its ``lists:`` or found in a listed folder (by the
``.amend.yaml`` suffix). Changes only extend an entry's history (each must come after the
entry's last recorded change); one already in the list data is refused as
``amend-redundant`` (a release shipped it: delete the change), one that contradicts the data
as ``amend-conflict``.

The amended list is an ordinary :class:`~riskscore.lists.JurisdictionList`: the amendment's
sources join the list's sources (ids prefixed ``amendment_``, titles naming the file), its
events cite them, so the fingerprint, ``explain`` and both scoring paths see the amendment
without knowing about it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ._yaml import LocatedData, PathKey, load_file
from .errors import Issue, PolicyError
from .lists import Confidence, Event, JurisdictionList

__all__ = ["AMENDMENT_SUFFIX", "Amendment", "Change", "apply_amendments", "is_amendment", "list_entry_path"]

AMENDMENT_SUFFIX = ".amend.yaml"
BUNDLED = "bundled"
SOURCE_PREFIX = "amendment_"
_Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AmendmentSource(_Model):
    """A document the amendment's changes cite (a plenary statement, an official journal)."""

    id: _Slug = Field(description="Identifier the changes use to cite this source.")
    title: str = Field(min_length=1, description="Title of the document or page.")
    url: str | None = Field(default=None, description="Where to read it.")
    published: dt.date | None = Field(default=None, description="Publication date, if known.")
    note: str | None = Field(default=None, description="What the source supports, or caveats.")


class Change(_Model):
    """One dated, cited change to one entry of the amended list."""

    code: str = Field(description="Canonical country (alpha-2), subdivision (ISO 3166-2) or HS code.")
    action: Literal["list", "delist", "recategorise"] = Field(
        description="list: put the entry on the list from `date`; delist: take it off from `date`; "
        "recategorise: give its listing a new `category` from `date`."
    )
    date: dt.date = Field(description="Date the change took effect (or was published).")
    precision: Literal["day", "month", "year", "on_or_before"] = Field(
        default="day", description="How precise `date` is (as for list events)."
    )
    category: str | None = Field(
        default=None, description="The category from `date` (required for recategorise, not allowed for delist)."
    )
    source: _Slug = Field(description="Id of a source in the amendment's `sources`.")
    see_also: list[_Slug] = Field(default_factory=list, description="Further sources (ids).")
    confidence: Confidence = Field(
        description="Required: confirmed (official text or two agreeing sources), secondary, or unverified."
    )
    note: str | None = Field(default=None, description="Why, or caveats; shown with the event.")


class Amendment(_Model):
    """An amendment file (``*.amend.yaml``): cited changes to one list, on top of its data."""

    amends: _Slug = Field(description="Id of the list this file amends (a list the policy loads).")
    title: str | None = Field(default=None, description="What the amendment records, e.g. a plenary outcome.")
    reviewed: dt.date | None = Field(
        default=None,
        description="When you checked the list's sources; if later than the list's `reviewed`, it replaces it "
        "(so the staleness horizon moves on).",
    )
    sources: list[AmendmentSource] = Field(min_length=1, description="Documents the changes cite.")
    changes: list[Change] = Field(
        default_factory=list,
        description="The changes, each dated and cited; may be empty when `reviewed` records that the list "
        "was re-checked and found unchanged.",
    )


def is_amendment(path: Path) -> bool:
    """Whether a file found through a policy's ``lists:`` is an amendment file."""
    return path.name.endswith(AMENDMENT_SUFFIX)


def list_entry_path(base: Path, entry: str) -> Path:
    """Where a ``lists:`` entry points: ``bundled`` is the lists shipped with riskscore."""
    if entry == BUNDLED:
        from .policy import default_policy_path

        return default_policy_path().parent.parent / "lists"
    return (base / entry).resolve()


def apply_amendments(
    files: Iterable[Path],
    lists: dict[str, JurisdictionList],
    load: Callable[[Path], LocatedData] = load_file,
) -> dict[str, JurisdictionList]:
    """Load the amendment ``files`` with ``load`` and apply them to ``lists``.

    ``load`` is the policy's reader (regular files only, the policy-wide size budget); raises
    PolicyError listing every problem.
    """
    from ._validate import suggest, validate_located

    issues: list[Issue] = []
    loaded: list[tuple[Path, LocatedData, Amendment]] = []
    for file in files:
        try:
            located = load(file)
            amendment = validate_located(Amendment, located)
        except PolicyError as exc:
            issues.extend(exc.issues)
            continue
        found = _references(amendment, located)
        if amendment.amends not in lists:
            found.append(
                located.issue(
                    ("amends",),
                    f"amends list {amendment.amends!r}, which this policy does not load",
                    "unknown-list",
                    suggest(amendment.amends, lists),
                )
            )
        issues.extend(found)
        if not found:
            loaded.append((file, located, amendment))
    out = dict(lists)
    for list_id in sorted({a.amends for _, _, a in loaded}):
        group = [item for item in loaded if item[2].amends == list_id]
        out[list_id] = _Applier(lists[list_id], issues).run(group)
    if issues:
        raise PolicyError(issues)
    return out


def _references(amendment: Amendment, located: LocatedData) -> list[Issue]:
    issues: list[Issue] = []
    ids: set[str] = set()
    for i, src in enumerate(amendment.sources):
        if src.id in ids:
            issues.append(located.issue(("sources", i, "id"), f"duplicate source id {src.id!r}", "duplicate-id"))
        ids.add(src.id)
    if not amendment.changes and amendment.reviewed is None:
        issues.append(located.issue(("changes",), "an amendment needs changes, or `reviewed` alone", "empty-amendment"))
    for i, ch in enumerate(amendment.changes):
        for j, cited in enumerate((ch.source, *ch.see_also)):
            if cited not in ids:
                key: PathKey = ("changes", i, "source") if j == 0 else ("changes", i, "see_also", j - 1)
                issues.append(located.issue(key, f"cites unknown source {cited!r}", "unknown-source"))
        if ch.action == "recategorise" and ch.category is None:
            issues.append(located.issue(("changes", i), "recategorise needs a `category`", "missing"))
        if ch.action == "delist" and ch.category is not None:
            issues.append(located.issue(("changes", i, "category"), "delist takes no `category`", "bad-change"))
    return issues


class _Applier:
    """Applies the changes of the amendment files of one list, in date order, to a copy of its data."""

    def __init__(self, base: JurisdictionList, issues: list[Issue]) -> None:
        self.base, self.issues = base, issues
        self.data: dict[str, Any] = base.model_dump()
        self.entries: dict[str, dict[str, Any]] = {e["code"]: e for e in self.data["entries"]}
        self.sources: dict[str, dict[str, Any]] = {s["id"]: s for s in self.data["sources"]}

    def run(self, group: list[tuple[Path, LocatedData, Amendment]]) -> JurisdictionList:
        before = len(self.issues)
        pending: list[tuple[Change, str, LocatedData, int]] = []
        for file, located, amendment in group:
            self._add_sources(file.name, located, amendment)
            if amendment.reviewed is not None and amendment.reviewed > self.data["reviewed"]:
                self.data["reviewed"] = amendment.reviewed
            pending.extend((ch, file.name, located, i) for i, ch in enumerate(amendment.changes))
        for change, name, located, i in sorted(pending, key=lambda p: p[0].date):
            problem = self._apply(change, name)
            if problem is not None:
                code, message = problem
                self.issues.append(located.issue(("changes", i), message, code))
        if len(self.issues) > before:
            return self.base
        try:
            return JurisdictionList.model_validate(self.data)
        except ValidationError as exc:  # e.g. reviewed + interval past the calendar's end
            where = group[0][1]
            self.issues.append(where.issue(("amends",), f"the amended list is invalid: {exc}", "amend-invalid"))
            return self.base

    def _add_sources(self, name: str, located: LocatedData, amendment: Amendment) -> None:
        for i, src in enumerate(amendment.sources):
            entry = src.model_dump()
            entry["id"] = SOURCE_PREFIX + src.id
            entry["title"] = f"{src.title} [amendment {name}]"
            known = self.sources.get(entry["id"])
            if known is None:
                self.sources[entry["id"]] = entry
                self.data["sources"].append(entry)
            elif known != entry:
                self.issues.append(
                    located.issue(
                        ("sources", i, "id"),
                        f"another amendment of {amendment.amends!r} defines source {src.id!r} differently",
                        "duplicate-id",
                    )
                )

    def _apply(self, ch: Change, name: str) -> tuple[str, str] | None:
        problems = self.base._code_problems(ch.code)
        if problems:
            return "bad-code", problems[0]
        if self._already_in_data(ch):
            return "amend-redundant", (
                f"{ch.action} {ch.code} on {ch.date} is already in the data of list {self.base.id!r}: "
                "delete this change from the amendment"
            )
        event = {
            "date": ch.date,
            "source": SOURCE_PREFIX + ch.source,
            "confidence": ch.confidence,
            "precision": ch.precision,
            "see_also": [SOURCE_PREFIX + s for s in ch.see_also],
            "note": f"amendment {name}" + (f": {ch.note}" if ch.note else ""),
        }
        entry = self.entries.get(ch.code)
        periods: list[dict[str, Any]] = entry["periods"] if entry is not None else []
        last = periods[-1] if periods else None
        if ch.action == "list":
            if last is not None and last["delisted"] is None:
                return "amend-conflict", f"{ch.code} is already listed from {last['listed']['date']} (use recategorise)"
            if last is not None and ch.date < last["delisted"]["date"]:
                return "amend-conflict", f"{ch.code} has a later recorded change ({last['delisted']['date']})"
            period = {"listed": event, "delisted": None, "category": ch.category, "value": None, "scope": None}
            if entry is None:
                entry = {"code": ch.code, "name": None, "periods": [], "note": None}
                self.entries[ch.code] = entry
                self.data["entries"].append(entry)
            entry["periods"].append(period)
            return None
        if last is None or last["delisted"] is not None:
            return "amend-conflict", f"{ch.code} is not listed at the end of its recorded history"
        if ch.date <= last["listed"]["date"]:
            return "amend-conflict", f"{ch.code} has a later recorded change ({last['listed']['date']})"
        if ch.action == "recategorise" and ch.category == last["category"]:
            return "amend-conflict", f"{ch.code} already has category {ch.category!r}"
        last["delisted"] = event
        if ch.action == "recategorise":
            periods.append({**last, "listed": event, "delisted": None, "category": ch.category})
        return None

    def _already_in_data(self, ch: Change) -> bool:
        entry = self.base._index.get(ch.code)
        if entry is None:
            return False
        for period in entry.periods:
            if ch.action == "delist":
                if _same(period.delisted, ch.date):
                    return True
            elif _same(period.listed, ch.date) and period.category == ch.category:
                return True
        return False


def _same(event: Event | None, date: dt.date) -> bool:
    return event is not None and event.date == date
