"""The ``riskscore`` command: a thin layer over the library.

    riskscore score FILE [--policy P] [--as-of D] [--format text|json]
    riskscore explain FILE [--id ID] [--policy P] [--as-of D] [--markdown]
    riskscore validate [PATH]
    riskscore schema [policy|list]

FILE holds counterparties as JSON (one object or an array) or JSON Lines; ``-`` reads
standard input. Exit status: 0 success; 1 a counterparty or the policy was refused
(every bad record is reported on stderr with its index and field path); 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from .errors import CounterpartyError, RiskscoreError
from .policy import Policy, load_policy, parse_as_of

__all__ = ["main"]


def _records(path: str) -> Iterator[tuple[int, Any]]:
    stream: TextIO = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115
    with stream:
        text = stream.read()
    stripped = text.lstrip()
    if stripped.startswith("[") or (stripped.startswith("{") and "\n{" not in stripped):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise _bad_json(path, exc) from None
        yield from enumerate(data if isinstance(data, list) else [data])
        return
    index = 0
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield index, json.loads(line)
        except json.JSONDecodeError as exc:
            raise _bad_json(f"{path}:{lineno}", exc) from None
        index += 1


class _InputError(RiskscoreError, ValueError):
    pass


def _bad_json(where: str, exc: json.JSONDecodeError) -> _InputError:
    return _InputError(f"{where}: invalid JSON at column {exc.colno}: {exc.msg}")


def _policy(args: argparse.Namespace) -> Policy:
    return load_policy(args.policy)


def _cmd_score(args: argparse.Namespace) -> int:
    policy = _policy(args)
    as_of = parse_as_of(args.as_of)
    failed = 0
    out = sys.stdout
    if args.format == "text":
        out.write(f"# policy {policy.id} {policy.version} fingerprint {policy.fingerprint[:16]} as of {as_of}\n")
    for index, record in _records(args.file):
        try:
            result = policy.score(record, as_of)
        except CounterpartyError as exc:
            failed += 1
            exc.index = index
            sys.stderr.write(f"{args.file}: record {index}: {'; '.join(str(i) for i in exc.issues) or exc}\n")
            continue
        if args.format == "json":
            out.write(result.model_dump_json() + "\n")
        else:
            top = max(result.contributions, key=lambda c: c.weighted, default=None)
            why = f"  top: {top.rule_id} ({top.weighted:g})" if top else ""
            ovr = f"  overrides: {','.join(o.override_id for o in result.overrides)}" if result.overrides else ""
            out.write(f"{result.counterparty_id}\t{result.score:g}\t{result.tier}{why}{ovr}\n")
    if failed:
        sys.stderr.write(f"{failed} record(s) refused\n")
    return 1 if failed else 0


def _cmd_explain(args: argparse.Namespace) -> int:
    policy = _policy(args)
    as_of = parse_as_of(args.as_of)
    shown = 0
    for index, record in _records(args.file):
        if args.id is not None and isinstance(record, dict) and str(record.get("id")) != args.id:
            continue
        try:
            result = policy.score(record, as_of)
        except CounterpartyError as exc:
            sys.stderr.write(f"{args.file}: record {index}: {exc}\n")
            return 1
        if shown:
            sys.stdout.write("\n" + "-" * 72 + "\n\n")
        sys.stdout.write(result.explain(markdown=args.markdown) + "\n")
        shown += 1
    if args.id is not None and not shown:
        sys.stderr.write(f"no counterparty with id {args.id!r} in {args.file}\n")
        return 1
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    policy = load_policy(args.path)
    lists = policy.lists
    sys.stdout.write(
        f"ok: {policy.path}: policy {policy.id} {policy.version}, {len(lists)} lists "
        f"({sum(len(x.entries) for x in lists.values())} entries), authorities {', '.join(policy.authorities)}\n"
        f"fingerprint {policy.fingerprint}\n"
    )
    return 0


def _cmd_schema(args: argparse.Namespace) -> int:
    from .schema import schema_text

    sys.stdout.write(schema_text(args.kind))
    return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="riskscore", description="Counterparty risk scoring from YAML policies.")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("file", help="JSON or JSON Lines file of counterparties ('-' for stdin)")
        sp.add_argument("--policy", type=Path, default=None, help="policy file or folder (default: bundled)")
        sp.add_argument("--as-of", default=None, help="scoring date YYYY-MM-DD (default: today)")

    s = sub.add_parser("score", help="score counterparties")
    common(s)
    s.add_argument("--format", choices=("text", "json"), default="text")
    s.set_defaults(func=_cmd_score)
    e = sub.add_parser("explain", help="explain the scores of counterparties, citing sources")
    common(e)
    e.add_argument("--id", default=None, help="only the counterparty with this id")
    e.add_argument("--markdown", action="store_true")
    e.set_defaults(func=_cmd_explain)
    v = sub.add_parser("validate", help="validate a policy and its lists")
    v.add_argument("path", nargs="?", type=Path, default=None, help="policy file or folder (default: bundled)")
    v.set_defaults(func=_cmd_validate)
    sc = sub.add_parser("schema", help="print the JSON Schema of a policy or list file")
    sc.add_argument("kind", nargs="?", choices=("policy", "list"), default="policy")
    sc.set_defaults(func=_cmd_schema)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``riskscore`` console script."""
    args = _parser().parse_args(argv)
    try:
        return int(args.func(args))
    except RiskscoreError as exc:
        sys.stderr.write(f"riskscore: {exc}\n")
        return 1
    except OSError as exc:
        sys.stderr.write(f"riskscore: {exc}\n")
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
