"""Explanation text and result records, shared by the row scorer and the column results.

Reason templates, the fact and name caps, item values and the fast builders of the result
models from values the scorer has already checked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from pydantic import BaseModel

from ._display import num
from .lists import Event, Membership
from .result import AppliedOverride, Contribution, FactItem, Result, SourceRef, format_since

__all__ = [
    "CACHE_LIMIT",
    "COUNTRY_FIELDS",
    "Fired",
    "MAX_FACTS",
    "MAX_NAMED",
    "RefKey",
    "Template",
    "applied_override",
    "capped",
    "category",
    "citation",
    "contribution",
    "dedupe",
    "Explained",
    "fact_item",
    "fmt",
    "item",
    "items",
    "keyed_refs",
    "maker",
    "named",
    "new_contribution",
    "new_result",
    "ready",
    "since",
    "source_ref",
    "who",
]


MAX_FACTS = 20
"""Most facts a rule, or one ``country_in``/``product_in`` condition, lists; the rest are
counted in a last fact ``... and N more`` (their citations are all kept)."""
MAX_NAMED = 5
"""Most owners named in one aggregated ownership fact or reason; the rest are counted."""

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


class Template:
    """A reason template split once into literal text and placeholders (fast to fill)."""

    __slots__ = ("parts",)

    def __init__(self, template: str) -> None:
        pieces = _PLACEHOLDER.split(template)
        self.parts = [(pieces[i], pieces[i + 1] if i + 1 < len(pieces) else None) for i in range(0, len(pieces), 2)]

    def render(self, values: dict[str, Any]) -> str:
        out = []
        for literal, name in self.parts:
            out.append(literal)
            if name is not None:
                out.append(fmt(values[name]) if name in values else "{" + name + "}")
        return "".join(out)


def capped(facts: list[str]) -> list[str]:
    """``facts`` cut to :data:`MAX_FACTS`, the rest counted in a last ``... and N more`` fact."""
    if len(facts) <= MAX_FACTS:
        return facts
    return [*facts[:MAX_FACTS], f"... and {len(facts) - MAX_FACTS} more"]


def named(labels: list[str]) -> str:
    """Up to :data:`MAX_NAMED` labels joined, the rest counted."""
    if len(labels) <= MAX_NAMED:
        return ", ".join(labels)
    return ", ".join(labels[:MAX_NAMED]) + f" and {len(labels) - MAX_NAMED} more"


def fmt(value: Any) -> str:
    if isinstance(value, float):
        return num(value)  # the display rule of riskscore._display
    return str(value)


_SINGULAR = {"owners": "owner", "trade_partners": "trade partner"}


def who(field: str, i: int, name: str | None = None) -> str:
    """``owner 'Volga Holding'``, ``owner #1`` or ``trade partner #2``: by name, else by position."""
    return f"{_SINGULAR[field]} '{name}'" if name else f"{_SINGULAR[field]} #{i + 1}"


def item(
    field: str,
    index: int | None,
    code: str,
    fact: int | None,
    *,
    name: str | None = None,
    share: float | None = None,
    points: float | None = None,
    lists: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The values of a :class:`FactItem` (built by :func:`items` once the facts are final)."""
    return {
        "field": field,
        "index": index,
        "code": code,
        "name": name,
        "share": share,
        "points": points,
        "lists": lists,
        "fact": fact if fact is not None and fact < MAX_FACTS else None,
    }


_SET = object.__setattr__
M = TypeVar("M", bound=BaseModel)


def maker(cls: type[M]) -> Callable[[dict[str, Any]], M]:
    """A builder of ``cls`` from values the engine has already validated (no re-validation).

    Equivalent to ``cls.model_construct(**values)`` with every field given, at a fraction of
    the cost; the result models have no private attributes, extras or post-init hooks.
    """
    new = cls.__new__
    fields = set(cls.model_fields)
    slots = BaseModel.__dict__  # BaseModel's slot descriptors: faster than object.__setattr__
    set_fields = slots["__pydantic_fields_set__"].__set__
    set_extra = slots["__pydantic_extra__"].__set__
    set_private = slots["__pydantic_private__"].__set__

    def make(values: dict[str, Any]) -> M:
        model = new(cls)
        _SET(model, "__dict__", values)
        set_fields(model, fields)
        set_extra(model, None)
        set_private(model, None)
        return model

    return make


source_ref = maker(SourceRef)
fact_item = maker(FactItem)


def items(values: list[dict[str, Any]]) -> list[FactItem] | None:
    return [fact_item(v) for v in values] if values else None


new_contribution = maker(Contribution)
applied_override = maker(AppliedOverride)
_result = maker(Result)
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__


def new_result(values: dict[str, Any], pending: Callable[[], dict[str, Any]] | None) -> Result:
    """A :class:`Result` of checked values; ``pending`` writes the fields left out of ``values``
    when one of them is first read (see ``Result._written``)."""
    result = _result(values)
    _set_private(result, {"_pending": pending})
    return result


RefKey = tuple[str, str, str]
Explained = tuple[str, list[str], list[SourceRef], list[FactItem] | None]
"""A fired rule's reason, facts, sources and items."""
Fired = tuple[float, Callable[[], Explained]]
"""A fired rule's points, and the function that writes its explanation (called when a
result's contributions are first read: the text costs nothing until then). The function
returns new lists on every call, and reads only what the rule has already decided."""


def ready(
    reason: str, facts: list[str], sources: list[SourceRef], found: list[FactItem] | None
) -> Callable[[], Explained]:
    """The explanation of a :data:`Fired` whose parts are already built (copied on every call)."""
    return lambda: (reason, list(facts), list(sources), None if found is None else list(found))


def since(event: Event) -> str:
    """``since 2011 (year)``, ``listed on or before 2022-01-01``..., with a non-confirmed mark."""
    mark = f" [confidence: {event.confidence}]" if event.confidence != "confirmed" else ""
    return format_since(event.date, event.precision) + mark


def keyed_refs(memberships: Iterable[Membership]) -> list[tuple[RefKey, SourceRef]]:
    out: list[tuple[RefKey, SourceRef]] = []
    for m in memberships:
        if m.entry is None or m.period is None:
            continue
        event = m.period.listed
        for sid in (event.source, *event.see_also):
            src = m.list.source(sid)
            ref = source_ref(
                {
                    "title": src.title,
                    "url": src.url,
                    "list_id": m.list.id,
                    "authority": m.list.authority,
                    "code": m.entry.code,
                    "category": m.period.category,
                    "listed_on": event.date,
                    "date_precision": event.precision,
                    "confidence": event.confidence,
                },
            )
            out.append(((m.list.id, m.entry.code, sid), ref))
    return out


def dedupe(keyed: Iterable[tuple[RefKey, SourceRef]]) -> list[SourceRef]:
    out: list[SourceRef] = []
    seen: set[RefKey] = set()
    for key, ref in keyed:
        if key not in seen:
            seen.add(key)
            out.append(ref)
    return out


CACHE_LIMIT = 100_000


def citation(title: str, url: str | None) -> dict[str, Any]:
    return {
        "title": title,
        "url": url,
        "list_id": None,
        "authority": None,
        "code": None,
        "category": None,
        "listed_on": None,
        "date_precision": None,
        "confidence": "confirmed",
    }


def contribution(rule_id: str, factor: str, weight: float, counted: float, got: Fired) -> Contribution:
    """The :class:`Contribution` of a fired rule: ``counted`` of its points, at ``weight``."""
    reason, facts, sources, found = got[1]()
    return new_contribution(
        {
            "rule_id": rule_id,
            "factor": factor,
            "points": got[0],
            "weight": weight,
            "weighted": weight * counted,
            "reason": reason,
            "facts": facts,
            "sources": sources,
            "items": found,
        },
    )


COUNTRY_FIELDS = ("incorporation", "operations", "owners", "trade_partners")


def category(m: Membership) -> str:
    return f" [{m.period.category}]" if m.period is not None and m.period.category else ""
