"""Scoring with a portfolio network: a policy's network facts, derived, injected, annotated.

:func:`network_facts` derives a policy's ``network:`` facts on a network and a day (the last
4 kept in the policy's cache); :func:`score_one` and :func:`score_batch` inject them into the
records as attributes, score, and annotate each result with the proof of the facts it read
(see docs/networks.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Literal

from ._netfacts import NetworkFacts
from ._network.errors import NetworkError
from ._network.graph import Network
from .batch import BatchError, BatchResult, score_many
from .columns import Columns
from .counterparty import Counterparty, parse_counterparty
from .engine import Engine
from .errors import CounterpartyError
from .result import Result

__all__ = ["NetCache", "network_facts", "score_batch", "score_one"]

NetCache = dict[tuple[int, date], tuple[Network, NetworkFacts]]
"""The network facts a policy derived, by (network id, day), with the network they are of."""


def network_facts(engine: Engine, cache: NetCache, network: Network | None, day: date) -> NetworkFacts | None:
    """The policy's network facts on ``network`` and ``day`` (the last 4 kept in ``cache``)."""
    if network is None:
        return None
    specs = engine.model.network
    if not specs:
        raise NetworkError("the policy declares no network facts (a `network:` section); nothing reads the network")
    key = (id(network), day)
    hit = cache.get(key)
    if hit is not None and hit[0] is network:
        return hit[1]
    facts = NetworkFacts(specs, network, day, engine.lists)
    if len(cache) >= 4:
        cache.pop(next(iter(cache)), None)
    cache[key] = (network, facts)
    return facts


def score_one(
    engine: Engine,
    readers: Mapping[str, tuple[str, ...]],
    facts: NetworkFacts,
    counterparty: Counterparty | Mapping[str, Any],
    day: date,
) -> Result:
    """Score one counterparty with ``facts`` injected, its result annotated with their proof."""
    cp = parse_counterparty(facts.inject(_record(counterparty)))
    return facts.annotate(engine.score(cp, day), readers, cp.id)


def score_batch(
    engine: Engine,
    readers: Mapping[str, tuple[str, ...]],
    facts: NetworkFacts,
    counterparties: Iterable[Counterparty | Mapping[str, Any]] | Columns,
    day: date,
    errors: Literal["raise", "collect"],
) -> BatchResult:
    """Score many records with ``facts`` injected; each result is annotated when it is read.

    Only an iterable of records is taken; a counterparty that is not a node of the network
    is refused even under ``errors="collect"``.
    """
    if isinstance(counterparties, Columns) or not isinstance(counterparties, Iterable) or _is_frame(counterparties):
        raise NetworkError("score_many(network=...) takes an iterable of records (mappings or Counterparty)")
    records, bad = [], []
    for i, record in enumerate(counterparties):
        try:
            records.append(facts.inject(_record(record), i))
        except CounterpartyError as exc:
            bad.append(exc)
    if bad:
        raise BatchError(bad)
    batch = score_many(engine, records, day, errors)
    batch._annotate = lambda result: facts.annotate(result, readers, result.counterparty_id)
    return batch


def _record(counterparty: Counterparty | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(counterparty, Counterparty):
        return counterparty.model_dump(exclude_none=True)
    if not isinstance(counterparty, Mapping):
        return parse_counterparty(counterparty).model_dump(exclude_none=True)  # raises the usual error
    return counterparty


def _is_frame(value: Any) -> bool:
    from ._intake import frame_kind

    return frame_kind(value) is not None
