"""The ``riskscore`` subcommands about policies: ``validate`` (with the lint), ``schema``,
``test`` (policy test cases) and ``diff`` (what a policy change does to a portfolio).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from . import _progress
from ._cli_common import number
from ._records import display_name, read_records
from ._reporting import err
from .policy import load_policy, parse_as_of

__all__ = ["add_diff", "add_schema", "add_test", "add_validate", "cmd_diff", "cmd_schema", "cmd_test", "cmd_validate"]


def add_validate(sub: Any) -> None:
    """The ``validate`` subcommand."""
    v = sub.add_parser("validate", help="validate a policy and its lists")
    v.add_argument("path", nargs="?", type=Path, default=None, help="policy file or folder (default: bundled)")
    v.add_argument("--no-lint", action="store_true", help="only the schema and reference checks")
    v.add_argument("--strict", action="store_true", help="fail on lint warnings too (a stale list, for one)")
    v.add_argument(
        "--as-of", default=None, help="date the staleness of lists is checked on, YYYY-MM-DD (default: today)"
    )
    v.add_argument(
        "--max-factor-weight",
        type=number(float, 0, 1, low_open=True),
        default=None,
        help="dominance bound (default: policy or 0.5)",
    )
    v.set_defaults(func=cmd_validate)


def add_schema(sub: Any) -> None:
    """The ``schema`` subcommand."""
    sc = sub.add_parser("schema", help="print the JSON Schema of a policy, list, test or amendment file")
    sc.add_argument("kind", nargs="?", choices=("policy", "list", "tests", "amendment"), default="policy")
    sc.set_defaults(func=cmd_schema)


def add_test(sub: Any) -> None:
    """The ``test`` subcommand."""
    t = sub.add_parser("test", help="run policy test cases (*.cases.yaml)")
    t.add_argument("paths", nargs="*", help="test files or folders (default: .)")
    t.add_argument("--policy", type=Path, default=None, help="test this policy instead of the one each file names")
    t.add_argument("--coverage", action="store_true", help="report rule, override and list-entry coverage")
    t.add_argument(
        "--fail-under", type=number(float, 0, 100), default=None, help="fail if rule+override coverage is below N %%"
    )
    t.add_argument("--format", choices=("text", "json", "junit"), default="text")
    t.add_argument("-k", dest="keyword", default=None, help="only cases whose id contains this text")
    _progress.add_argument(t)
    t.set_defaults(func=cmd_test)


def add_diff(sub: Any) -> None:
    """The ``diff`` subcommand."""
    d = sub.add_parser("diff", help="what a policy change does to a portfolio")
    d.add_argument("old", type=Path, help="the current policy file or folder")
    d.add_argument("new", type=Path, help="the proposed policy file or folder")
    d.add_argument("portfolio", help="JSON or JSON Lines file of counterparties ('-' for stdin)")
    d.add_argument("--as-of", default=None, help="scoring date YYYY-MM-DD (default: today)")
    d.add_argument("--format", choices=("text", "json", "markdown", "html"), default="text")
    d.add_argument("--html", type=Path, default=None, metavar="FILE", help="also write the HTML report to FILE")
    d.add_argument(
        "--fail-on",
        action="append",
        choices=("change", "upgrade", "downgrade", "prohibited", "refused"),
        help="exit 1 if any counterparty changes this way (repeatable)",
    )
    _progress.add_argument(d)
    d.set_defaults(func=cmd_diff)


def cmd_validate(args: argparse.Namespace) -> int:
    """Run ``riskscore validate``: the schema and reference checks, then the lint."""
    as_of = parse_as_of(args.as_of)
    policy = load_policy(args.path)
    lists = policy.lists
    sys.stdout.write(
        f"ok: {policy.path}: policy {policy.id} {policy.version}, {len(lists)} lists "
        f"({sum(len(x.entries) for x in lists.values())} entries), authorities {', '.join(policy.authorities)}\n"
        f"fingerprint {policy.fingerprint}\n"
    )
    if args.no_lint:
        return 0
    from .lint import lint_policy

    report = lint_policy(policy, max_factor_weight=args.max_factor_weight, as_of=as_of)
    sys.stdout.write(report.render())
    return report.exit_code(strict=args.strict)


def cmd_test(args: argparse.Namespace) -> int:
    """Run ``riskscore test``."""
    from .testing.report import render
    from .testing.runner import run

    with _progress.progress(None, "cases", args.progress) as bar:
        report = run(args.paths or ["."], args.policy, keyword=args.keyword, progress=bar)
    coverage = args.coverage or args.fail_under is not None
    sys.stdout.write(render(report, args.format, coverage=coverage))
    code = 0 if report.ok else 1
    if args.fail_under is not None:
        for cov in report.coverage.values():
            if cov.percent < args.fail_under:
                sys.stderr.write(
                    f"riskscore: coverage of {cov.policy.id} is {cov.percent:g}%, under --fail-under {args.fail_under:g}\n"
                )
                code = 1
    return code


def cmd_diff(args: argparse.Namespace) -> int:
    """Run ``riskscore diff``."""
    from .diff import diff_portfolio

    old, new, as_of = load_policy(args.old), load_policy(args.new), parse_as_of(args.as_of)
    name = display_name(args.portfolio)
    bar = _progress.start(None, "diffed", args.progress)
    report = diff_portfolio(old, new, _progress.counted(read_records(args.portfolio), bar), as_of, file=name)
    sys.stdout.write(report.render(args.format))
    if args.html is not None:
        args.html.write_text(report.render("html"), encoding="utf-8")
    for line in (*report.refused, *report.warnings):
        err(line)
    if report.refused:
        err(f"{len(report.refused)} record(s) refused")
        return 1
    return report.exit_code(args.fail_on or [])


def cmd_schema(args: argparse.Namespace) -> int:
    """Run ``riskscore schema``."""
    from .schema import schema_text

    sys.stdout.write(schema_text(args.kind))
    return 0
