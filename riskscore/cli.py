"""The ``riskscore`` command: a thin layer over the library.

    riskscore score FILE [--policy P] [--as-of D] [--format text|json|jsonl|csv] [--chunk-size N]
    riskscore explain FILE [--id ID] [--policy P] [--as-of D] [--markdown]
    riskscore validate [PATH] [--no-lint] [--strict] [--max-factor-weight W]
    riskscore schema [policy|list|tests|amendment]
    riskscore test [PATH ...] [--policy P] [--coverage] [--fail-under N] [--format text|json|junit]
    riskscore diff OLD_POLICY NEW_POLICY PORTFOLIO [--as-of D] [--format text|json|markdown]
    riskscore lists [diff] [--policy P] [--as-of D] [--from D1] [--to D2] [--against P2] [--format text|markdown|json]

FILE holds counterparties as JSON (one object or an array) or JSON Lines; ``-`` reads
standard input. Exit status: 0 success; 1 a counterparty or the policy was refused
(every bad record is reported on stderr with its index and field path); 2 usage error.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from . import _lists_cli
from ._data_versions import data_versions
from .errors import CounterpartyError, RiskscoreError
from .policy import Policy, load_policy, parse_as_of

__all__ = ["main"]


def _records(path: str) -> Iterator[tuple[int, Any]]:
    stream: TextIO = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115
    try:
        with stream:
            text = stream.read()
    except UnicodeDecodeError as exc:
        raise _InputError(f"{path}: not valid UTF-8 (byte offset {exc.start})") from None
    stripped = text.lstrip()
    if stripped.startswith(("[", "{")):
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:  # bad JSON, a huge int, or nesting too deep
            if stripped.startswith("["):
                raise _bad_json(path, exc) from None
        else:  # one JSON document: an array of records, or one record
            yield from enumerate(data if isinstance(data, list) else [data])
            return
    index = 0
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield index, json.loads(line)
        except (ValueError, RecursionError) as exc:
            raise _bad_json(f"{path}:{lineno}", exc) from None
        index += 1


class _InputError(RiskscoreError, ValueError):
    pass


def _bad_json(where: str, exc: Exception) -> _InputError:
    if isinstance(exc, json.JSONDecodeError):
        return _InputError(f"{where}: invalid JSON at column {exc.colno}: {exc.msg}")
    return _InputError(f"{where}: invalid JSON: {'nested too deeply' if isinstance(exc, RecursionError) else exc}")


def _policy(args: argparse.Namespace) -> Policy:
    return load_policy(args.policy)


def _stream_records(path: str) -> Iterator[tuple[int, Any]]:
    """Records one at a time: JSON Lines are read line by line (bounded memory); a JSON
    document (an array, or one object over several lines) is read whole."""
    try:
        yield from _stream_records_unchecked(path)
    except UnicodeDecodeError as exc:
        raise _InputError(f"{path}: not valid UTF-8 (byte offset {exc.start})") from None


class _BadLine:
    """A JSON Lines line that is not JSON: reported and counted as refused, the rest goes on."""

    def __init__(self, message: str) -> None:
        self.message = message


def _stream_records_unchecked(path: str) -> Iterator[tuple[int, Any]]:
    stream: TextIO = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115
    with stream:
        first = ""
        for first in stream:
            if first.strip():
                break
        head = first.lstrip()
        if head.startswith("["):
            rest = stream.read()
            try:
                data = json.loads(first + rest)
            except (ValueError, RecursionError) as exc:
                raise _bad_json(path, exc) from None
            yield from enumerate(data if isinstance(data, list) else [data])
            return
        index = 0
        lineno = 0
        lines = iter([first]) if first.strip() else iter(())
        for lineno, line in enumerate(itertools.chain(lines, stream), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except (ValueError, RecursionError) as exc:
                if index == 0 and head.startswith("{"):  # one pretty-printed object
                    try:
                        record = json.loads(line + stream.read())
                    except (ValueError, RecursionError):
                        raise _bad_json(f"{path}:{lineno}", exc) from None
                    yield 0, record
                    return
                record = _BadLine(str(_bad_json(f"{path}:{lineno}", exc)))
            yield index, record
            index += 1


class _Progress:
    """A one-line progress display on stderr, shown only when stderr is a terminal."""

    def __init__(self, path: str) -> None:
        import os
        import time

        self.on = sys.stderr.isatty()
        self.start = time.perf_counter()
        self.clock = time.perf_counter
        self.size = os.path.getsize(path) if path != "-" and os.path.isfile(path) else 0

    def update(self, done: int, refused: int, final: bool = False) -> None:
        if not self.on:
            return
        rate = done / max(self.clock() - self.start, 1e-9)
        sys.stderr.write(f"\rscored {done:,} ({refused:,} refused), {rate:,.0f}/s" + ("\n" if final else ""))
        sys.stderr.flush()


def _score_stream(args: argparse.Namespace, policy: Policy, as_of: Any) -> int:
    """``--format jsonl|csv``: score in chunks with score_many; memory bounded by the chunk."""
    import csv
    from itertools import islice

    out = sys.stdout
    factor_ids = [f.id for f in policy.model.factors]
    writer = csv.writer(out, lineterminator="\n") if args.format == "csv" else None
    if writer is not None:
        writer.writerow(
            ["id", "score", "tier", "score_before_overrides", "tier_before_overrides", *factor_ids, "overrides"]
        )
    for warning in policy._engine.date_warnings(as_of):  # per-row detail: --format json
        sys.stderr.write(f"warning: {warning}\n")
    records = _stream_records(args.file)
    progress = _Progress(args.file)
    done = refused = 0
    while True:
        chunk = list(islice(records, args.chunk_size))
        if not chunk:
            break
        good = [(i, r) for i, r in chunk if not isinstance(r, _BadLine)]
        for _, bad in chunk:
            if isinstance(bad, _BadLine):
                sys.stderr.write(f"{bad.message}\n")
        refused += len(chunk) - len(good)
        done += len(chunk) - len(good)
        batch = policy.score_many([r for _, r in good], as_of, errors="collect")
        for exc in batch.errors:
            assert exc.index is not None
            sys.stderr.write(
                f"{args.file}: record {good[exc.index][0]}: {'; '.join(str(i) for i in exc.issues) or exc}\n"
            )
        tiers, ids = batch.tier_ids, batch.ids
        applied = batch.overrides
        for i in range(len(batch)):
            if not batch.ok[i]:
                continue
            ovs = [batch.override_ids[k] for k in applied[i].nonzero()[0].tolist()]
            factors = batch.factors[i].tolist()
            if writer is not None:
                writer.writerow(
                    [ids[i], repr(float(batch.scores[i])), tiers[batch.tiers[i]],
                     repr(float(batch.scores_before_overrides[i])), tiers[batch.tiers_before_overrides[i]],
                     *map(repr, factors), ";".join(ovs)]
                )  # fmt: skip
            else:
                row = {
                    "id": ids[i],
                    "score": float(batch.scores[i]),
                    "tier": tiers[batch.tiers[i]],
                    "score_before_overrides": float(batch.scores_before_overrides[i]),
                    "tier_before_overrides": tiers[batch.tiers_before_overrides[i]],
                    "factors": dict(zip(factor_ids, factors, strict=True)),
                    "overrides": ovs,
                    "as_of": str(as_of),
                    "fingerprint": policy.fingerprint,
                    "data_versions": data_versions(),
                }
                out.write(json.dumps(row) + "\n")
        done += len(batch)
        refused += len(batch.errors)
        progress.update(done, refused)
    progress.update(done, refused, final=True)
    if refused:
        sys.stderr.write(f"{refused} record(s) refused\n")
    return 1 if refused else 0


def _cmd_score(args: argparse.Namespace) -> int:
    policy = _policy(args)
    as_of = parse_as_of(args.as_of)
    if args.format in ("jsonl", "csv"):
        return _score_stream(args, policy, as_of)
    failed = 0
    warnings: dict[str, int] = {}
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
            for warning in result.warnings:
                warnings[warning] = warnings.get(warning, 0) + 1
            top = max(result.contributions, key=lambda c: c.weighted, default=None)
            why = f"  top: {top.rule_id} ({top.weighted:g})" if top else ""
            ovr = f"  overrides: {','.join(o.override_id for o in result.overrides)}" if result.overrides else ""
            out.write(f"{result.counterparty_id}\t{result.score:g}\t{result.tier}{why}{ovr}\n")
    for warning, count in warnings.items():  # json output carries them in every result
        sys.stderr.write(f"warning ({count} result(s)): {warning}\n")
    if failed:
        sys.stderr.write(f"{failed} record(s) refused\n")
    return 1 if failed else 0


def _cmd_explain(args: argparse.Namespace) -> int:
    policy = _policy(args)
    as_of = parse_as_of(args.as_of)
    shown = failed = 0
    for index, record in _records(args.file):
        if args.id is not None and isinstance(record, dict) and str(record.get("id")) != args.id:
            continue
        try:
            result = policy.score(record, as_of)
        except CounterpartyError as exc:
            failed += 1
            sys.stderr.write(f"{args.file}: record {index}: {'; '.join(str(i) for i in exc.issues) or exc}\n")
            continue
        if shown:
            sys.stdout.write("\n" + "-" * 72 + "\n\n")
        sys.stdout.write(result.explain(markdown=args.markdown) + "\n")
        shown += 1
    if args.id is not None and not shown and not failed:
        sys.stderr.write(f"no counterparty with id {args.id!r} in {args.file}\n")
        return 1
    return 1 if failed else 0


def _cmd_validate(args: argparse.Namespace) -> int:
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

    report = lint_policy(policy, max_factor_weight=args.max_factor_weight)
    sys.stdout.write(report.render())
    return report.exit_code(strict=args.strict)


def _cmd_test(args: argparse.Namespace) -> int:
    from .testing.report import render
    from .testing.runner import run

    report = run(args.paths or ["."], args.policy, keyword=args.keyword)
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


def _cmd_diff(args: argparse.Namespace) -> int:
    from .diff import diff_portfolio

    report = diff_portfolio(
        load_policy(args.old), load_policy(args.new), _records(args.portfolio), parse_as_of(args.as_of)
    )
    sys.stdout.write(report.render(args.format))
    return report.exit_code(args.fail_on or [])


def _cmd_schema(args: argparse.Namespace) -> int:
    from .schema import schema_text

    sys.stdout.write(schema_text(args.kind))
    return 0


def _number(kind: type, low: float, high: float, *, low_open: bool = False) -> Any:
    """An argparse type: a finite number in [low, high] ((low, high] with ``low_open``)."""

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        ok = math.isfinite(value) and (value > low if low_open else value >= low) and value <= high
        if not ok:
            raise argparse.ArgumentTypeError(f"{text!r} is not in {'(' if low_open else '['}{low:g}, {high:g}]")
        return value

    return parse


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="riskscore", description="Counterparty risk scoring from YAML policies.")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("file", help="JSON or JSON Lines file of counterparties ('-' for stdin)")
        sp.add_argument("--policy", type=Path, default=None, help="policy file or folder (default: bundled)")
        sp.add_argument("--as-of", default=None, help="scoring date YYYY-MM-DD (default: today)")

    s = sub.add_parser("score", help="score counterparties")
    common(s)
    s.add_argument(
        "--format",
        choices=("text", "json", "jsonl", "csv"),
        default="text",
        help="text; json: one full Result per line; jsonl/csv: one summary row per counterparty, "
        "streamed in chunks with score_many (bounded memory, progress on a terminal)",
    )
    s.add_argument(
        "--chunk-size", type=_number(int, 1, 10_000_000), default=10_000, help="counterparties per chunk (jsonl/csv)"
    )
    s.set_defaults(func=_cmd_score)
    e = sub.add_parser("explain", help="explain the scores of counterparties, citing sources")
    common(e)
    e.add_argument("--id", default=None, help="only the counterparty with this id")
    e.add_argument("--markdown", action="store_true")
    e.set_defaults(func=_cmd_explain)
    v = sub.add_parser("validate", help="validate a policy and its lists")
    v.add_argument("path", nargs="?", type=Path, default=None, help="policy file or folder (default: bundled)")
    v.add_argument("--no-lint", action="store_true", help="only the schema and reference checks")
    v.add_argument("--strict", action="store_true", help="fail on lint warnings too")
    v.add_argument(
        "--max-factor-weight",
        type=_number(float, 0, 1, low_open=True),
        default=None,
        help="dominance bound (default: policy or 0.5)",
    )
    v.set_defaults(func=_cmd_validate)
    sc = sub.add_parser("schema", help="print the JSON Schema of a policy, list, test or amendment file")
    sc.add_argument("kind", nargs="?", choices=("policy", "list", "tests", "amendment"), default="policy")
    sc.set_defaults(func=_cmd_schema)
    t = sub.add_parser("test", help="run policy test cases (*.cases.yaml)")
    t.add_argument("paths", nargs="*", help="test files or folders (default: .)")
    t.add_argument("--policy", type=Path, default=None, help="test this policy instead of the one each file names")
    t.add_argument("--coverage", action="store_true", help="report rule, override and list-entry coverage")
    t.add_argument(
        "--fail-under", type=_number(float, 0, 100), default=None, help="fail if rule+override coverage is below N %%"
    )
    t.add_argument("--format", choices=("text", "json", "junit"), default="text")
    t.add_argument("-k", dest="keyword", default=None, help="only cases whose id contains this text")
    t.set_defaults(func=_cmd_test)
    d = sub.add_parser("diff", help="what a policy change does to a portfolio")
    d.add_argument("old", type=Path, help="the current policy file or folder")
    d.add_argument("new", type=Path, help="the proposed policy file or folder")
    d.add_argument("portfolio", help="JSON or JSON Lines file of counterparties ('-' for stdin)")
    d.add_argument("--as-of", default=None, help="scoring date YYYY-MM-DD (default: today)")
    d.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    d.add_argument(
        "--fail-on",
        action="append",
        choices=("change", "upgrade", "downgrade", "prohibited", "refused"),
        help="exit 1 if any counterparty changes this way (repeatable)",
    )
    d.set_defaults(func=_cmd_diff)
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
    except RiskscoreError as exc:
        sys.stderr.write(f"riskscore: {exc}\n")
        return 1
    except OSError as exc:
        sys.stderr.write(f"riskscore: {exc}\n")
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
