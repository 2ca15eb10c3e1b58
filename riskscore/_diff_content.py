"""What changed in the policy itself: the content diff of ``riskscore diff``.

Sections, in this order: ``policy`` (id, version, title), ``factors`` (weights), ``country_risk``
(baseline, how lists combine), ``list_points`` (points, category points, unknown points per
list), ``rules``, ``overrides``, ``tiers``, ``attributes``, ``authorities`` (applied),
``lists`` (applied lists) and ``list_entries`` (the changes of a list both policies apply that
only one of them records, dated on or before the as-of date: what ``riskscore lists diff
--against`` computes). Items are matched by id; a changed item names the field that changed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .policy import Policy

__all__ = ["SECTIONS", "ContentChange", "content_diff", "show_value"]

SECTIONS = (
    "policy",
    "factors",
    "country_risk",
    "list_points",
    "rules",
    "overrides",
    "tiers",
    "attributes",
    "authorities",
    "lists",
    "list_entries",
)


@dataclass(frozen=True)
class ContentChange:
    """One difference between the two policies."""

    section: str  # one of SECTIONS
    item: str  # the id of what changed (a rule, a list, "CU on sanctions_us"...)
    change: str  # added | removed | changed | moved (in order) | or a list change's action
    field: str | None = None  # for ``changed``: the field, dotted (``category_points.countermeasures``)
    old: Any = None
    new: Any = None

    def text(self) -> str:
        """One line: ``rules: incorporation_country changed missing_points: 50 -> 60``."""
        head = f"{self.section if self.item == self.section else f'{self.section}: {self.item}'} {self.change}"
        if self.field is not None:
            return f"{head} {self.field}: {show_value(self.old)} -> {show_value(self.new)}"
        if self.old is not None or self.new is not None:
            return f"{head}: {show_value(self.new if self.new is not None else self.old)}"
        return head

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "section": self.section,
            "item": self.item,
            "change": self.change,
            "field": self.field,
            "old": self.old,
            "new": self.new,
        }


def show_value(value: Any) -> str:
    """A value as one short line: strings as they are, anything else as compact JSON (cut at 160)."""
    if value is None:
        return "(none)"
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return f"{value:g}"
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))
    return text if len(text) <= 160 else text[:157] + "..."


def _fields(section: str, item: str, old: Any, new: Any, path: str = "") -> list[ContentChange]:
    """A ``changed`` entry per differing leaf, named by its dotted path (``when.all[1].country_in.list``).

    Mappings are compared key by key and lists of mappings of one length item by item; any
    other difference is reported whole at its path.
    """
    if old == new:
        return []
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for key in [*old, *(k for k in new if k not in old)]:
            out += _fields(section, item, old.get(key), new.get(key), f"{path}.{key}" if path else str(key))
        return out
    same_shape = isinstance(old, list) and isinstance(new, list) and len(old) == len(new) and bool(path)
    if same_shape and any(isinstance(x, dict) for x in [*old, *new]):
        pairs = enumerate(zip(old, new, strict=True))
        return [c for i, (a, b) in pairs for c in _fields(section, item, a, b, f"{path}[{i}]")]
    return [ContentChange(section, item, "changed", path, old, new)]


def _items(section: str, old: dict[str, Any], new: dict[str, Any]) -> list[ContentChange]:
    """Added, removed and changed items of two id -> mapping tables; ``moved`` if the common ids' order differs."""
    out = [ContentChange(section, k, "removed", old=_summary(v)) for k, v in old.items() if k not in new]
    out += [ContentChange(section, k, "added", new=_summary(v)) for k, v in new.items() if k not in old]
    for k, v in old.items():
        if k in new:
            out += _fields(section, k, v, new[k])
    common_old, common_new = [k for k in old if k in new], [k for k in new if k in old]
    if common_old != common_new and section in ("overrides", "tiers"):
        out.append(ContentChange(section, "(order)", "changed", "order", common_old, common_new))
    return out


def _summary(value: Any) -> Any:
    """What an added or removed item shows: its kind/action and main number, else all of it."""
    if not isinstance(value, dict):
        return value
    keys = ("factor", "kind", "action", "tier", "points", "score", "min", "weight", "type")
    brief = {k: value[k] for k in keys if value.get(k) is not None}
    return brief or value


def _dump(model: Any) -> dict[str, Any]:
    data: dict[str, Any] = model.model_dump(mode="json", exclude_none=True)
    return data


def _tables(policy: Policy) -> dict[str, dict[str, Any]]:
    m = policy.model
    rules = {r.id: {"factor": f.id, **_dump(r)} for f in m.factors for r in f.rules}
    return {
        "policy": {"policy": {"id": m.id, "version": m.version, "title": m.title}},
        "factors": {f.id: {k: v for k, v in _dump(f).items() if k != "rules"} for f in m.factors},
        "country_risk": {"country_risk": {"baseline": m.country_risk.baseline, "combine": m.country_risk.combine}},
        "list_points": {lp.list: {k: v for k, v in _dump(lp).items() if k != "list"} for lp in m.country_risk.lists},
        "rules": rules,
        "overrides": {o.id: _dump(o) for o in m.overrides},
        "tiers": {t.id: _dump(t) for t in m.tiers},
        "attributes": {k: _dump(v) for k, v in (m.attributes or {}).items()},
    }


def _authorities(old: Policy, new: Policy) -> list[ContentChange]:
    out = [ContentChange("authorities", a, "removed") for a in old.authorities if a not in new.authorities]
    return out + [ContentChange("authorities", a, "added") for a in new.authorities if a not in old.authorities]


def _lists(old: Policy, new: Policy, as_of: date) -> list[ContentChange]:
    from ._lists_cli import compare_lists

    compared = compare_lists(old, new, None, as_of)
    out = [ContentChange("lists", k, "removed", old=old.lists[k].authority) for k in compared["only_in_policy"]]
    out += [ContentChange("lists", k, "added", new=new.lists[k].authority) for k in compared["only_in_against"]]
    for item in compared["lists"]:
        for c in item["changes"]:
            side = "old" if c["only_in"] == "policy" else "new"
            category = c["category"] or c["previous_category"]
            what = f"{c['action']} on {c['date']}" + (f" [{category}]" if category else "")
            if c["action"] == "recategorised":
                what = f"recategorised on {c['date']} {c['previous_category']} -> {c['category']}"
            out.append(ContentChange("list_entries", f"{c['code']} on {item['list']}", f"only in {side}", new=what))
    return out


def content_diff(old: Policy, new: Policy, as_of: date) -> list[ContentChange]:
    """Every difference between ``old`` and ``new`` that can change a score on ``as_of``, by section."""
    a, b = _tables(old), _tables(new)
    out: list[ContentChange] = []
    for section in SECTIONS[:8]:
        out += _items(section, a[section], b[section])
    return out + _authorities(old, new) + _lists(old, new, as_of)
