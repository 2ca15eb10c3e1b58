"""What the ``riskscore`` subcommands share: the input arguments, the policy with ``--network``,
refused records as rows, and the argparse type of a bounded number.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, cast

from ._network.files import read_network_file
from ._network.graph import Network
from ._records import Record, Refusal
from ._reporting import err
from .errors import CounterpartyError, FieldIssue
from .policy import Policy, load_policy
from .result import Result

__all__ = ["add_input_arguments", "number", "policy_of", "refused", "refused_row", "scored_records"]


def add_input_arguments(sp: argparse.ArgumentParser) -> None:
    """The arguments of a subcommand that scores a file: ``FILE``, ``--policy``, ``--as-of``, ``--network...``."""
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


def policy_of(args: argparse.Namespace) -> Policy:
    """The policy of ``--policy``, scoring with the ``--network`` file if one is given."""
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


def refused(item: Record, exc: CounterpartyError) -> Refusal:
    """The refusal of a record the policy would not score."""
    return Refusal.of(item, exc.issues or [FieldIssue("", str(exc))])


def scored_records(
    items: Iterable[Record | Refusal], policy: Policy, as_of: Any, only_id: str | None = None
) -> Iterator[tuple[Record, Result] | Refusal]:
    """Each record scored (with its result), or refused; with ``only_id``, only the records of that id."""
    for item in items:
        if isinstance(item, Refusal):
            yield item
            continue
        if only_id is not None and isinstance(item.data, dict) and str(item.data.get("id")) != only_id:
            continue
        try:
            result = policy.score(item.data, as_of)
        except CounterpartyError as exc:
            yield refused(item, exc)
            continue
        yield item, result


def refused_row(item: Refusal, as_of: Any, policy: Policy) -> dict[str, Any]:
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


def number(kind: type, low: float, high: float, *, low_open: bool = False) -> Any:
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
