"""Text and Markdown forms of a :class:`~riskscore.diff.DiffReport`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._reporting import shown

if TYPE_CHECKING:
    from .diff import DiffReport

__all__ = ["matrix_rows", "move_rows", "render_text", "table", "top_tier_line"]

_ARROW = {"upgrade": "up", "downgrade": "down", "unmapped": "unmapped"}


def table(rows: list[list[str]], markdown: bool) -> list[str]:
    """Aligned text columns, or a Markdown table; every cell made safe to show (ids come from input)."""
    rows = [[shown(cell) for cell in r] for r in rows]
    if markdown:
        head, *body = rows
        return [
            "| " + " | ".join(head) + " |",
            "|" + "|".join("---" for _ in head) + "|",
            *("| " + " | ".join(r) + " |" for r in body),
        ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  " + "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows]


def matrix_rows(report: DiffReport) -> list[list[str]]:
    """The migration matrix with a header row: rows old tiers, columns new tiers, then row totals."""
    cols = report.new_tiers
    rows = [["old \\ new", *cols, "total"]]
    for t in report.old_tiers:
        counts = [report.matrix[(t, n)] for n in cols]
        rows.append([t, *(str(n) for n in counts), str(sum(counts))])
    return rows


def move_rows(report: DiffReport) -> list[list[str]]:
    """Per tier: counts under each policy, stayed, left up / down, entered from below / above."""
    per_tier = report.tier_map.per_tier(report.matrix)
    unmapped = any(r["left_unmapped"] or r["entered_unmapped"] for r in per_tier)
    head = ["tier", "old", "new", "stayed", "left up", "left down", "entered from below", "entered from above"]
    keys = ["old", "new", "stayed", "left_up", "left_down", "entered_up", "entered_down"]
    if unmapped:
        head += ["left unmapped", "entered unmapped"]
        keys += ["left_unmapped", "entered_unmapped"]
    return [head, *([r["tier"], *(str(r[k]) for k in keys)] for r in per_tier)]


def top_tier_line(report: DiffReport) -> str:
    """``prohibited: 14 left (7 to low, ...), 0 entered`` (names from the policies)."""
    top: dict[str, Any] = report.tier_map.top_tier_moves(report.matrix)

    def detail(counts: dict[str, int], word: str) -> str:
        return f" ({', '.join(f'{n} {word} {t}' for t, n in counts.items())})" if counts else ""

    left, entered = sum(top["left"].values()), sum(top["entered"].values())
    if top["old_top"] == top["new_top"]:
        return (
            f"top tier {top['old_top']}: {left} left{detail(top['left'], 'to')}, "
            f"{entered} entered{detail(top['entered'], 'from')}"
        )
    return (
        f"old top tier {top['old_top']}: {left} left{detail(top['left'], 'to')}; "
        f"new top tier {top['new_top']}: {entered} entered{detail(top['entered'], 'from')}"
    )


def _moves_line(report: DiffReport) -> str:
    moves = report.tier_map.moves(report.matrix)
    return "; ".join(f"{m['from']} -> {m['to']} {m['count']} {_ARROW[m['direction']]}" for m in moves)


def _head(report: DiffReport, md: bool) -> list[str]:
    o, n = report.old, report.new
    title = (
        f"policy diff: {o['id']} {o['version']} ({o['fingerprint'][:12]}) -> "
        f"{n['id']} {n['version']} ({n['fingerprint'][:12]}), as of {report.as_of}"
    )
    moves = _moves_line(report)
    lines = [report.summary(), top_tier_line(report), f"tier moves: {moves or 'none'}"]
    out = [f"## {title}" if md else title, "", *(f"- {shown(x)}" if md else x for x in lines)]
    if report.policy_warnings:
        out += ["", "### Policy warnings" if md else "policy warnings:"]
        out += [f"- {shown(str(w))}" if md else f"  {shown(str(w))}" for w in report.policy_warnings]
    out += [
        "",
        "### Tier migration (rows: old tier, columns: new tier)" if md else "tier migration (rows: old, columns: new)",
    ]
    out += table(matrix_rows(report), md)
    out += ["", "### Moves by tier (up: to a riskier tier)" if md else "moves by tier (up: to a riskier tier):"]
    return out + table(move_rows(report), md)


def _content(report: DiffReport, md: bool) -> list[str]:
    n = len(report.content)
    out = ["", f"### Policy changes ({n})" if md else f"policy changes ({n}):"]
    if not report.content:
        return [*out, "- none" if md else "  none"]
    return out + [f"- {shown(c.text())}" if md else f"  {shown(c.text())}" for c in report.content]


def _changes(report: DiffReport, md: bool, limit: int) -> list[str]:
    out: list[str] = []
    counts = report.cause_counts()
    if counts:
        out += ["", "### Causes of tier changes" if md else "causes of tier changes (counterparties):"]
        out += table([["rule or override", "tier changes"], *([c, str(n)] for c, n in counts)], md)
    moved = report.tier_changes()
    if moved:
        out += ["", "### Tier changes" if md else "tier changes:"]
        rows = [["counterparty", "old", "new", "delta", "causes"]]
        for c in moved[:limit]:
            rows.append(
                [c.id, f"{c.old_score:g} {c.old_tier}", f"{c.new_score:g} {c.new_tier}", f"{c.delta:+g}",
                 "; ".join(c.causes)]
            )  # fmt: skip
        out += table(rows, md)
        if len(moved) > limit:
            out.append(f"... and {len(moved) - limit} more (use --format json for all)")
    same = [c for c in report.changes if c.direction == "same tier"]
    if same:
        out += ["", f"{len(same)} counterparties changed score within their tier (see --format json)."]
    return out


def render_text(report: DiffReport, *, markdown: bool, limit: int) -> str:
    """The report as text (aligned columns) or Markdown (headings at level 2 and 3)."""
    md = markdown
    out = _head(report, md) + _content(report, md) + _changes(report, md, limit)
    for title, items in (("refused", report.refused), ("warnings", report.warnings)):
        if items:
            out += ["", f"### {title.capitalize()}" if md else f"{title}:"]
            out += [f"- {shown(r)}" if md else f"  {shown(r)}" for r in items]
    return "\n".join(out) + "\n"
