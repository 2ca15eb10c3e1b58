"""Self-contained HTML for reports people read: a page shell, escaping, SVG charts, tables.

Everything here returns :class:`Markup`, a ``str`` that is already HTML. Any other value given
to these helpers is text and is escaped (``&``, ``<``, ``>``, ``"`` and ``'``), so a counterparty
id or name can never open a tag or leave an attribute. Build fragments with these helpers and
join them with :func:`join`; never paste untrusted text into a format string of HTML.

The page needs nothing from outside: the CSS is inline, the charts are inline SVG, there is no
script, and a Content-Security-Policy (``default-src 'none'``) makes a browser refuse any
network fetch a fragment might still try. Output is deterministic: the same arguments give
byte-identical HTML (no dates, no random ids).

The API (stable; the audit report and the diff report both use it):

- :func:`escape`, :class:`Markup`, :func:`join`, :func:`tag`: text to HTML
- :func:`num`: the one display rule for numbers; :func:`ident`: an identifier in ``<code>``
- :func:`rank_colour`: green-to-red colour of a tier by its rank (the same in every report)
- :func:`page`: a complete document around a body
- :func:`table`: a ``<table>`` of escaped cells, numbers right-aligned
- :func:`bar_chart`: horizontal SVG bars (a label and a value each)
- :func:`histogram`: vertical SVG bars over bins given by their edges
- :func:`heat`: a table cell's content on a background whose strength shows a fraction
"""

from __future__ import annotations

import html as _stdlib_html
import math
from collections.abc import Iterable, Sequence

__all__ = [
    "Markup",
    "bar_chart",
    "escape",
    "heat",
    "histogram",
    "ident",
    "join",
    "num",
    "page",
    "rank_colour",
    "table",
    "tag",
]


class Markup(str):
    """A string that is already HTML: :func:`escape` passes it through unchanged. ``+`` with
    anything else escapes the other side, so ``Markup("<br>") + name`` stays safe HTML."""

    __slots__ = ()

    def __add__(self, other: object) -> Markup:
        return Markup(str.__add__(self, escape(other)))

    def __radd__(self, other: object) -> Markup:
        return Markup(str.__add__(escape(other), self))


def escape(value: object) -> Markup:
    """``value`` as HTML text: a :class:`Markup` unchanged, anything else ``str()``-ed and escaped
    (``&<>"'``; control characters other than tab and newline shown as ``\\xNN``), ``None`` as ``""``."""
    if isinstance(value, Markup):
        return value
    if value is None:
        return Markup("")
    text = str(value)
    if not text.isprintable():
        text = "".join(c if c.isprintable() or c in "\t\n" else repr(c)[1:-1] for c in text)
    return Markup(_stdlib_html.escape(text, quote=True))


def join(parts: Iterable[object], sep: str = "") -> Markup:
    """Parts joined as HTML, each escaped unless it is :class:`Markup` (``sep`` is trusted HTML)."""
    return Markup(sep.join(escape(p) for p in parts))


def tag(name: str, content: object = "", /, **attrs: object) -> Markup:
    """``<name attr="...">content</name>``: ``name`` and attribute names are trusted (ours), attribute
    values and ``content`` are escaped unless :class:`Markup`. ``class_`` gives ``class``; an
    attribute whose value is ``None`` or ``False`` is left out, ``True`` writes it bare."""
    out = [f"<{name}"]
    for key, value in attrs.items():
        if value is None or value is False:
            continue
        key = key.rstrip("_").replace("_", "-")
        out.append(f" {key}" if value is True else f' {key}="{escape(value)}"')
    return Markup("".join(out) + f">{escape(content)}</{name}>")


def ident(value: object) -> Markup:
    """An identifier (rule id, list id) in ``<code>``, escaped, that may wrap only after ``_``, ``-``,
    ``.`` or ``/`` (a ``<wbr>`` there), never inside a word."""
    text = escape(value)
    for sep in "_-./":
        text = Markup(text.replace(sep, sep + "<wbr>"))
    return tag("code", text, class_="ident")


_RAMP = ("#2e7d4f", "#9a6700", "#c2410c", "#b91c1c", "#7f1d1d")  # green, amber, orange, red, dark red


def rank_colour(index: int, count: int) -> str:
    """A CSS colour for rank ``index`` of ``count`` (0: lowest risk), spread over green, amber,
    orange, red and dark red (4 ranks: green, amber, red, dark red), dark enough for white text;
    the one colour scale of every report. Past 5 ranks neighbours share a colour."""
    if count <= 1:
        return _RAMP[-1]
    return _RAMP[round(min(max(index, 0), count - 1) * (len(_RAMP) - 1) / (count - 1))]


def num(value: float, places: int = 3) -> str:
    """The display rule for a number: rounded to ``places`` decimals (half to even, as Python's
    ``round``), trailing zeros dropped: ``33.375``, ``4``, ``0.5``; ``-0`` shows as ``0``."""
    if not math.isfinite(value):
        return str(value)
    text = f"{round(value, places) + 0.0:.{places}f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text in ("-0", "") else text


_CSS = """
:root{--ink:#1d2433;--muted:#5b6475;--rule:#d5d9e0;--bg:#ffffff;--panel:#f5f6f8;--accent:#2c4a7a}
*{box-sizing:border-box}
html{background:var(--bg);color:var(--ink)}
body{font:14px/1.45 "DejaVu Sans",Helvetica,Arial,sans-serif;margin:0 auto;max-width:1000px;padding:28px 32px}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:17px;margin:28px 0 8px;padding-bottom:4px;border-bottom:2px solid var(--ink)}
h3{font-size:14px;margin:18px 0 6px;color:var(--accent);text-transform:uppercase;letter-spacing:.04em}
p{margin:6px 0}
a{color:var(--accent)}
code,.mono{font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12px;overflow-wrap:anywhere}
.nowrap{white-space:nowrap}
code.ident{overflow-wrap:normal;word-break:keep-all}
.muted{color:var(--muted)}
.small{font-size:12px}
table{border-collapse:collapse;width:100%;margin:6px 0 12px;font-size:13px}
caption{text-align:left;font-weight:bold;padding:4px 0;color:var(--muted)}
th,td{border-bottom:1px solid var(--rule);padding:5px 8px;text-align:left;vertical-align:top}
th{background:var(--panel);font-weight:bold;white-space:nowrap}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.total td{font-weight:bold;border-top:2px solid var(--ink)}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:3px 16px;margin:8px 0}
dl.kv dt{color:var(--muted)}
dl.kv dd{margin:0;overflow-wrap:anywhere}
ul,ol{margin:4px 0;padding-left:22px}
svg{display:block;max-width:100%;height:auto}
svg text{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;font-size:12px;fill:var(--ink)}
.heat{display:block;padding:2px 4px;text-align:right}
@media print{body{padding:0;max-width:none}section{break-inside:avoid-page}a{color:inherit}}
"""

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def page(title: object, body: Markup, *, css: str = "", lang: str = "en") -> Markup:
    """A complete HTML5 document: ``<title>`` from ``title`` (escaped), the house CSS plus ``css``
    (trusted, ours), a CSP that forbids every fetch and script, and ``body`` as given."""
    return Markup(
        "<!DOCTYPE html>\n"
        f'<html lang="{escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_CSS}{css}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def table(
    headers: Sequence[object],
    rows: Iterable[Sequence[object]],
    *,
    caption: object = None,
    numeric: Iterable[int] = (),
    row_class: Sequence[str | None] | None = None,
    class_: str | None = None,
) -> Markup:
    """A table: ``headers`` and each row's cells escaped unless :class:`Markup`. Columns whose
    index is in ``numeric``, and any ``int``/``float`` cell, are right-aligned (``float`` shown
    with :func:`num`). ``row_class`` gives each body row a CSS class (``"total"`` for a sum)."""
    cols = set(numeric)
    head = join(tag("th", h, class_="n" if i in cols else None) for i, h in enumerate(headers))
    body: list[Markup] = []
    for r, cells in enumerate(rows):
        tds = []
        for i, cell in enumerate(cells):
            right = i in cols or (isinstance(cell, int | float) and not isinstance(cell, bool))
            shown = num(cell) if isinstance(cell, float) else cell
            tds.append(tag("td", shown, class_="n" if right else None))
        cls = row_class[r] if row_class is not None and r < len(row_class) else None
        body.append(tag("tr", join(tds), class_=cls))
    cap = tag("caption", caption) if caption is not None else Markup("")
    return tag("table", join([cap, tag("thead", tag("tr", head)), tag("tbody", join(body, "\n"))]), class_=class_)


def heat(content: object, fraction: float, colour: str = "44,74,122") -> Markup:
    """``content`` in a block whose background is ``rgba(colour, fraction)`` (``fraction`` clamped
    to 0..1; ``colour`` is trusted ``"r,g,b"``): for a migration matrix's cells."""
    alpha = 0.0 if not math.isfinite(fraction) else min(max(fraction, 0.0), 1.0)
    ink = "#fff" if alpha > 0.55 else "inherit"
    return tag("span", content, class_="heat", style=f"background:rgba({colour},{alpha:.3f});color:{ink}")


def _svg(width: int, height: int, label: object, content: Iterable[Markup]) -> Markup:
    return tag(
        "svg",
        join(content, "\n"),
        xmlns="http://www.w3.org/2000/svg",
        viewBox=f"0 0 {width} {height}",
        width=width,
        height=height,
        role="img",
        aria_label=label,
    )


def _text(x: float, y: float, content: object, anchor: str = "start", **attrs: object) -> Markup:
    return tag("text", content, x=f"{x:.1f}", y=f"{y:.1f}", text_anchor=anchor, **attrs)


def bar_chart(
    bars: Sequence[tuple[object, float]],
    *,
    label: object,
    max_value: float | None = None,
    colours: Sequence[str] | None = None,
    unit: str = "",
    width: int = 720,
) -> Markup:
    """Horizontal bars, one row per ``(label, value)`` in the order given: the label (text) at the
    left, in a column as wide as the longest label up to 45 % of ``width`` (a longer one is cut
    with "…", whole in the bar's tooltip); the bar scaled to ``max_value`` (default: the largest
    value, at least 1); the value (with :func:`num` and ``unit``) at the bar's end. Negative values draw as empty bars with their
    number. ``colours`` (trusted CSS colours) per bar, default the accent; ``label`` names the
    chart for screen readers. Each bar has a ``<title>`` tooltip."""
    row, pad, value_w, char_w = 24, 6, 70, 7  # char_w: about one 12 px DejaVu Sans character
    names = [str(name) for name, _ in bars]
    label_w = min(max([len(n) for n in names] + [4]) * char_w + 16, int(width * 0.45))
    fits = (label_w - 16) // char_w
    top = max([v for _, v in bars if math.isfinite(v)] + [max_value or 0.0, 1.0])
    span = width - label_w - value_w
    parts: list[Markup] = []
    for i, (name, (_, value)) in enumerate(zip(names, bars, strict=True)):
        y = pad + i * row
        frac = value / top if math.isfinite(value) and value > 0 else 0.0
        w = max(frac * span, 0.0)
        colour = colours[i] if colours is not None and i < len(colours) else "#2c4a7a"
        shown = f"{num(value)}{unit}"
        short = name if len(name) <= fits else name[: fits - 1] + "…"
        parts.append(_text(label_w - 8, y + 16, short, "end"))
        parts.append(tag("rect", x=label_w, y=y + 4, width=span, height=row - 8, fill="#eef0f3"))
        parts.append(
            tag("rect", tag("title", f"{name}: {shown}"), x=label_w, y=y + 4, width=f"{w:.1f}",
                height=row - 8, fill=colour)
        )  # fmt: skip
        parts.append(_text(label_w + w + 6, y + 16, shown))
    return _svg(width, pad * 2 + row * max(len(bars), 1), label, parts)


def _edge_x(value: float, edges: Sequence[float], left: float, step: float) -> float | None:
    """Where ``value`` falls on a histogram's x axis (bars are equal-width), or None outside it."""
    for i in range(len(edges) - 1):
        lo, hi = edges[i], edges[i + 1]
        if lo <= value <= hi:
            return left + (i + ((value - lo) / (hi - lo) if hi > lo else 0.0)) * step
    return None


def histogram(
    counts: Sequence[int],
    edges: Sequence[float],
    *,
    label: object,
    x_label: object = "",
    marks: Sequence[tuple[float, object]] = (),
    colour: str = "#2c4a7a",
    width: int = 720,
    height: int = 220,
) -> Markup:
    """Vertical bars: ``counts[i]`` values fell in ``[edges[i], edges[i + 1])`` (the last bin also
    holds its upper edge, as numpy's), so ``edges`` has one more item than ``counts``; bars are
    equal-width whatever the edges. Each bar shows its count above it and has a ``<title>`` with
    its range; edges are labelled below (with :func:`num`), ``x_label`` under them. ``marks``
    draws a dashed vertical line with a label at each ``(value, text)`` inside the edges (tier
    minimums, zero). Raises ``ValueError`` if the lengths do not match (a programming error)."""
    if len(edges) != len(counts) + 1:
        raise ValueError(f"histogram: {len(counts)} counts need {len(counts) + 1} edges, got {len(edges)}")
    left, right, top, bottom = 40, 16, 36 if marks else 20, 46  # marks are labelled above the bars
    plot_w, plot_h = width - left - right, height - top - bottom
    most = max([*counts, 1])
    step = plot_w / max(len(counts), 1)
    parts = [tag("line", x1=left, y1=top + plot_h, x2=width - right, y2=top + plot_h, stroke="#5b6475")]
    for value, text in marks:
        if (mx := _edge_x(value, edges, left, step)) is not None:
            parts.append(tag("line", x1=f"{mx:.1f}", y1=top - 14, x2=f"{mx:.1f}", y2=top + plot_h, stroke="#5b6475",
                             stroke_dasharray="4 3"))  # fmt: skip
            parts.append(_text(mx + 4, top - 18, text, fill="#5b6475"))
    for i, count in enumerate(counts):
        h = plot_h * count / most
        x, y = left + i * step, top + plot_h - h
        close = "]" if i == len(counts) - 1 else ")"
        tip = f"[{num(edges[i])}, {num(edges[i + 1])}{close}: {count}"
        parts.append(
            tag("rect", tag("title", tip), x=f"{x + 1:.1f}", y=f"{y:.1f}", width=f"{max(step - 2, 1):.1f}",
                height=f"{h:.1f}", fill=colour)
        )  # fmt: skip
        if count:
            halo = {"stroke": "#fff", "stroke_width": 3, "paint_order": "stroke"}  # legible over a mark line
            parts.append(_text(x + step / 2, y - 4, count, "middle", **halo))
    every = max(1, math.ceil(len(edges) / 12))  # at most about 12 edge labels
    for i in range(0, len(edges), every):
        parts.append(_text(left + i * step, top + plot_h + 16, num(edges[i]), "middle"))
    parts.append(_text(left + plot_w / 2, height - 8, x_label, "middle"))
    return _svg(width, height, label, parts)
