"""The HTML form of a :class:`~riskscore.diff.DiffReport`, built on the shared ``_html`` primitives.

One self-contained page (inline CSS and SVG, no script, no fetch): the headline, the policy
warnings, the migration matrix (each cell shaded by its share of the old tier's row, coloured
by direction), moves by tier, a histogram of score deltas, the policy content diff, the causes
of tier changes and the counterparties that changed tier. Every string from a policy or the
portfolio is escaped by ``_html``; the same report gives byte-identical HTML.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from . import _html as h
from ._diff_content import show_value
from ._diff_render import move_rows, top_tier_line

if TYPE_CHECKING:
    from .diff import DiffReport

__all__ = ["delta_bins", "render_html"]

_COLOUR = {"upgrade": "170,48,48", "downgrade": "40,120,72", "same tier": "44,74,122", "unmapped": "110,110,110"}
_STEPS = (0.1, 0.25, 0.5, 1, 2, 2.5, 5, 10, 20, 25, 50, 100)
_CSS = ".legend span{display:inline-block;padding:0 6px;margin-right:8px;color:#fff}"


def delta_bins(deltas: list[float], most_bins: int = 20) -> tuple[list[int], list[float]]:
    """Counts and edges of a histogram of ``deltas``: bins of a round width, 0 always an edge.

    The bins span the deltas and 0; each holds ``[edge, next edge)``. 0 is placed where the
    histogram labels an edge (``_html.histogram`` labels about 12), so the eye finds it.
    """
    if not deltas:
        return [], []
    low, high = min(deltas), max(deltas)
    span = (max(high, 0.0) - min(low, 0.0)) or 1.0
    step = next((s for s in _STEPS if math.ceil(span / s) + 1 <= most_bins), _STEPS[-1])
    lo = min(0, math.floor(low / step))
    hi = max(1, math.floor(high / step) + 1)  # a bin above 0 even if every delta is negative: room for its mark
    while -lo % math.ceil((hi - lo + 1) / 12):
        lo -= 1
    counts = [0] * (hi - lo)
    for d in deltas:
        counts[math.floor(d / step) - lo] += 1
    return counts, [i * step for i in range(lo, hi + 1)]


def _head(report: DiffReport) -> h.Markup:
    o, n = report.old, report.new
    kv = [("old policy", o), ("new policy", n)]
    items = h.join(
        h.tag("dt", name) + h.tag("dd", h.join([f"{p['id']} {p['version']} ", h.ident(p["fingerprint"])]))
        for name, p in kv
    )
    items += h.tag("dt", "as of") + h.tag("dd", str(report.as_of))
    lines = h.tag("p", h.tag("strong", report.summary())) + h.tag("p", top_tier_line(report))
    return h.tag("h1", "Policy diff") + h.tag("dl", items, class_="kv") + lines


def _warnings(report: DiffReport) -> h.Markup:
    items = [h.tag("li", h.ident(w.code) + " " + w.message) for w in report.policy_warnings]
    items += [h.tag("li", w) for w in report.warnings]
    if not items:
        return h.Markup("")
    return h.tag("section", h.tag("h2", "Warnings") + h.tag("ul", h.join(items, "\n")))


def _matrix(report: DiffReport) -> h.Markup:
    tiers = report.tier_map
    rows = []
    for old in report.old_tiers:
        total = sum(report.matrix[(old, new)] for new in report.new_tiers)
        cells: list[object] = [old]
        for new in report.new_tiers:
            count = report.matrix[(old, new)]
            colour = _COLOUR[tiers.direction(old, new)]
            share = count / total if total else 0.0
            cells.append(h.heat(count, max(share, 0.2) if count and old != new else share, colour))
        rows.append([*cells, total])
    legend = h.join(
        h.tag("span", word, style=f"background:rgb({_COLOUR[d]})")
        for d, word in (("upgrade", "up: a riskier tier"), ("downgrade", "down"), ("same tier", "same tier"))
    )
    table = h.table(
        ["old \\ new", *report.new_tiers, "total"],
        rows,
        caption="rows: old tier, columns: new tier; shade: share of the old tier's row (every move at least lightly)",
        numeric=range(1, len(report.new_tiers) + 2),
    )
    return h.tag("section", h.tag("h2", "Tier migration") + table + h.tag("p", legend, class_="legend small"))


def _by_tier(report: DiffReport) -> h.Markup:
    head, *body = move_rows(report)
    rows = [[r[0], *(int(x) for x in r[1:])] for r in body]
    return h.tag("section", h.tag("h2", "Moves by tier") + h.table(head, rows, numeric=range(1, len(head))))


def _histogram(report: DiffReport) -> h.Markup:
    deltas = [c.delta for c in report.changes if c.delta != 0]
    title = h.tag("h2", "Score deltas")
    if not deltas:
        return h.tag("section", title + h.tag("p", "No score changed."))
    counts, edges = delta_bins(deltas)
    chart = h.histogram(
        counts,
        edges,
        label="histogram of score deltas (new minus old)",
        x_label="score delta (new - old)",
        marks=[(0.0, "no change")],
    )
    note = h.tag(
        "p", f"{len(deltas)} of {report.total} counterparties have a non-zero score delta.", class_="muted small"
    )
    return h.tag("section", title + chart + note)


def _content(report: DiffReport) -> h.Markup:
    title = h.tag("h2", f"Policy changes ({len(report.content)})")
    if not report.content:
        return h.tag("section", title + h.tag("p", "The policies have the same content."))
    rows = [[c.section, h.ident(c.item), c.change, c.field or "", _value(c.old), _value(c.new)] for c in report.content]
    return h.tag("section", title + h.table(["section", "item", "change", "field", "old", "new"], rows))


def _value(value: object) -> object:
    return "" if value is None else h.tag("code", show_value(value))


def _changes(report: DiffReport, limit: int) -> h.Markup:
    parts = []
    counts = report.cause_counts()
    if counts:
        rows = [[h.ident(cause), n] for cause, n in counts]
        parts.append(h.tag("h2", "Causes of tier changes") + h.table(["rule or override", "tier changes"], rows))
    moved = report.tier_changes()
    if moved:
        rows = [
            [h.ident(c.id), c.old_score, c.old_tier, c.new_score, c.new_tier, c.delta, "; ".join(c.causes)]
            for c in moved[:limit]
        ]
        head = ["counterparty", "old score", "old tier", "new score", "new tier", "delta", "causes"]
        parts.append(h.tag("h2", f"Tier changes ({len(moved)})") + h.table(head, rows))
        if len(moved) > limit:
            parts.append(h.tag("p", f"... and {len(moved) - limit} more (use --format json for all)"))
    if report.refused:
        parts.append(h.tag("h2", "Refused") + h.tag("ul", h.join((h.tag("li", r) for r in report.refused), "\n")))
    return h.tag("section", h.join(parts, "\n")) if parts else h.Markup("")


def render_html(report: DiffReport, *, limit: int = 50) -> str:
    """The report as one self-contained HTML page (at most ``limit`` counterparty rows)."""
    o, n = report.old, report.new
    body = h.join(
        [
            _head(report),
            _warnings(report),
            _matrix(report),
            _by_tier(report),
            _histogram(report),
            _content(report),
            _changes(report, limit),
        ],
        "\n",
    )
    title = f"policy diff {o['id']} {o['version']} -> {n['id']} {n['version']}, as of {report.as_of}"
    return str(h.page(title, body, css=_CSS))
