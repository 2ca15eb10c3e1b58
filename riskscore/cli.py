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
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, cast

from . import _lists_cli, _progress
from ._data_versions import data_versions
from ._digest import CANONICAL_VERSION, record_digest
from ._network.files import read_network_file
from ._network.graph import Network
from ._records import Record, Refusal, display_name, read_records
from ._reporting import Run, err, shown
from ._version import __version__
from .errors import CounterpartyError, FieldIssue, RiskscoreError
from .explain import Detail
from .policy import Policy, load_policy, parse_as_of

__all__ = ["main"]


def _policy(args: argparse.Namespace) -> Policy:
    policy = load_policy(args.policy)
    path = getattr(args, "network", None)
    if path is None:
        return policy
    network, notes = read_network_file(Path(path), args.network_format)
    for note in notes:
        err(f"riskscore: network {path}: {note}")
    return cast("Policy", _WithNetwork(policy, network))


class _WithNetwork:
    """A policy that scores with a network (``--network``): the rest is the policy's own."""

    def __init__(self, policy: Policy, network: Network) -> None:
        self._policy, self._network = policy, network

    def score(self, counterparty: Any, as_of: Any = None) -> Any:
        return self._policy.score(counterparty, as_of, network=self._network)

    def score_many(self, counterparties: Any, as_of: Any = None, *, errors: Any = "raise") -> Any:
        return self._policy.score_many(counterparties, as_of, errors=errors, network=self._network)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._policy, name)


def _refused(item: Record, exc: CounterpartyError) -> Refusal:
    return Refusal.of(item, exc.issues or [FieldIssue("", str(exc))])


def _refused_row(item: Refusal, as_of: Any, policy: Policy) -> dict[str, Any]:
    """A refused record as a JSON row: no score, so a consumer cannot take it for one."""
    return {
        "id": item.id,
        "line": item.line,
        "column": item.column,
        "error": item.code,
        "message": item.message,
        "issues": [{"path": i.path, "message": i.message} for i in item.issues],
        "as_of": str(as_of),
        "fingerprint": policy.fingerprint,
    }


_CHUNK_BYTES = 16 * 1024 * 1024
"""Most JSON bytes in one chunk of ``--format jsonl|csv`` (with ``--chunk-size``, bounds memory)."""


def _chunks(items: Iterator[Record | Refusal], size: int) -> Iterator[list[Record | Refusal]]:
    chunk: list[Record | Refusal] = []
    weight = 0
    for item in items:
        chunk.append(item)
        weight += item.size if isinstance(item, Record) else 0
        if len(chunk) >= size or weight >= _CHUNK_BYTES:
            yield chunk
            chunk, weight = [], 0
    if chunk:
        yield chunk


def _score_stream(args: argparse.Namespace, policy: Policy, as_of: Any) -> int:
    """``--format jsonl|csv``: score in chunks with score_many; memory bounded by the chunk.
    Rows come in input order; a refused record is a row with its line and error, no score."""
    import csv

    out, items = sys.stdout, read_records(args.file)
    factor_ids = [f.id for f in policy.model.factors]
    writer = csv.writer(out, lineterminator="\n") if args.format == "csv" else None
    if writer is not None:
        writer.writerow(
            ["id", "score", "tier", "score_before_overrides", "tier_before_overrides", *factor_ids, "overrides",
             "line", "error", "message", "input_digest"]
        )  # fmt: skip
    for warning in policy._engine.date_warnings(as_of):  # per-row detail: --format json
        err(f"warning: {warning}")
    run, bar = Run(args.file), _progress.start(None, "scored", args.progress)
    for chunk in _chunks(items, args.chunk_size):
        good = [item for item in chunk if isinstance(item, Record)]
        batch = policy.score_many([r.data for r in good], as_of, errors="collect")
        errors = {exc.index: exc for exc in batch.errors}
        tiers, ids, applied, row = batch.tier_ids, batch.ids, batch.overrides, -1
        for item in chunk:
            if isinstance(item, Record):
                row += 1
                if not batch.ok[row]:
                    item = _refused(item, errors[row])
            if isinstance(item, Refusal):
                run.refuse(item)
                if writer is not None:
                    blank = [""] * (len(factor_ids) + 5)
                    writer.writerow([item.id or "", *blank, item.line or "", item.code, item.message, ""])
                else:
                    out.write(json.dumps(_refused_row(item, as_of, policy)) + "\n")
                continue
            i = row
            run.scored(ids[i] or "", item.line)
            ovs = [batch.override_ids[k] for k in applied[i].nonzero()[0].tolist()]
            factors = batch.factors[i].tolist()
            digest = record_digest(item.data)
            if writer is not None:
                writer.writerow(
                    [ids[i], repr(float(batch.scores[i])), tiers[batch.tiers[i]],
                     repr(float(batch.scores_before_overrides[i])), tiers[batch.tiers_before_overrides[i]],
                     *map(repr, factors), ";".join(ovs), item.line or "", "", "", digest]
                )  # fmt: skip
            else:
                data = {
                    "id": ids[i],
                    "score": float(batch.scores[i]),
                    "tier": tiers[batch.tiers[i]],
                    "score_before_overrides": float(batch.scores_before_overrides[i]),
                    "tier_before_overrides": tiers[batch.tiers_before_overrides[i]],
                    "factors": dict(zip(factor_ids, factors, strict=True)),
                    "overrides": ovs,
                    "line": item.line,
                    "as_of": str(as_of),
                    "fingerprint": policy.fingerprint,
                    "data_versions": data_versions(),
                    "input_digest": digest,
                    "input_canonical_version": CANONICAL_VERSION,
                }
                out.write(json.dumps(data) + "\n")
        bar.advance(len(chunk), note=f"{run.refused:,} refused")
    bar.close()
    return run.finish()


def _cmd_score(args: argparse.Namespace) -> int:
    policy = _policy(args)
    as_of = parse_as_of(args.as_of)
    if args.format in ("jsonl", "csv"):
        return _score_stream(args, policy, as_of)
    run, items = Run(args.file), read_records(args.file)
    warnings: dict[str, int] = {}
    out, bar = sys.stdout, _progress.start(None, "scored", args.progress)
    if args.format == "text":
        out.write(f"# policy {policy.id} {policy.version} fingerprint {policy.fingerprint[:16]} as of {as_of}\n")
    for item in _progress.counted(items, bar):
        if isinstance(item, Record):
            try:
                result = policy.score(item.data, as_of)
            except CounterpartyError as exc:
                item = _refused(item, exc)
        if isinstance(item, Refusal):
            run.refuse(item)
            if args.format == "json":
                out.write(json.dumps(_refused_row(item, as_of, policy)) + "\n")
            continue
        run.scored(result.counterparty_id, item.line)
        if args.format == "json":
            out.write(result.model_dump_json() + "\n")
        else:
            for warning in result.warnings:
                warnings[str(warning)] = warnings.get(str(warning), 0) + 1
            top = max(result.contributions, key=lambda c: c.weighted, default=None)
            why = f"  top: {top.rule_id} ({top.weighted:g})" if top else ""
            ovr = f"  overrides: {','.join(o.override_id for o in result.overrides)}" if result.overrides else ""
            out.write(f"{shown(result.counterparty_id)}\t{result.score:g}\t{shown(result.tier + why + ovr)}\n")
    for text, count in warnings.items():  # json output carries them in every result
        err(f"warning ({count} result(s)): {text}")
    return run.finish()


def _cmd_explain(args: argparse.Namespace) -> int:
    policy = _policy(args)
    as_of = parse_as_of(args.as_of)
    run, explained = Run(args.file), 0
    detail: Detail = "verbose" if args.verbose else "brief" if args.brief else "normal"
    batch_md = args.markdown and args.id is None  # a document of many: '#' title, '##' per counterparty
    if batch_md:
        sys.stdout.write(f"# Explanations: policy {policy.id} {policy.version}, as of {as_of}\n\n")
    for item in read_records(args.file):
        if isinstance(item, Record):
            if args.id is not None and isinstance(item.data, dict) and str(item.data.get("id")) != args.id:
                continue
            try:
                result = policy.score(item.data, as_of)
            except CounterpartyError as exc:
                item = _refused(item, exc)
        if isinstance(item, Refusal):
            run.refuse(item)
            continue
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


def _cmd_report(args: argparse.Namespace) -> int:
    from ._report import AuditReport

    policy, as_of = _policy(args), parse_as_of(args.as_of)
    run = Run(args.file)
    report = AuditReport(policy, title=args.title, max_details=args.max_details, max_rows=args.max_rows)
    bar = _progress.start(None, "reported", args.progress)
    for item in _progress.counted(read_records(args.file), bar):
        if isinstance(item, Record):
            if args.id is not None and isinstance(item.data, dict) and str(item.data.get("id")) != args.id:
                continue
            try:
                result = policy.score(item.data, as_of)
            except CounterpartyError as exc:
                item = _refused(item, exc)
        if isinstance(item, Refusal):
            run.refuse(item)
            where = f"{run.file}:{item.line}:{item.column}" if item.line is not None else run.file
            report.refuse(where, item.code, item.message, item.id)
            continue
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


def _cmd_validate(args: argparse.Namespace) -> int:
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


def _cmd_test(args: argparse.Namespace) -> int:
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


def _cmd_diff(args: argparse.Namespace) -> int:
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
    p.add_argument("--version", action="version", version=f"riskscore {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("file", help="JSON or JSON Lines file of counterparties ('-' for stdin)")
        sp.add_argument("--policy", type=Path, default=None, help="policy file or folder (default: bundled)")
        sp.add_argument("--as-of", default=None, help="scoring date YYYY-MM-DD (default: today)")
        sp.add_argument(
            "--network",
            default=None,
            metavar="FILE",
            help="score with this ownership and trade network: the policy's network facts are derived for each "
            "counterparty (its id is a node id) and explanations show the paths (docs/networks.md)",
        )
        sp.add_argument(
            "--network-format",
            choices=("ftm", "bods", "gleif", "tables"),
            default=None,
            help="the network file's format: FollowTheMoney JSON Lines (default for .jsonl/.ndjson), "
            "BODS 0.4 statements or GLEIF Level 2 relationship records (a JSON array or JSON Lines), or tables: a "
            "folder with nodes.csv and edges.csv (default for a folder)",
        )

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
    _progress.add_argument(s)
    s.set_defaults(func=_cmd_score)
    e = sub.add_parser("explain", help="explain the scores of counterparties, citing sources")
    common(e)
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
    e.set_defaults(func=_cmd_explain)
    rp = sub.add_parser("report", help="write a self-contained HTML audit report (one counterparty or a batch)")
    common(rp)
    rp.add_argument("--id", default=None, help="only the counterparty with this id")
    rp.add_argument("-o", "--output", default="-", help="HTML file to write (default: standard output)")
    rp.add_argument("--title", default=None, help="the page title (default: names the counterparty or the count)")
    rp.add_argument(
        "--max-details", type=_number(int, 0, 100_000), default=100, help="most full sections in a batch (default 100)"
    )
    rp.add_argument(
        "--max-rows", type=_number(int, 0, 10_000_000), default=10_000, help="most summary table rows (default 10000)"
    )
    _progress.add_argument(rp)
    rp.set_defaults(func=_cmd_report)
    v = sub.add_parser("validate", help="validate a policy and its lists")
    v.add_argument("path", nargs="?", type=Path, default=None, help="policy file or folder (default: bundled)")
    v.add_argument("--no-lint", action="store_true", help="only the schema and reference checks")
    v.add_argument("--strict", action="store_true", help="fail on lint warnings too (a stale list, for one)")
    v.add_argument(
        "--as-of", default=None, help="date the staleness of lists is checked on, YYYY-MM-DD (default: today)"
    )
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
    _progress.add_argument(t)
    t.set_defaults(func=_cmd_test)
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
    except (RiskscoreError, OSError) as exc:
        for line in f"riskscore: {exc}".split("\n"):  # a PolicyError has one line per issue
            err(line)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
