"""Readable explanations of a :class:`~riskscore.Result`, citing the source of every point."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .result import Result, SourceRef

__all__ = ["explain"]


def _cite(src: SourceRef) -> str:
    parts = [src.title]
    if src.list_id:
        listed = f", listed {src.listed_text}" if src.listed_text else ""
        cat = f" [{src.category}]" if src.category else ""
        parts.append(f"({src.authority} list '{src.list_id}': {src.code}{cat}{listed})")
    if src.url:
        parts.append(f"<{src.url}>")
    if src.confidence != "confirmed":
        parts.append(f"[confidence: {src.confidence}]")
    return " ".join(parts)


def explain(result: Result, *, markdown: bool = False) -> str:
    """Render ``result`` as plain text (or Markdown): score, tier, each point and its source."""
    h = "## " if markdown else ""
    b = "- " if markdown else "  "
    sub = "  - " if markdown else "      "
    lines = [
        f"{h}Counterparty {result.counterparty_id}: score {result.score:g} -> tier {result.tier.upper()}",
        f"policy {result.policy_id} {result.policy_version} (fingerprint {result.fingerprint[:16]}), "
        f"as of {result.as_of}, authorities applied: {', '.join(result.authorities)}",
        "",
        f"{h}Contributions (weighted score {result.score_before_overrides:g}, "
        f"tier {result.tier_before_overrides} before overrides)",
    ]
    counted = [c for c in result.contributions if c.weighted > 0]
    others = [c for c in result.contributions if c.weighted <= 0]
    for c in counted + others:
        used = c.weighted / c.weight if c.weight else 0.0
        shown, note = c.points, ""
        if c.weighted <= 0:
            note = " (superseded within its factor)"
        elif abs(used - c.points) > 1e-9:
            shown, note = used, f" (capped: {used:g} of its {c.points:g} points counted)"
        lines.append(f"{b}{c.weighted:g} = {c.weight:g} x {shown:g}  [{c.factor} / {c.rule_id}]{note}: {c.reason}")
        lines += [f"{sub}fact: {fact}" for fact in c.facts]
        lines += [f"{sub}source: {_cite(src)}" for src in c.sources]
    if not result.contributions:
        lines.append(f"{b}(no rule fired)")
    if result.overrides:
        lines += ["", f"{h}Overrides"]
        for o in result.overrides:
            lines.append(
                f"{b}{o.override_id} ({o.action}): {o.score_before:g} [{o.tier_before}] -> "
                f"{o.score_after:g} [{o.tier_after}]: {o.rationale}"
            )
            lines += [f"{sub}fact: {fact}" for fact in o.facts]
            lines += [f"{sub}source: {_cite(src)}" for src in o.sources]
    if result.warnings:
        lines += ["", f"{h}Warnings"]
        lines += [f"{b}{w.code}: {w}" for w in result.warnings]
    return "\n".join(lines)
