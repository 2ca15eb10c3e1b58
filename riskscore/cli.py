"""The ``riskscore`` command: a thin layer over the library.

    riskscore score FILE [--policy P] [--as-of D] [--format text|json|jsonl|csv] [--chunk-size N]
    riskscore report FILE [--id ID] [--policy P] [--as-of D] [-o OUT.html] [--max-details N] [--max-rows N]
    riskscore explain FILE [--id ID] [--policy P] [--as-of D] [--verbose|--brief] [--markdown]
    riskscore validate [PATH] [--no-lint] [--strict] [--as-of D] [--max-factor-weight W]
    riskscore schema [policy|list|tests|amendment]
    riskscore test [PATH ...] [--policy P] [--coverage] [--fail-under N] [--format text|json|junit]
    riskscore diff OLD_POLICY NEW_POLICY PORTFOLIO [--as-of D] [--format text|json|markdown|html] [--html FILE]
    riskscore lists [diff] [--policy P] [--as-of D] [--from D1] [--to D2] [--against P2] [--format text|markdown|json]

FILE holds counterparties as JSON (one object or an array) or JSON Lines; ``-`` reads
standard input. It is read in bounded memory by :mod:`riskscore._records`. A record that
cannot be read or is refused is reported on stderr as ``file:line:col: code: message``
(with the field paths) and the others go on; ``--format json|jsonl|csv`` also write it as a
row without a score. Ids and messages are escaped in text output and on stderr.
Exit status: 0 success; 1 a record or the policy was refused, or the input unreadable;
2 usage error.

The subcommands live in private modules, each with its ``add_*`` parser helper:
``riskscore._cli_score`` (score), ``riskscore._cli_explain`` (explain, report),
``riskscore._cli_policy`` (validate, schema, test, diff) and ``riskscore._lists_cli`` (lists);
what they share is in ``riskscore._cli_common``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import _lists_cli
from ._cli_explain import add_explain, add_report
from ._cli_policy import add_diff, add_schema, add_test, add_validate
from ._cli_score import add_score
from ._reporting import err
from ._version import __version__
from .errors import RiskscoreError

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="riskscore", description="Counterparty risk scoring from YAML policies.")
    p.add_argument("--version", action="version", version=f"riskscore {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    for add in (add_score, add_explain, add_report, add_validate, add_schema, add_test, add_diff):
        add(sub)
    _lists_cli.add_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``riskscore`` console script."""
    args = _parser().parse_args(argv)
    try:
        return int(args.func(args))
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (RiskscoreError, OSError) as exc:
        for line in f"riskscore: {exc}".split("\n"):  # a PolicyError has one line per issue
            err(line)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
