"""Readable explanations of a :class:`~riskscore.Result`, citing the source of every point.

Three levels of detail (docs/explain.md):

- ``normal`` (the default): a header, one line per contribution (weighted points, factor and
  rule, the deciding facts in plain words, footnote marks), one line per override that changed
  the score or tier, the warnings, and the sources as numbered footnotes, each document once.
- ``verbose``: every fact, every fired override (those that changed nothing too) with its
  rationale, and every source occurrence where it is used.
- ``brief``: one line, ``id: TIER score (top reasons)``.

Numbers follow the display rule of :mod:`riskscore._display` (at most two decimals).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from ._display import num
from ._explain_parts import Footnotes, Layout, arithmetic, cite, deciding, header, override_line

if TYPE_CHECKING:
    from .result import Result

__all__ = ["Detail", "explain"]

Detail = Literal["brief", "normal", "verbose"]
BRIEF_REASONS = 3
"""Most contributions named in a brief explanation."""


def explain(
    result: Result,
    *,
    detail: Detail = "normal",
    markdown: bool = False,
    heading_level: int = 1,
) -> str:
    """Render ``result`` as plain text (or Markdown, the counterparty's heading at
    ``heading_level``, its sections one level below) at the given level of detail."""
    if not isinstance(heading_level, int) or not 1 <= heading_level <= 5:
        raise ValueError(f"heading_level must be an integer from 1 to 5, not {heading_level!r}")
    if detail == "brief":
        return brief(result, markdown=markdown)
    out = Layout(markdown, heading_level)
    if detail == "normal":
        _normal(result, out)
    elif detail == "verbose":
        _verbose(result, out)
    else:
        raise ValueError(f"detail must be 'brief', 'normal' or 'verbose', not {detail!r}")
    return out.text()


def brief(result: Result, *, markdown: bool = False) -> str:
    """One line: ``tr-exp-002: HIGH 50 (partner_exposure +14, incorporation_country +12, ...)``:
    the overrides that changed the score or tier, then the largest contributions."""
    reasons = [f"{o.action} {o.override_id}" for o in result.overrides if o.changed]
    counted = sorted((c for c in result.contributions if c.weighted > 0), key=lambda c: -c.weighted)
    reasons += [f"{c.rule_id} +{num(c.weighted)}" for c in counted[:BRIEF_REASONS]]
    if len(counted) > BRIEF_REASONS:
        reasons.append(f"{len(counted) - BRIEF_REASONS} more")
    if result.warnings:
        reasons.append(f"{len(result.warnings)} warning(s)")
    why = ", ".join(reasons) or "no rule fired"
    line = f"{result.counterparty_id}: {result.tier.upper()} {num(result.score)} ({why})"
    return f"- {line}" if markdown else line


def split_proofs(facts: list[str], shown: set[str] | None = None) -> tuple[list[str], list[str]]:
    """The plain facts, and the network proofs (``network: NAME = ...`` and its indented
    lines); a proof whose evidence is already ``shown`` is cut to its first line."""
    plain: list[str] = []
    proofs: list[list[str]] = []
    for fact in facts:
        if fact.startswith("network: "):
            proofs.append([fact.removeprefix("network: ")])
        elif proofs and fact.startswith("  "):
            proofs[-1].append(fact[2:])
        elif not fact.startswith("attribute "):  # the proof says it better
            plain.append(fact)
    out: list[str] = []
    for proof in proofs:
        key = "\n".join(proof[1:])
        if shown is not None and key in shown and len(proof) > 2:
            out.append(proof[0] + " (the same holdings as above)")
            continue
        if shown is not None:
            shown.add(key)
        out += [proof[0], *("  " + line for line in proof[1:])]
    return plain, out


def _normal(result: Result, out: Layout) -> None:
    header(out, result)
    notes = Footnotes()
    out.section(
        f"Contributions (weighted score {num(result.score_before_overrides)}, "
        f"tier {result.tier_before_overrides} before overrides)"
    )
    ordered = [c for c in result.contributions if c.weighted > 0] + [c for c in result.contributions if c.weighted <= 0]
    sums = [arithmetic(c) for c in ordered]
    width = 0 if out.markdown else max((len(s) for s, _ in sums), default=0)
    for c, (calc, note) in zip(ordered, sums, strict=True):
        facts, proof = split_proofs(c.facts)
        why = deciding(facts, c.items, out) or c.reason
        marks = notes.marks(c.sources)
        rule = out.code(f"{c.factor}/{c.rule_id}")
        out.item(f"{calc.ljust(width)}  {rule}{note}: {why}{' ' + marks if marks else ''}")
        for line in proof:
            out.sub(line)
    if not result.contributions:
        out.item("(no rule fired)")
    changed = [o for o in result.overrides if o.changed]
    unchanged = [o for o in result.overrides if not o.changed]
    if result.overrides:
        out.section("Overrides")
    shown: set[str] = set()
    for o in changed:
        facts, proof = split_proofs(o.facts, shown)
        why = deciding(facts, o.items, out)
        marks = notes.marks(o.sources)
        out.item(f"{override_line(o, out)}{': ' + why if why else ''}{' ' + marks if marks else ''}")
        for line in proof:
            out.sub(line)
    if unchanged:
        out.item(f"({len(unchanged)} more fired without changing the score or tier; verbose lists them)")
    _warnings(result, out)
    if notes.refs:
        out.section("Sources")
        for line in notes.lines():
            out.item(line)


def _verbose(result: Result, out: Layout) -> None:
    header(out, result)
    out.section(
        f"Contributions (weighted score {num(result.score_before_overrides)}, "
        f"tier {result.tier_before_overrides} before overrides)"
    )
    ordered = [c for c in result.contributions if c.weighted > 0] + [c for c in result.contributions if c.weighted <= 0]
    for c in ordered:
        calc, note = arithmetic(c)
        out.item(f"{calc}  {out.code(f'{c.factor}/{c.rule_id}')}{note}: {c.reason}")
        for fact in c.facts:
            out.sub(f"fact: {fact}")
        for src in c.sources:
            out.sub(f"source: {cite(src)}")
    if not result.contributions:
        out.item("(no rule fired)")
    if result.overrides:
        out.section("Overrides")
    for o in result.overrides:
        same = "" if o.changed else " (changed nothing)"
        out.item(f"{override_line(o, out)}{same}: {o.rationale}")
        for fact in o.facts:
            out.sub(f"fact: {fact}")
        for src in o.sources:
            out.sub(f"source: {cite(src)}")
    _warnings(result, out)


def _warnings(result: Result, out: Layout) -> None:
    if result.warnings:
        out.section("Warnings")
        for w in result.warnings:
            out.item(f"{w.code}: {w}")
