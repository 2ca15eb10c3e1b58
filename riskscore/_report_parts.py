"""One counterparty's section of the audit report (see :mod:`riskscore._report`).

:func:`section` renders a :class:`~riskscore.Result`: verdict, reproducibility facts, factor
chart, contributions, overrides and numbered sources; every string is escaped by
:mod:`riskscore._html`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from . import _html as h
from ._html import Markup, escape, join, num, tag
from .policy import Policy
from .result import Result, SourceRef

__all__ = ["PolicyView", "badge", "section", "tier_colour"]

_MARKS = {"confirmed": "●", "secondary": "◐", "unverified": "○"}


def tier_colour(tier: str, tiers: Sequence[str]) -> str:
    """The tier's colour by its rank in the policy (:func:`riskscore._html.rank_colour`); grey for
    a tier the policy lacks."""
    return h.rank_colour(tiers.index(tier), len(tiers)) if tier in tiers else "#5b6475"


def badge(tier: str, tiers: Sequence[str]) -> Markup:
    return tag("span", tier, class_="tier", style=f"--tier:{tier_colour(tier, tiers)}")


def _cite(src: SourceRef) -> Markup:
    """One footnote: title, list entry, date at its precision, confidence mark, address."""
    parts: list[object] = [tag("strong", src.title)]
    if src.list_id:
        entry = f"{src.authority or '?'} list {src.list_id}: {src.code or '?'}"
        entry += f" [{src.category}]" if src.category else ""
        parts.append(Markup(" — ") + escape(entry))
    if src.listed_text:
        parts.append(escape(f"; listed {src.listed_text}"))
    mark = _MARKS.get(src.confidence, "?")
    parts.append(tag("span", f" {mark} {src.confidence}", class_="flag" if src.confidence != "confirmed" else "muted"))
    if src.url:
        url = src.url
        link = tag("a", url, href=url) if url.startswith(("https://", "http://")) else tag("code", url)
        parts.append(Markup("<br>") + tag("span", link, class_="small mono"))
    return join(parts)


class _Footnotes:
    """Sources numbered in order of first citation, each once."""

    def __init__(self) -> None:
        self.numbers: dict[SourceRef, int] = {}

    def refs(self, sources: Iterable[SourceRef]) -> Markup:
        """The footnote numbers of ``sources`` (numbering new ones), runs shown as ``[4-9]`` with an en dash."""
        numbers = sorted({self.numbers.setdefault(src, len(self.numbers) + 1) for src in sources})
        runs: list[list[int]] = []
        for n in numbers:
            if runs and runs[-1][-1] == n - 1:
                runs[-1].append(n)
            else:
                runs.append([n])
        marks = []
        for run in runs:
            text = f"[{run[0]}]" if len(run) == 1 else f"[{run[0]}–{run[-1]}]"
            marks.append(tag("a", text, href=f"#{self._anchor}-s{run[0]}", class_="nowrap"))
        return join(marks, " ")

    def bind(self, anchor: str) -> _Footnotes:
        self._anchor = anchor
        return self

    def html(self) -> Markup:
        if not self.numbers:
            return tag("p", "No source cited.", class_="muted")
        items = [tag("li", _cite(src), id=f"{self._anchor}-s{n}") for src, n in self.numbers.items()]
        return tag("ol", join(items, "\n"), class_="sources")


def _facts(facts: Sequence[str]) -> Markup:
    return tag("ul", join(tag("li", f) for f in facts), class_="small") if facts else Markup("")


def _factor_chart(result: Result, policy: PolicyView) -> Markup:
    """Bars of the weighted points per factor, on one scale (the largest weight x 100)."""
    weighted: dict[str, float] = dict.fromkeys(policy.factors, 0.0)
    for c in result.contributions:
        weighted[c.factor] = weighted.get(c.factor, 0.0) + c.weighted
    bars = [(f"{f} (weight {num(policy.weights.get(f, 0.0))})", v) for f, v in weighted.items()]
    top = max([w * 100 for w in policy.weights.values()] + [1.0])
    chart = h.bar_chart(
        bars, label=f"weighted points per factor for {result.counterparty_id}", max_value=top, width=936
    )
    rows = [
        [f, policy.titles.get(f, ""), policy.weights.get(f, 0.0), result.factors.get(f, 0.0), v]
        for f, v in weighted.items()
    ]
    rows.append(["total", "before overrides", "", "", result.score_before_overrides])
    table = h.table(
        ["factor", "title", "weight", "factor value", "weighted"], rows, numeric=(2, 3, 4),
        row_class=[None] * (len(rows) - 1) + ["total"],
    )  # fmt: skip
    return join([chart, table])


def _note(text: str) -> Markup:
    return join([" ", tag("span", f"({text})", class_="muted")])


def _contributions(result: Result, notes: _Footnotes) -> Markup:
    if not result.contributions:
        return tag("p", "No rule fired.", class_="muted")
    order = sorted(result.contributions, key=lambda c: c.weighted <= 0)  # stable: counted ones first
    rows = []
    for c in order:
        used = c.weighted / c.weight if c.weight else 0.0
        note: object = ""
        if c.weighted <= 0:
            note = _note("superseded within its factor")
        elif abs(used - c.points) > 1e-9:
            note = _note(f"capped: {num(used)} of its {num(c.points)} points counted")
        reason = join([c.reason, note, _facts(c.facts)])
        rows.append([h.ident(c.rule_id), h.ident(c.factor), c.points, c.weight, c.weighted, reason,
                     notes.refs(c.sources)])  # fmt: skip
    return h.table(["rule", "factor", "points", "weight", "weighted", "reason and facts", "sources"], rows)


def _score_tier(score: float, tier: str, tiers: Sequence[str]) -> Markup:
    return tag("span", join([num(score), " ", badge(tier, tiers)]), class_="nowrap")


def _overrides(result: Result, tiers: Sequence[str], notes: _Footnotes) -> Markup:
    if not result.overrides:
        return tag("p", "No override applied.", class_="muted")
    rows = []
    for o in result.overrides:
        changed = o.score_before != o.score_after or o.tier_before != o.tier_after
        effect = join([_score_tier(o.score_before, o.tier_before, tiers), tag("div", "↓", class_="muted"),
                       _score_tier(o.score_after, o.tier_after, tiers),
                       "" if changed else tag("div", "no change", class_="muted small")])  # fmt: skip
        rows.append([h.ident(o.override_id), o.action, effect, join([o.rationale, _facts(o.facts)]),
                     notes.refs(o.sources)])  # fmt: skip
    return h.table(["override", "action", "score and tier", "rationale and facts", "sources"], rows)


def _digest(result: Result) -> Markup:
    """The input digest and the version of the canonical form it was taken of, where recorded."""
    digest = getattr(result, "input_digest", None)
    if not digest:
        return tag("span", "not recorded by this engine", class_="muted")
    form = getattr(result, "input_canonical_version", None)
    return join([tag("code", digest), tag("span", f" (canonical form v{form})", class_="muted") if form else ""])


def _provenance(result: Result, policy: PolicyView) -> Markup:
    """What reproduces the result; a value that differs from the report's policy is flagged."""
    other = result.fingerprint != policy.fingerprint
    items: list[tuple[str, object]] = [
        ("as of", result.as_of.isoformat()),
        ("policy", f"{result.policy_id} {result.policy_version}"),
        ("fingerprint", join([tag("code", result.fingerprint),
                              tag("div", "differs from this report's policy", class_="flag") if other else ""])),
        ("input digest", _digest(result)),
        ("engine", f"riskscore {result.engine_version}"),
        ("data versions", ", ".join(f"{k} {v}" for k, v in sorted(result.data_versions.items())) or "none recorded"),
        ("authorities", ", ".join(result.authorities)),
    ]  # fmt: skip
    return tag("dl", join(join([tag("dt", k), tag("dd", v)]) for k, v in items), class_="kv")


def section(result: Result, name: str | None, anchor: str, policy: PolicyView, batch: bool) -> Markup:
    """The full account of one result."""
    notes = _Footnotes().bind(anchor)
    tiers = policy.tiers
    colour = tier_colour(result.tier, tiers)
    before = ""
    if result.tier != result.tier_before_overrides or result.score != result.score_before_overrides:
        before = tag("div", f"before overrides: {num(result.score_before_overrides)} "
                     f"({result.tier_before_overrides})", class_="muted small")  # fmt: skip
    verdict = tag("div", join([
        tag("div", join([tag("div", "score", class_="kicker"), tag("div", num(result.score), class_="big")])),
        tag("div", join([tag("div", "tier", class_="kicker"), badge(result.tier, tiers),
                         tag("div", policy.descriptions.get(result.tier, ""), class_="small")])),
        before,
    ]), class_="verdict", style=f"--tier:{colour}")  # fmt: skip
    heading = tag("h2" if batch else "h1", join(["Counterparty ", tag("code", result.counterparty_id)]))
    parts = [heading, tag("p", name, class_="name") if name else "", verdict]
    if result.warnings:
        parts.append(join(tag("div", join([tag("strong", w.code), ": ", w.message]), class_="warn")
                          for w in result.warnings))  # fmt: skip
    parts += [tag("h3", "Reproducibility"), _provenance(result, policy)]
    parts += [tag("h3", "Weighted points per factor"), _factor_chart(result, policy)]
    body_c, body_o = _contributions(result, notes), _overrides(result, tiers, notes)  # numbering: in reading order
    parts += [tag("h3", "Contributions"), body_c, tag("h3", "Overrides applied"), body_o]
    parts += [tag("h3", "Sources"), notes.html()]
    if batch:
        parts.append(tag("p", tag("a", "↑ summary", href="#summary"), class_="small"))
    return tag("section", join(parts, "\n"), class_="cp", id=anchor)


@dataclass(frozen=True, slots=True)
class PolicyView:
    """What the report reads from the policy, read once (``Policy.model`` is a deep copy)."""

    id: str
    version: str
    fingerprint: str
    tiers: tuple[str, ...]
    minimums: dict[str, float]
    descriptions: dict[str, str]
    factors: tuple[str, ...]
    titles: dict[str, str]
    weights: dict[str, float]
    authorities: tuple[str, ...]

    @classmethod
    def of(cls, policy: Policy) -> PolicyView:
        model = policy.model
        return cls(
            policy.id, policy.version, policy.fingerprint, tuple(t.id for t in model.tiers),
            {t.id: t.min for t in model.tiers}, {t.id: t.description or "" for t in model.tiers},
            tuple(f.id for f in model.factors), {f.id: f.title or "" for f in model.factors},
            {f.id: f.weight for f in model.factors}, tuple(policy.authorities),
        )  # fmt: skip
