"""The column kernel's per-date arrays are computed for the codes a batch uses, each once: a
new as-of date costs its batch's codes, not every code the process has seen, and batches
that bring new codes to a date already in use score exactly as ``score()``."""

from __future__ import annotations

import pycountry
import pytest
from portfolio_data import portfolio

import riskscore
from riskscore._dateplan import date_plan
from riskscore.result import Result


@pytest.fixture(scope="module")
def policy() -> riskscore.Policy:
    return riskscore.load_policy()


def _same(policy: riskscore.Policy, records: list[dict[str, object]], as_of: str) -> None:
    batch = policy.score_many(records, as_of, errors="collect")
    refused = {e.index for e in batch.errors}
    for i, record in enumerate(records):
        if i in refused:
            with pytest.raises(riskscore.CounterpartyError):
                policy.score(record, as_of=as_of)
            continue
        want: Result = policy.score(record, as_of=as_of)
        got = batch[i]
        assert (got.score, got.tier, got.factors) == (want.score, want.tier, want.factors)
        assert [o.override_id for o in got.overrides] == [o.override_id for o in want.overrides]
        assert [w.code for w in got.warnings] == [w.code for w in want.warnings]
        assert batch.ok[i]


def test_a_new_date_computes_only_the_codes_of_its_batch(policy: riskscore.Policy) -> None:
    subdivisions = [s.code for s in list(pycountry.subdivisions)[:400]]
    seen = [{"id": f"s{i}", "incorporation": code} for i, code in enumerate(subdivisions)]
    policy.score_many(seen, "2024-03-01", errors="collect")  # the process now numbers 400 more codes
    engine = policy._engine
    small = [{"id": "a", "incorporation": "DE", "operations": ["RU"], "products": ["8542.31"]}]
    _same(policy, small, "2024-03-02")
    plan = date_plan(engine, riskscore.policy.parse_as_of("2024-03-02"))
    assert int(plan._country_done.sum()) == 2  # DE and RU, not the 400 subdivisions
    assert int(plan._product_done.sum()) <= 1


def test_batches_bringing_new_codes_to_a_date_score_as_score(policy: riskscore.Policy) -> None:
    day = "2025-11-20"
    records = portfolio(120, seed=3)
    first, second = records[:60], records[60:]
    _same(policy, first, day)  # the date's arrays, and its country_in / product_in specs, start here
    extra = [
        {"id": "crimea", "incorporation": "UA-43", "owners": [{"country": "IR", "share": 0.6}]},
        {"id": "kp", "incorporation": "SG", "trade_partners": [{"country": "KP", "share": 0.3}]},
        {"id": "sub", "incorporation": "RU-MOW", "operations": ["BY", "AE"], "products": ["9306.21"]},
    ]
    _same(policy, second + extra, day)  # codes new to the date are computed, old ones kept
    _same(policy, first + extra + second, day)


def test_a_country_first_seen_on_a_later_date_is_right_on_every_date(policy: riskscore.Policy) -> None:
    record = {"id": "x", "incorporation": "UA-14", "operations": ["SY"]}
    for day in ("2021-06-01", "2023-06-01", "2026-06-01"):
        _same(policy, [{"id": "y", "incorporation": "FR"}], day)  # each date's arrays exist first
    for day in ("2021-06-01", "2023-06-01", "2026-06-01"):
        _same(policy, [record], day)
