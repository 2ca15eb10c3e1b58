"""A compiled policy is immutable and safe to share: 8 threads score like one."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from portfolio_data import AS_OF, portfolio
from pydantic import ValidationError

import riskscore

THREADS = 8


def test_eight_threads_score_a_portfolio_exactly_like_a_serial_run() -> None:
    records = portfolio(200)
    alone = riskscore.load_policy()
    serial = [alone.score(r, as_of=AS_OF) for r in records]  # Results compare field by field
    shared = riskscore.load_policy()  # fresh: its per-date caches are filled by the threads, racing
    barrier = threading.Barrier(THREADS)

    def work(offset: int) -> list[riskscore.Result]:
        barrier.wait()
        order = records[offset:] + records[:offset]  # each thread starts elsewhere in the portfolio
        dumped = [shared.score(r, as_of=AS_OF) for r in order]
        return dumped[len(records) - offset :] + dumped[: len(records) - offset]

    with ThreadPoolExecutor(THREADS) as pool:
        runs = list(pool.map(work, [i * len(records) // THREADS for i in range(THREADS)]))
    assert all(run == serial for run in runs)


def test_threads_scoring_on_many_dates_agree_with_a_serial_run() -> None:
    records = portfolio(20, seed=7)
    dates = [f"20{y}-0{m}-15" for y in range(18, 27) for m in (1, 7)]  # 18 dates: the per-date cache fills
    alone = riskscore.load_policy()
    serial = {d: [alone.score(r, as_of=d) for r in records] for d in dates[:3]}
    shared = riskscore.load_policy()

    def work(date: str) -> tuple[str, list[riskscore.Result]]:
        return date, [shared.score(r, as_of=date) for r in records]

    with ThreadPoolExecutor(THREADS) as pool:
        got = dict(pool.map(work, dates))
    assert all(got[d] == serial[d] for d in serial)


def _assignments(policy: riskscore.Policy, result: riskscore.Result) -> list[tuple[Any, str, Any]]:
    return [
        (policy.model, "id", "changed"),
        (policy.model.factors[0], "weight", 1.0),
        (policy.model.country_risk, "baseline", 0),
        (policy.lists["fatf_call_for_action"], "entries", []),
        (policy.lists["fatf_call_for_action"].entries[0], "code", "DE"),
        (result, "score", 0.0),
        (result.contributions[0], "weighted", 0.0),
        (riskscore.Counterparty(id="c"), "incorporation", "DE"),
    ]


def test_public_models_refuse_mutation(policy: riskscore.Policy) -> None:
    result = policy.score({"id": "m", "incorporation": "KP"}, as_of=AS_OF)
    for target, name, value in _assignments(policy, result):
        with pytest.raises(ValidationError, match="frozen"):
            setattr(target, name, value)
    with pytest.raises(AttributeError):
        policy.fingerprint = "0" * 64  # type: ignore[misc]
    with pytest.raises(AttributeError):
        policy.anything = 1  # type: ignore[attr-defined]


def test_views_returned_by_a_policy_are_copies(policy: riskscore.Policy) -> None:
    # Mutate what the views hold, deep inside: a shallow copy of the mapping would pass a
    # test that only clears the container (it is built fresh on every call).
    cp = {"id": "v", "incorporation": "KP", "owners": [{"country": "RU", "share": 0.6}]}
    before = policy.score(cp, as_of=AS_OF)
    lists_before = {k: v.model_dump() for k, v in policy.lists.items()}
    for jl in policy.lists.values():
        jl.entries.clear()
        jl.sources.clear()
    model = policy.model
    model.factors.clear()
    model.tiers.clear()
    authorities, tiers = policy.authorities, policy.tiers
    authorities.append("ACME")
    tiers.reverse()
    assert policy.score(cp, as_of=AS_OF) == before
    assert {k: v.model_dump() for k, v in policy.lists.items()} == lists_before
    assert "ACME" not in policy.authorities and policy.tiers == ["low", "medium", "high", "prohibited"]
