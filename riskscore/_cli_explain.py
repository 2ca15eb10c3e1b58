"""``riskscore explain`` and ``riskscore report``: the reasons for scores, as text or Markdown,
or as a self-contained HTML audit report (one counterparty with ``--id``, or a batch).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from . import _progress
from ._cli_common import add_input_arguments, number, policy_of, scored_records
from ._records import Refusal, read_records
from ._reporting import Run, err, shown
from .explain import Detail
from .policy import parse_as_of

__all__ = ["add_explain", "add_report", "cmd_explain", "cmd_report"]


def add_explain(sub: Any) -> None:
    """The ``explain`` subcommand."""
    e = sub.add_parser("explain", help="explain the scores of counterparties, citing sources")
    add_input_arguments(e)
    e.add_argument("--id", default=None, help="only the counterparty with this id")
    e.add_argument(
        "--markdown",
        action="store_true",
        help="Markdown: '#' per counterparty (with --id), else '##' under a '#' title",
    )
    level = e.add_mutually_exclusive_group()
    level.add_argument(
        "--verbose", action="store_true", help="every fact, every fired override (no-ops too), every source occurrence"
    )
    level.add_argument("--brief", action="store_true", help="one line per counterparty: id: TIER score (top reasons)")
    e.set_defaults(func=cmd_explain)


def add_report(sub: Any) -> None:
    """The ``report`` subcommand."""
    rp = sub.add_parser("report", help="write a self-contained HTML audit report (one counterparty or a batch)")
    add_input_arguments(rp)
    rp.add_argument("--id", default=None, help="only the counterparty with this id")
    rp.add_argument("-o", "--output", default="-", help="HTML file to write (default: standard output)")
    rp.add_argument("--title", default=None, help="the page title (default: names the counterparty or the count)")
    rp.add_argument(
        "--max-details", type=number(int, 0, 100_000), default=100, help="most full sections in a batch (default 100)"
    )
    rp.add_argument(
        "--max-rows", type=number(int, 0, 10_000_000), default=10_000, help="most summary table rows (default 10000)"
    )
    _progress.add_argument(rp)
    rp.set_defaults(func=cmd_report)


def cmd_explain(args: argparse.Namespace) -> int:
    """Run ``riskscore explain``."""
    policy = policy_of(args)
    as_of = parse_as_of(args.as_of)
    run, explained = Run(args.file), 0
    detail: Detail = "verbose" if args.verbose else "brief" if args.brief else "normal"
    batch_md = args.markdown and args.id is None  # a document of many: '#' title, '##' per counterparty
    if batch_md:
        sys.stdout.write(f"# Explanations: policy {policy.id} {policy.version}, as of {as_of}\n\n")
    for scored in scored_records(read_records(args.file), policy, as_of, args.id):
        if isinstance(scored, Refusal):
            run.refuse(scored)
            continue
        item, result = scored
        run.scored(result.counterparty_id, item.line)
        if explained and detail != "brief":
            sys.stdout.write("\n" if args.markdown else "\n" + "-" * 72 + "\n\n")
        safe = result.model_copy(update={"counterparty_id": shown(result.counterparty_id)})
        text = safe.explain(detail=detail, markdown=args.markdown, heading_level=2 if batch_md else 1)
        sys.stdout.write("\n".join(map(shown, text.split("\n"))) + "\n")
        explained += 1
    code = run.finish()
    if args.id is not None and not explained and not run.refused:
        err(f"no counterparty with id {args.id!r} in {run.file}")
        return 1
    return code


def cmd_report(args: argparse.Namespace) -> int:
    """Run ``riskscore report``."""
    from ._report import AuditReport

    policy, as_of = policy_of(args), parse_as_of(args.as_of)
    run = Run(args.file)
    report = AuditReport(policy, title=args.title, max_details=args.max_details, max_rows=args.max_rows)
    bar = _progress.start(None, "reported", args.progress)
    for scored in scored_records(_progress.counted(read_records(args.file), bar), policy, as_of, args.id):
        if isinstance(scored, Refusal):
            run.refuse(scored)
            where = f"{run.file}:{scored.line}:{scored.column}" if scored.line is not None else run.file
            report.refuse(where, scored.code, scored.message, scored.id)
            continue
        item, result = scored
        run.scored(result.counterparty_id, item.line)
        name = item.data.get("name") if isinstance(item.data, dict) else None
        report.add(result, name if isinstance(name, str) else None)
    if args.id is not None and not report.count and not report.refused:
        err(f"no counterparty with id {args.id!r} in {run.file}")
        return 1
    page = report.html()
    if args.output == "-":
        sys.stdout.write(page)
    else:
        Path(args.output).write_text(page, encoding="utf-8")
    return run.finish()
