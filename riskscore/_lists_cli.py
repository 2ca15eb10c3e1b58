"""``riskscore lists``: the lists a policy applies, and what changed between dates or list sets.

    riskscore lists [--policy P] [--as-of D] [--format text|markdown|json]
    riskscore lists diff --from D1 [--to D2] [--policy P] [--format ...]
    riskscore lists diff --policy A --against B [--from D1] [--to D2] [--format ...]

A change is read from the list data (with amendments applied): an entry's listing
("added"), its delisting ("removed"), or a delisting and a new listing on the same day with
another category ("recategorised").
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ._amend import SOURCE_PREFIX
from .lists import Event, JurisdictionList, Period, Status
from .policy import Policy, load_policy, parse_as_of

__all__ = ["ListChange", "add_parser", "compare_lists", "list_changes"]


@dataclass(frozen=True, order=True)
class ListChange:
    """One dated change to one entry of a list."""

    date: date
    list_id: str
    code: str
    action: str  # added | removed | recategorised
    category: str | None
    previous_category: str | None
    precision: str
    confidence: str
    source: str
    amendment: bool

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready mapping (the date as YYYY-MM-DD)."""
        return {**asdict(self), "date": self.date.isoformat()}

    @property
    def key(self) -> tuple[Any, ...]:
        """What makes two changes the same change, whatever their citation."""
        return (self.list_id, self.code, self.action, self.date, self.category, self.previous_category)


def list_changes(lst: JurisdictionList) -> list[ListChange]:
    """Every change recorded in ``lst``, oldest first."""
    out: list[ListChange] = []
    for entry in lst.entries:
        periods = entry.periods
        for j, period in enumerate(periods):
            prev = periods[j - 1] if j else None
            if prev is not None and prev.delisted is not None and prev.delisted.date == period.listed.date:
                out.append(_change(lst, entry.code, "recategorised", period.listed, period, prev.category))
            else:
                out.append(_change(lst, entry.code, "added", period.listed, period, None))
            nxt = periods[j + 1] if j + 1 < len(periods) else None
            if period.delisted is not None and (nxt is None or nxt.listed.date != period.delisted.date):
                out.append(_change(lst, entry.code, "removed", period.delisted, None, period.category))
    return sorted(out)


def _change(
    lst: JurisdictionList, code: str, action: str, event: Event, period: Period | None, previous: str | None
) -> ListChange:
    return ListChange(
        date=event.date,
        list_id=lst.id,
        code=code,
        action=action,
        category=period.category if period is not None else None,
        previous_category=previous,
        precision=event.precision,
        confidence=event.confidence,
        source=lst.source(event.source).title,
        amendment=event.source.startswith(SOURCE_PREFIX),
    )


def _overview(policy: Policy, as_of: date) -> list[dict[str, Any]]:
    rows = []
    for list_id, lst in sorted(policy.lists.items()):
        changes = [c for c in list_changes(lst) if c.date <= as_of]
        rows.append(
            {
                "list": list_id,
                "authority": lst.authority,
                "entries": len(lst.entries),
                "listed_on_as_of": sum(lst.status(e.code, as_of).status is Status.LISTED for e in lst.entries),
                "last_change": changes[-1].date.isoformat() if changes else None,
                "reviewed": lst.reviewed.isoformat(),
                "review_due": lst.review_horizon.isoformat(),
                "stale": as_of > lst.review_horizon,
                "amendment_changes": sum(c.amendment for c in list_changes(lst)),
            }
        )
    return rows


def _policy_json(policy: Policy) -> dict[str, str]:
    return {"id": policy.id, "version": policy.version, "fingerprint": policy.fingerprint}


def _render_overview(policy: Policy, as_of: date, fmt: str) -> str:
    rows = _overview(policy, as_of)
    if fmt == "json":
        return json.dumps({"policy": _policy_json(policy), "as_of": as_of.isoformat(), "lists": rows}, indent=2) + "\n"
    head = ["list", "authority", "entries", "listed", "last change", "reviewed", "review due", "stale", "amended"]
    body = [
        [r["list"], r["authority"], str(r["entries"]), str(r["listed_on_as_of"]), r["last_change"] or "-",
         r["reviewed"], r["review_due"], "STALE" if r["stale"] else "ok", str(r["amendment_changes"])]
        for r in rows
    ]  # fmt: skip
    title = f"policy {policy.id} {policy.version} (fingerprint {policy.fingerprint[:16]}), lists as of {as_of}"
    stale = sum(r["stale"] for r in rows)
    foot = f"{len(rows)} lists, {stale} stale on {as_of}"
    return _table(title, head, body, foot, markdown=fmt == "markdown")


def _table(title: str, head: list[str], body: list[list[str]], foot: str, *, markdown: bool) -> str:
    if markdown:
        lines = [f"## {title}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(row) + " |" for row in body]
        return "\n".join([*lines, "", foot, ""])
    widths = [max(len(x) for x in col) for col in zip(head, *body, strict=True)]
    lines = [title, "  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip()]
    lines += ["  ".join(x.ljust(w) for x, w in zip(row, widths, strict=True)).rstrip() for row in body]
    return "\n".join([*lines, foot, ""])


def _window(changes: list[ListChange], start: date | None, end: date | None) -> Iterator[ListChange]:
    for c in changes:
        if (start is None or c.date > start) and (end is None or c.date <= end):
            yield c


def compare_lists(policy: Policy, other: Policy | None, start: date | None, end: date | None) -> dict[str, Any]:
    """The list changes of ``lists diff``: dated after ``start`` and up to ``end`` (None: unbounded).

    Without ``other``: every change of ``policy``'s lists in the window. With it: the lists
    only one policy applies (``only_in_policy``, ``only_in_against``) and, per list both apply,
    the changes only one of them records (each marked ``only_in``: ``policy`` or ``against``).
    """
    mine = {k: list(_window(list_changes(v), start, end)) for k, v in policy.lists.items()}
    out: dict[str, Any] = {}
    changes: dict[str, list[tuple[str | None, ListChange]]]
    if other is None:
        changes = {k: [(None, c) for c in v] for k, v in mine.items()}
    else:
        theirs = {k: list(_window(list_changes(v), start, end)) for k, v in other.lists.items()}
        out["only_in_policy"] = sorted(set(mine) - set(theirs))
        out["only_in_against"] = sorted(set(theirs) - set(mine))
        changes = {}
        for k in sorted(set(mine) & set(theirs)):
            a, b = {c.key for c in mine[k]}, {c.key for c in theirs[k]}
            changes[k] = sorted(
                [("policy", c) for c in mine[k] if c.key not in b]
                + [("against", c) for c in theirs[k] if c.key not in a],
                key=lambda sc: (sc[1], sc[0] or ""),
            )
    out["lists"] = [
        {"list": k, "changes": [{**c.as_json(), **({"only_in": side} if side else {})} for side, c in v]}
        for k, v in sorted(changes.items())
        if v
    ]
    return out


def _diff(args: argparse.Namespace) -> dict[str, Any]:
    policy = load_policy(args.policy)
    start = parse_as_of(args.date_from) if args.date_from else None
    end = parse_as_of(args.date_to) if args.date_to else (None if args.against else date.today())
    other = load_policy(args.against) if args.against is not None else None
    out: dict[str, Any] = {
        "policy": _policy_json(policy),
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
    }
    if other is not None:
        out["against"] = _policy_json(other)
    return {**out, **compare_lists(policy, other, start, end)}


_SIGN = {"added": "+", "removed": "-", "recategorised": "~"}


def _render_diff(report: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(report, indent=2) + "\n"
    p = report["policy"]
    span = " ".join(
        [*([f"after {report['from']}"] if report["from"] else []), *([f"up to {report['to']}"] if report["to"] else [])]
    )
    title = f"list changes {span or 'on all dates'}: policy {p['id']} {p['version']} ({p['fingerprint'][:16]})"
    if "against" in report:
        a = report["against"]
        title += f" against {a['id']} {a['version']} ({a['fingerprint'][:16]})"
    md = fmt == "markdown"
    lines = [f"## {title}" if md else title]
    for side in ("policy", "against"):
        for list_id in report.get(f"only_in_{side}", []):
            lines.append(f"{'- ' if md else '  '}list {list_id} only in --{side}")
    head = ["date", "", "code", "change", "confidence", "source"] + (["only in"] if "against" in report else [])
    for item in report["lists"]:
        rows = []
        for c in item["changes"]:
            what = c["action"]
            if c["action"] == "recategorised":
                what += f" {c['previous_category']} -> {c['category']}"
            elif c["category"] or c["previous_category"]:
                what += f" [{c['category'] or c['previous_category']}]"
            when = c["date"] + ("" if c["precision"] == "day" else f" ({c['precision']})")
            source = c["source"] + (" (amendment)" if c["amendment"] and "[amendment" not in c["source"] else "")
            rows.append([when, _SIGN[c["action"]], c["code"], what, c["confidence"], source][: len(head)])
            if "against" in report:
                rows[-1].append("--" + c["only_in"])
        lines.append("")
        lines.append(_table(f"{item['list']}: {len(rows)} change(s)", head, rows, "", markdown=md).rstrip("\n"))
    total = sum(len(i["changes"]) for i in report["lists"])
    lines += ["", f"{total} change(s) in {len(report['lists'])} list(s)", ""]
    return "\n".join(lines)


def _cmd_lists(args: argparse.Namespace) -> int:
    if args.action == "diff":
        if args.date_from is None and args.against is None:
            args.parser.error("lists diff needs --from D1 [--to D2], or --against POLICY")
        report = _diff(args)
        sys.stdout.write(_render_diff(report, args.format))
        return 0
    if args.date_from or args.date_to or args.against:
        args.parser.error("--from, --to and --against go with 'riskscore lists diff'")
    policy = load_policy(args.policy)
    sys.stdout.write(_render_overview(policy, parse_as_of(args.as_of), args.format))
    return 0


def add_parser(sub: Any) -> None:
    """Add the ``lists`` command to the CLI's subparsers."""
    p: argparse.ArgumentParser = sub.add_parser(
        "lists", help="the lists a policy applies (review status), or what changed between dates / list sets"
    )
    p.add_argument("action", nargs="?", choices=("show", "diff"), default="show", help="show (default) or diff")
    p.add_argument("--policy", type=Path, default=None, help="policy file or folder (default: bundled)")
    p.add_argument("--as-of", default=None, help="date for last change and staleness (default: today)")
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    p.add_argument("--from", dest="date_from", default=None, help="diff: changes after this date")
    p.add_argument("--to", dest="date_to", default=None, help="diff: changes up to this date (default: today)")
    p.add_argument("--against", type=Path, default=None, help="diff: the other policy whose lists to compare")
    p.set_defaults(func=_cmd_lists, parser=p)
