"""Pieces of an explanation: the layout (text or Markdown), items in plain words, footnotes."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ._display import num, pct
from .countries import country_name

if TYPE_CHECKING:
    from .result import AppliedOverride, Contribution, FactItem, Result, SourceRef

MAX_SHOWN = 3
"""Most items named on one contribution or override line; the rest are counted."""

_MORE_RE = re.compile(r"\.\.\. and \d+ more")  # the engine's last fact when it cut a long list (engine._capped)


class Layout:
    """Headings, lines and code spans as plain text or Markdown."""

    def __init__(self, markdown: bool, heading_level: int) -> None:
        self.markdown = markdown
        self.level = heading_level
        self.lines: list[str] = []

    def title(self, text: str) -> None:
        self.lines.append(f"{'#' * self.level} {text}" if self.markdown else text)

    def section(self, text: str) -> None:
        self.lines.append("")
        if self.markdown:
            self.lines += [f"{'#' * (self.level + 1)} {text}", ""]
        else:
            self.lines.append(f"{text}:")

    def para(self, text: str) -> None:
        self.lines += ["", text] if self.markdown else [text]

    def item(self, text: str) -> None:
        self.lines.append(f"- {text}" if self.markdown else f"  {text}")

    def sub(self, text: str) -> None:
        self.lines.append(f"  - {text}" if self.markdown else f"      {text}")

    def code(self, text: str) -> str:
        return f"`{text}`" if self.markdown else text

    def text(self) -> str:
        return "\n".join(self.lines)


def header(out: Layout, result: Result) -> None:
    """The counterparty's title and the policy, date and authorities line."""
    out.title(f"Counterparty {result.counterparty_id}: score {num(result.score)} -> tier {result.tier.upper()}")
    out.para(
        f"policy {result.policy_id} {result.policy_version} (fingerprint {result.fingerprint[:16]}), "
        f"as of {result.as_of}, authorities applied: {', '.join(result.authorities)}"
    )


def arithmetic(c: Contribution) -> tuple[str, str]:
    """``'12 = 30 % x 40'`` (the weight is a share of the score) and a note when the points counted
    are not the rule's points."""
    used = c.weighted / c.weight if c.weight else 0.0
    shown, note = c.points, ""
    if c.weighted <= 0:
        note = " (superseded within its factor)"
    elif abs(used - c.points) > 1e-9:
        shown, note = used, f" (capped: {num(used)} of its {num(c.points)} points counted)"
    return f"{num(c.weighted)} = {pct(c.weight)} x {num(shown)}", note


def _who(item: FactItem) -> str:
    code = item.code
    baseline = " (on no applied list)" if item.points is not None and not item.lists else ""
    if item.field == "incorporation":
        return f"incorporated in {country_name(code)} ({code}){baseline}"
    if item.field == "operations":
        return f"operates in {country_name(code)} ({code}){baseline}"
    if item.field in ("owners", "trade_partners"):
        kind = "owner" if item.field == "owners" else "trade partner"
        label = f"{kind} '{item.name}'" if item.name else f"{kind} #{(item.index or 0) + 1}"
        share = f", {pct(item.share)}" if item.share is not None else ""
        risk = f", risk {num(item.points)}" if item.points is not None else ""
        return f"{label} ({code}{share}{risk})"
    if item.field == "products":
        return f"product {code}"
    return f"{item.field} {code}"


def _weight(item: FactItem) -> float:
    return (item.share or 0.0) * (item.points or 0.0)


def deciding(facts: Sequence[str], items: Sequence[FactItem] | None, out: Layout) -> str:
    """The deciding facts in plain words: the items that fired (by name, else by position;
    shares as percentages), at most :data:`MAX_SHOWN` of them with the rest counted, then the
    facts that are not about an item (a flag, a comparison, a missing field...).

    A rule that read country risk (its items carry ``points``) lists only what decided, so its
    other facts (the lower-risk alternatives, a cut list's count) are left to verbose."""
    items = list(items or ())
    risk_rule = any(it.points is not None for it in items)
    told = {it.fact for it in items if it.fact is not None}
    hidden: Counter[str] = Counter()  # items not named, per field
    plain = []
    for i, fact in enumerate(facts):
        if i in told or risk_rule:
            continue
        before = [it for it in items if it.fact is not None and it.fact < i]
        if before and _MORE_RE.fullmatch(fact):  # the engine cut this field's facts
            hidden[max(before, key=lambda it: it.fact or 0).field] += int(fact.split()[2])
        else:
            plain.append(fact)
    shared = Counter(it.fact for it in items if it.fact is not None)
    # several items behind one fact (owners added up per country): that fact says it best
    parts = [facts[n] for n in sorted(n for n, k in shared.items() if k > 1)]
    seen: set[tuple[str, int | None, tuple[str, ...]]] = set()
    named: list[FactItem] = []
    for it in items:
        key = (it.field, it.index, it.lists)  # one product matching two entries is one item
        if (it.fact is None or shared[it.fact] == 1) and key not in seen:
            seen.add(key)
            named.append(it)
    if named and all(it.share is not None and it.points is not None for it in named):
        named.sort(key=lambda it: -_weight(it))  # exposure: the largest contributions first
    for it in named[MAX_SHOWN:]:
        hidden[it.field] += 1
    cut = [int(f.split()[2]) for f in facts if _MORE_RE.fullmatch(f)]
    if risk_rule and cut and len(named) > 1:  # exposure past MAX_FACTS partners: one fact each
        hidden[named[0].field] = len(facts) - 1 + cut[0] - min(len(named), MAX_SHOWN)
    groups: list[tuple[str, tuple[str, ...], list[str]]] = []
    for it in named[:MAX_SHOWN]:
        if groups and groups[-1][:2] == (it.field, it.lists):
            groups[-1][2].append(_who(it))
        else:
            groups.append((it.field, it.lists, [_who(it)]))
    last = {field: g for g, (field, _, _) in enumerate(groups)}
    for g, (field, lists, whos) in enumerate(groups):
        if field == "products" and len(whos) > 1:
            whos = [f"products {', '.join(w.removeprefix('product ') for w in whos)}"]
        on = f" on {', '.join(out.code(x) for x in lists)}" if lists else ""
        more = f" and {hidden.pop(field)} more" if last[field] == g and hidden.get(field) else ""
        parts.append(", ".join(whos) + on + more)
    parts += [f"{n} more {field.replace('_', ' ')}" for field, n in hidden.items() if n]
    return "; ".join(parts + plain)


def cite(src: SourceRef) -> str:
    """One source occurrence: its title, the list entry it supports (date at its precision,
    confidence when not confirmed) and its address."""
    parts = [src.title]
    if src.list_id:
        listed = f", listed {src.listed_text}" if src.listed_text else ""
        cat = f" (category {src.category})" if src.category else ""
        parts.append(f"({src.authority} list '{src.list_id}': {src.code}{cat}{listed})")
    if src.url:
        parts.append(f"<{src.url}>")
    if src.confidence != "confirmed":
        parts.append(f"[confidence: {src.confidence}]")
    return " ".join(parts)


class Footnotes:
    """Sources de-duplicated by document (title and address), numbered in order of first use."""

    def __init__(self) -> None:
        self.number: dict[tuple[str, str | None], int] = {}
        self.refs: dict[int, list[SourceRef]] = {}

    def marks(self, sources: Sequence[SourceRef]) -> str:
        """``[1][3]``: the footnote numbers of ``sources`` (new documents get the next numbers)."""
        got: set[int] = set()
        for src in sources:
            key = (src.title, src.url)
            n = self.number.setdefault(key, len(self.number) + 1)
            refs = self.refs.setdefault(n, [])
            if src not in refs:
                refs.append(src)
            got.add(n)
        return _ranges(sorted(got))

    def lines(self) -> list[str]:
        """One line per document: ``[n] title (entries it supports, with dates) <url>``."""
        return [f"[{n}] {_footnote(refs)}" for n, refs in self.refs.items()]


def _ranges(numbers: list[int]) -> str:
    """``[1][2]`` for two, ``[1-19]`` for a run of three or more, ``[1][4-6]`` mixed."""
    out, i = [], 0
    while i < len(numbers):
        j = i
        while j + 1 < len(numbers) and numbers[j + 1] == numbers[j] + 1:
            j += 1
        if j - i >= 2:
            out.append(f"[{numbers[i]}-{numbers[j]}]")
        else:
            out += [f"[{n}]" for n in numbers[i : j + 1]]
        i = j + 1
    return "".join(out)


def _footnote(refs: list[SourceRef]) -> str:
    first = refs[0]
    groups: dict[tuple[object, ...], list[str]] = {}
    for r in refs:
        if r.list_id is None:
            continue
        key = (r.authority, r.list_id, r.category, r.listed_text, r.confidence)
        codes = groups.setdefault(key, [])
        if r.code is not None and r.code not in codes:
            codes.append(r.code)
    entries = []
    for (authority, list_id, category, listed, confidence), codes in groups.items():
        cat = f" (category {category})" if category else ""
        when = f", listed {listed}" if listed else ""
        mark = f" [confidence: {confidence}]" if confidence != "confirmed" else ""
        entries.append(f"{authority} list '{list_id}': {', '.join(codes)}{cat}{when}{mark}")
    text = first.title + (f" ({'; '.join(entries)})" if entries else " (cited by the policy)")
    if first.url:
        text += f" <{first.url}>"
    if not entries and first.confidence != "confirmed":
        text += f" [confidence: {first.confidence}]"
    return text


def override_line(o: AppliedOverride, out: Layout) -> str:
    """``floor grey_list_floor_medium: 45 (medium) -> 50 (high)``."""
    moved = f"{num(o.score_before)} ({o.tier_before}) -> {num(o.score_after)} ({o.tier_after})"
    return f"{o.action} {out.code(o.override_id)}: {moved}"
