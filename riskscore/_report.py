"""The audit report: a self-contained HTML page of one counterparty's result, or of a batch.

Per counterparty: the id (and name, if given), score and tier (tier names from the policy),
an inline-SVG chart of the weighted points per factor, every contribution (rule, factor,
points, weight, weighted, reason, facts), the overrides that applied, the sources
de-duplicated as numbered footnotes (date at its precision, confidence mark), the warnings,
and what reproduces the result: fingerprint, as-of date, input digest, engine and data versions.

A batch report starts with a summary: tier counts, a score histogram, and a table with a row
per counterparty linking to its section. Its size is bounded (see :class:`AuditReport`): the
counts cover every counterparty; the table lists the first ``max_rows`` and the sections the
first ``max_details``; the page says how many were left out of each, and how to see them.

Every string from the input or the policy is escaped (:mod:`riskscore._html`); the page has
no script and fetches nothing. Same results and policy -> byte-identical HTML.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from . import _html as h
from ._html import Markup, join, num, tag
from ._report_parts import PolicyView, badge, section
from ._version import __version__
from .policy import Policy
from .result import Result

__all__ = ["MAX_DETAILS", "MAX_REFUSALS", "MAX_ROWS", "AuditReport", "Progress", "html"]

MAX_DETAILS = 100
"""Default most counterparties given a full section in a batch report (about 5-30 KB each)."""
MAX_ROWS = 10_000
"""Default most rows of a batch report's summary table (about 250 bytes each)."""
MAX_REFUSALS = 1_000
"""Most refused records listed one by one (all are counted)."""

Progress = Callable[[int], None]
"""Called with the number of counterparties and refusals added so far, after each one."""

_CSS = """
header.doc{border-bottom:3px double var(--ink);padding-bottom:10px;margin-bottom:8px}
.kicker{font-size:12px;letter-spacing:.08em;text-transform:uppercase;color:var(--muted)}
.verdict{display:flex;gap:28px;align-items:center;margin:12px 0;padding:12px 16px;background:var(--panel);
border-left:6px solid var(--tier,#5b6475)}
.verdict .big{font-size:30px;font-weight:bold;font-variant-numeric:tabular-nums}
.tier{display:inline-block;padding:2px 10px;border-radius:3px;color:#fff;background:var(--tier,#5b6475);
font-weight:bold;text-transform:uppercase;letter-spacing:.05em;font-size:12px}
.flag{color:#a3261d;font-weight:bold}
ol.sources li{margin:3px 0}
.warn{background:#fff6e0;border-left:4px solid #c98a00;padding:6px 10px;margin:6px 0}
section.cp{margin-top:26px}
h1 code,h2 code{font-size:.85em}
"""


@dataclass(frozen=True, slots=True)
class _Row:
    id: str
    name: str | None
    score: float
    tier: str
    top: str
    overrides: str
    anchor: str | None


class AuditReport:
    """An audit report built one result at a time, in memory bounded by its limits.

    ``add`` each result (with the counterparty's name, if known) and ``refuse`` each record
    that could not be scored, then ``html()``. One result and no refusal gives a page for that
    counterparty; anything else a batch page. Tier counts and the histogram cover everything
    added; the summary table keeps the first ``max_rows`` rows and full sections the first
    ``max_details`` results (0: none); refusals past :data:`MAX_REFUSALS` are counted only.
    ``progress`` (if given) is called after each ``add`` or ``refuse`` with the count so far:
    the hook for a progress display.
    """

    def __init__(
        self,
        policy: Policy,
        *,
        title: str | None = None,
        max_details: int = MAX_DETAILS,
        max_rows: int = MAX_ROWS,
        progress: Progress | None = None,
    ) -> None:
        self._policy = PolicyView.of(policy)
        self._title, self._max_details, self._max_rows, self._progress = title, max_details, max_rows, progress
        self._kept: list[tuple[Result, str | None]] = []
        self._rows: list[_Row] = []
        self._tiers: Counter[str] = Counter()
        self._bins = [0] * 10
        self._warnings: Counter[str] = Counter()
        self._as_of: set[str] = set()
        self._versions: set[str] = set()
        self._refused: list[tuple[str, str, str, str]] = []
        self.count = 0
        """Results added."""
        self.refused = 0
        """Records refused."""

    def add(self, result: Result, name: str | None = None) -> None:
        """Add one scored counterparty (``name`` as given in the input, shown escaped)."""
        self.count += 1
        anchor = None
        if len(self._kept) < self._max_details:
            self._kept.append((result, name))
            anchor = f"cp-{len(self._kept)}"
        if len(self._rows) < self._max_rows:
            top = max(result.contributions, key=lambda c: c.weighted, default=None)
            ovs = ", ".join(o.override_id for o in result.overrides)
            shown_top = f"{top.rule_id} ({num(top.weighted)})" if top is not None and top.weighted > 0 else ""
            self._rows.append(_Row(result.counterparty_id, name, result.score, result.tier, shown_top, ovs, anchor))
        self._tiers[result.tier] += 1
        self._bins[min(max(int(result.score // 10), 0), 9)] += 1
        self._warnings.update(f"{w.code}: {w.message}" for w in result.warnings)
        self._as_of.add(result.as_of.isoformat())
        self._versions.add(f"{result.policy_id} {result.policy_version} {result.fingerprint}")
        if self._progress is not None:
            self._progress(self.count + self.refused)

    def refuse(self, where: str, code: str, message: str, ident: str | None = None) -> None:
        """Record a record that could not be scored (``where``: ``file:line:col``); it is listed, never dropped."""
        self.refused += 1
        if len(self._refused) < MAX_REFUSALS:
            self._refused.append((where, code, message, ident or ""))
        if self._progress is not None:
            self._progress(self.count + self.refused)

    def html(self) -> str:
        """The page (a ``str`` of HTML, deterministic for the same additions)."""
        p = self._policy
        if self.count == 1 and not self.refused:
            result, name = self._kept[0] if self._kept else (None, None)
            if result is not None:
                title = self._title or f"Risk assessment: {result.counterparty_id}"
                body = join([self._masthead(), section(result, name, "cp-1", p, batch=False), self._footer()], "\n")
                return str(h.page(title, body, css=_CSS))
        title = self._title or f"Risk assessment of {self.count:,} counterparties"
        sections = [section(r, n, f"cp-{i}", p, batch=True) for i, (r, n) in enumerate(self._kept, 1)]
        body = join([self._masthead(), self._summary(title), *sections, self._footer()], "\n")
        return str(h.page(title, body, css=_CSS))

    def _masthead(self) -> Markup:
        p = self._policy
        line = f"policy {p.id} {p.version} · fingerprint {p.fingerprint[:16]} · authorities {', '.join(p.authorities)}"
        return tag("header", join([tag("div", "riskscore audit report", class_="kicker"),
                                   tag("div", line, class_="small muted")]), class_="doc")  # fmt: skip

    def _footer(self) -> Markup:
        text = (f"Generated by riskscore {__version__}. Self-contained: no script, no external resources. "
                "Scores are shown rounded to 3 decimals; the JSON output of `riskscore score --format json` "
                "holds the exact values.")  # fmt: skip
        return tag("footer", tag("p", text, class_="small muted"))

    def _summary(self, title: str) -> Markup:
        """The batch page's first section: what was scored, tier counts, histogram, table, refusals."""
        p, total = self._policy, self.count
        tiers = [*p.tiers, *sorted(t for t in self._tiers if t not in p.tiers)]  # a foreign tier is still counted
        rows: list[list[object]] = [
            [badge(t, p.tiers), p.minimums.get(t, ""), p.descriptions.get(t, "not a tier of this policy"),
             self._tiers[t], f"{num(100 * self._tiers[t] / total, 1)} %" if total else "–"]
            for t in tiers
        ]  # fmt: skip
        rows.append(["refused", "", "not scored (see Refused records)", self.refused, ""])
        counts = h.table(["tier", "from score", "meaning", "counterparties", "share"], rows, numeric=(1, 3, 4))
        hist = h.histogram(
            self._bins,
            list(range(0, 101, 10)),
            label="counterparties by score",
            x_label="score",
            marks=[(m, t) for t, m in p.minimums.items() if m > 0],
            width=936,
        )
        facts: list[tuple[str, object]] = [
            ("counterparties", f"{total:,} scored, {self.refused:,} refused"),
            ("as of", ", ".join(sorted(self._as_of)) or "–"),
            ("scored under", join(sorted(self._versions), ", ") or "–"),
        ]
        parts = [
            tag("h1", title),
            tag("dl", join(join([tag("dt", k), tag("dd", v)]) for k, v in facts), class_="kv"),
            tag("h3", "Tier counts"), counts, tag("h3", "Score distribution"), hist,
        ]  # fmt: skip
        if len(self._versions) > 1 or any(p.fingerprint not in v for v in self._versions):
            parts.append(tag("div", "Some results were scored under another policy than this report's.", class_="warn"))
        if self._warnings:
            items = [tag("li", f"{text} ({n:,} result(s))") for text, n in sorted(self._warnings.items())]
            parts += [tag("h3", "Warnings"), tag("ul", join(items))]
        parts += [tag("h3", "Counterparties"), self._table(), self._refusals()]
        return tag("section", join(parts, "\n"), id="summary")

    def _table(self) -> Markup:
        tiers = self._policy.tiers
        rows = [
            [i, tag("a" if r.anchor else "span", r.id, href=f"#{r.anchor}" if r.anchor else None,
                    class_="nowrap" if len(r.id) <= 24 else None), r.name or "", r.score,
             badge(r.tier, tiers), r.top, r.overrides]
            for i, r in enumerate(self._rows, 1)
        ]  # fmt: skip
        notes = []
        if self.count > len(self._rows):
            notes.append(f"The table lists the first {len(self._rows):,} of {self.count:,} counterparties "
                         "(--max-rows); the counts above cover all of them.")  # fmt: skip
        if self.count > len(self._kept):
            kept = f"the first {len(self._kept):,} counterparties" if self._kept else "no counterparty"
            notes.append(f"Full sections are given for {kept} (--max-details); report one with --id ID.")
        table = h.table(["#", "id", "name", "score", "tier", "top contribution", "overrides"], rows, numeric=(0, 3))
        return join([table, *(tag("p", n, class_="small muted") for n in notes)])

    def _refusals(self) -> Markup:
        if not self.refused:
            return Markup("")
        table = h.table(["where", "code", "id", "message"], [[w, tag("code", c), i, m] for w, c, m, i in self._refused])
        more = self.refused - len(self._refused)
        note = tag("p", f"{more:,} more refused record(s) not listed.", class_="small muted") if more else ""
        return join([tag("h3", f"Refused records ({self.refused:,})"), table, note])


def html(
    results: Iterable[Result | tuple[Result, str | None]],
    policy: Policy,
    *,
    title: str | None = None,
    max_details: int = MAX_DETAILS,
    max_rows: int = MAX_ROWS,
    progress: Progress | None = None,
) -> str:
    """The audit report of ``results`` (each a :class:`Result` or ``(result, name)``) under ``policy``:
    a page for one counterparty, a batch page otherwise (see :class:`AuditReport` for the limits).

    Public as :func:`riskscore.report.html`.
    """
    report = AuditReport(policy, title=title, max_details=max_details, max_rows=max_rows, progress=progress)
    for item in results:
        result, name = item if isinstance(item, tuple) else (item, None)
        report.add(result, name)
    return report.html()
