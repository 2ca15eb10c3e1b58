"""``riskscore score``: one line per counterparty (text, json), or rows streamed in chunks (jsonl, csv).

``--format jsonl|csv`` scores chunks with ``score_many``, memory bounded by the chunk
(:data:`CHUNK_BYTES`); rows come in input order, a refused record as a row with its line and
error and no score.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TextIO

from . import _progress
from ._cli_common import add_input_arguments, number, policy_of, refused, refused_row, scored_records
from ._data_versions import data_versions
from ._digest import CANONICAL_VERSION, record_digest
from ._records import Record, Refusal, read_records
from ._reporting import Run, err, shown
from .policy import Policy, parse_as_of

if TYPE_CHECKING:
    from .batch import BatchResult

__all__ = ["CHUNK_BYTES", "add_score", "cmd_score"]

CHUNK_BYTES = 16 * 1024 * 1024
"""Most JSON bytes in one chunk of ``--format jsonl|csv`` (with ``--chunk-size``, bounds memory)."""


def add_score(sub: Any) -> None:
    """The ``score`` subcommand."""
    s = sub.add_parser("score", help="score counterparties")
    add_input_arguments(s)
    s.add_argument(
        "--format",
        choices=("text", "json", "jsonl", "csv"),
        default="text",
        help="text; json: one full Result per line; jsonl/csv: one summary row per counterparty, "
        "streamed in chunks with score_many (bounded memory, progress on a terminal)",
    )
    s.add_argument(
        "--chunk-size", type=number(int, 1, 10_000_000), default=10_000, help="counterparties per chunk (jsonl/csv)"
    )
    _progress.add_argument(s)
    s.set_defaults(func=cmd_score)


def cmd_score(args: argparse.Namespace) -> int:
    """Run ``riskscore score``."""
    policy = policy_of(args)
    as_of = parse_as_of(args.as_of)
    if args.format in ("jsonl", "csv"):
        return _score_stream(args, policy, as_of)
    run, items = Run(args.file), read_records(args.file)
    warnings: dict[str, int] = {}
    out, bar = sys.stdout, _progress.start(None, "scored", args.progress)
    if args.format == "text":
        out.write(f"# policy {policy.id} {policy.version} fingerprint {policy.fingerprint[:16]} as of {as_of}\n")
    for scored in scored_records(_progress.counted(items, bar), policy, as_of):
        if isinstance(scored, Refusal):
            run.refuse(scored)
            if args.format == "json":
                out.write(json.dumps(refused_row(scored, as_of, policy)) + "\n")
            continue
        item, result = scored
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


def _chunks(items: Iterator[Record | Refusal], size: int) -> Iterator[list[Record | Refusal]]:
    chunk: list[Record | Refusal] = []
    weight = 0
    for item in items:
        chunk.append(item)
        weight += item.size if isinstance(item, Record) else 0
        if len(chunk) >= size or weight >= CHUNK_BYTES:
            yield chunk
            chunk, weight = [], 0
    if chunk:
        yield chunk


def _score_stream(args: argparse.Namespace, policy: Policy, as_of: Any) -> int:
    """``--format jsonl|csv``: score in chunks with score_many; memory bounded by the chunk.
    Rows come in input order; a refused record is a row with its line and error, no score."""
    items = read_records(args.file)
    rows = _Rows(args.format, policy, as_of, sys.stdout)
    for warning in policy._engine.date_warnings(as_of):  # per-row detail: --format json
        err(f"warning: {warning}")
    run, bar = Run(args.file), _progress.start(None, "scored", args.progress)
    for chunk in _chunks(items, args.chunk_size):
        good = [item for item in chunk if isinstance(item, Record)]
        batch = policy.score_many([r.data for r in good], as_of, errors="collect")
        errors = {exc.index: exc for exc in batch.errors}
        row = -1
        for item in chunk:
            if isinstance(item, Record):
                row += 1
                if not batch.ok[row]:
                    item = refused(item, errors[row])
            if isinstance(item, Refusal):
                run.refuse(item)
                rows.refused(item)
                continue
            run.scored(batch.ids[row] or "", item.line)
            rows.scored(batch, row, item)
        bar.advance(len(chunk), note=f"{run.refused:,} refused")
    bar.close()
    return run.finish()


class _Rows:
    """The rows of ``--format jsonl|csv`` on ``out``: for CSV a header first, then one row per record."""

    def __init__(self, fmt: str, policy: Policy, as_of: Any, out: TextIO) -> None:
        import csv

        self.policy, self.as_of, self.out = policy, as_of, out
        self.factor_ids = [f.id for f in policy.model.factors]
        self.writer = csv.writer(out, lineterminator="\n") if fmt == "csv" else None
        if self.writer is not None:
            self.writer.writerow(
                ["id", "score", "tier", "score_before_overrides", "tier_before_overrides", *self.factor_ids,
                 "overrides", "line", "error", "message", "input_digest"]
            )  # fmt: skip

    def refused(self, item: Refusal) -> None:
        """The row of a refused record: its line and error, no score."""
        if self.writer is not None:
            blank = [""] * (len(self.factor_ids) + 5)
            self.writer.writerow([item.id or "", *blank, item.line or "", item.code, item.message, ""])
        else:
            self.out.write(json.dumps(refused_row(item, self.as_of, self.policy)) + "\n")

    def scored(self, batch: BatchResult, i: int, item: Record) -> None:
        """The row of record ``item``, row ``i`` of ``batch``."""
        ids, tiers = batch.ids, batch.tier_ids
        ovs = [batch.override_ids[k] for k in batch.overrides[i].nonzero()[0].tolist()]
        factors = batch.factors[i].tolist()
        digest = record_digest(item.data)
        if self.writer is not None:
            self.writer.writerow(
                [ids[i], repr(float(batch.scores[i])), tiers[batch.tiers[i]],
                 repr(float(batch.scores_before_overrides[i])), tiers[batch.tiers_before_overrides[i]],
                 *map(repr, factors), ";".join(ovs), item.line or "", "", "", digest]
            )  # fmt: skip
            return
        data = {
            "id": ids[i],
            "score": float(batch.scores[i]),
            "tier": tiers[batch.tiers[i]],
            "score_before_overrides": float(batch.scores_before_overrides[i]),
            "tier_before_overrides": tiers[batch.tiers_before_overrides[i]],
            "factors": dict(zip(self.factor_ids, factors, strict=True)),
            "overrides": ovs,
            "line": item.line,
            "as_of": str(self.as_of),
            "fingerprint": self.policy.fingerprint,
            "data_versions": data_versions(),
            "input_digest": digest,
            "input_canonical_version": CANONICAL_VERSION,
        }
        self.out.write(json.dumps(data) + "\n")
