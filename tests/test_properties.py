"""Properties of scoring (hypothesis): ranges, sums, monotonicity, dates, round trips, pickling."""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import pickle
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import write_policy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from portfolio_data import AS_OF, COUNTRIES, PRODUCTS, portfolio

import riskscore
from riskscore import Policy, Result, Status

REPO = Path(__file__).resolve().parent.parent
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def shares(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Up to 4 (country, share) items whose shares sum to at most 1."""
    weights = draw(st.lists(st.integers(1, 100), max_size=4))
    total = draw(st.integers(0, 100)) / 100
    scale = total / (sum(weights) or 1)
    return [{"country": draw(st.sampled_from(COUNTRIES)), "share": math.floor(w * scale * 1e6) / 1e6} for w in weights]


counterparties = st.fixed_dictionaries(
    {"id": st.just("h"), "incorporation": st.sampled_from(COUNTRIES)},
    optional={
        "operations": st.lists(st.sampled_from(COUNTRIES), max_size=3),
        "owners": shares(),
        "trade_partners": shares(),
        "products": st.lists(st.sampled_from(PRODUCTS), max_size=3),
        "pep": st.booleans(),
        "sanctions_hit": st.booleans(),
    },
)


def contributions_add_up(result: Result) -> bool:
    return round(math.fsum(c.weighted for c in result.contributions), 9) == result.score_before_overrides


@SETTINGS
@given(counterparties)
def test_scores_are_in_range_and_contributions_add_up(policy: Policy, record: dict[str, Any]) -> None:
    result = policy.score(record, as_of=AS_OF)
    assert 0 <= result.score <= 100 and 0 <= result.score_before_overrides <= 100
    assert all(0 <= v <= 100 for v in result.factors.values())
    assert contributions_add_up(result)
    assert result.tier in policy.tiers


@SETTINGS
@given(counterparties)
def test_results_survive_a_json_round_trip(policy: Policy, record: dict[str, Any]) -> None:
    result = policy.score(record, as_of=AS_OF)
    assert Result.model_validate_json(result.model_dump_json()) == result
    assert Result.model_validate(json.loads(result.model_dump_json())) == result


def _risk(policy: Policy, code: str) -> float:
    return policy.score({"id": "r", "incorporation": code}, as_of=AS_OF).factors["incorporation"]


@SETTINGS
@given(counterparties, st.sampled_from(COUNTRIES), st.integers(1, 100))
def test_more_exposure_to_a_riskier_country_never_lowers_the_score(
    policy: Policy, record: dict[str, Any], riskier: str, percent: int
) -> None:
    partners = list(record.get("trade_partners") or [])
    record = {**record, "trade_partners": partners}  # known (missing data is scored on its own)
    before = policy.score(record, as_of=AS_OF).score
    # 1. more trade with a country, taken from headroom
    headroom = 1 - math.fsum(p["share"] for p in partners)
    added = [*partners, {"country": riskier, "share": math.floor(headroom * percent * 1e4) / 1e6}]
    assert policy.score({**record, "trade_partners": added}, as_of=AS_OF).score >= before
    # 2. a partner's share moved to a country at least as risky
    if partners and _risk(policy, riskier) >= _risk(policy, partners[0]["country"]):
        moved = [{**partners[0], "country": riskier}, *partners[1:]]
        assert policy.score({**record, "trade_partners": moved}, as_of=AS_OF).score >= before


@SETTINGS
@given(st.data())
def test_as_of_respects_list_dates(policy: Policy, data: st.DataObject) -> None:
    country_lists = [lst for lst in policy.lists.values() if lst.kind == "country" and lst.entries]
    lst = data.draw(st.sampled_from(country_lists))
    entry = data.draw(st.sampled_from(lst.entries))
    period = data.draw(st.sampled_from(entry.periods))
    day = data.draw(st.sampled_from([period.listed.date - timedelta(days=1), period.listed.date]))
    points = {lp.list: lp for lp in policy.model.country_risk.lists}.get(lst.id)
    status = lst.status(entry.code, day).status
    at = entry.periods.index(period)
    previous = entry.periods[at - 1] if at else None
    if day >= period.listed.date:
        expected = Status.LISTED
    elif previous is not None and previous.delisted is not None and day < previous.delisted.date:
        expected = Status.LISTED  # adjacent periods
    elif previous is None and period.listed.precision == "on_or_before":
        expected = Status.UNKNOWN  # listed by then, since an unknown earlier date
    elif day < lst.history_from or lst.coverage == "listed":
        expected = Status.UNKNOWN
    else:
        expected = Status.NOT_LISTED
    assert status is expected
    if status is Status.LISTED and points is not None and points.points_per_unit is None:
        assert policy.score({"id": "d", "incorporation": entry.code}, as_of=day).factors["incorporation"] >= min(
            [points.points, *points.category_points.values()]
        )


@pytest.fixture(scope="module")
def dated_policy(tmp_path_factory: pytest.TempPathFactory) -> Policy:
    """PL listed (40 points) 2021-01-01 to 2022-12-31 and from 2024-06-01; baseline 10."""
    return riskscore.load_policy(write_policy(tmp_path_factory.mktemp("dated")))


@SETTINGS
@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)))
def test_a_listing_counts_exactly_inside_its_periods(dated_policy: Policy, day: date) -> None:
    listed = date(2021, 1, 1) <= day < date(2023, 1, 1) or day >= date(2024, 6, 1)
    result = dated_policy.score({"id": "p", "incorporation": "PL", "trade_partners": []}, as_of=day)
    assert result.factors["geo"] == (40 if listed else 10)


_SCRIPT = """
import json, sys
sys.path.insert(0, {tests!r})
import riskscore
from portfolio_data import AS_OF, portfolio
policy = riskscore.load_policy()
print(json.dumps([policy.score(r, as_of=AS_OF).model_dump(mode="json") for r in portfolio(60)]))
"""


def test_scoring_is_deterministic_across_processes(policy: Policy) -> None:
    here = [policy.score(r, as_of=AS_OF).model_dump(mode="json") for r in portfolio(60)]
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(REPO)}
    script = _SCRIPT.format(tests=str(REPO / "tests"))
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    there = json.loads(out.stdout)
    assert there == json.loads(json.dumps(here))
    assert {r["fingerprint"] for r in there} == {policy.fingerprint}


def test_a_pickled_policy_scores_identically(policy: Policy) -> None:
    clone = pickle.loads(pickle.dumps(policy))
    assert clone.fingerprint == policy.fingerprint
    records = portfolio(50)
    assert [clone.score(r, as_of=AS_OF) for r in records] == [policy.score(r, as_of=AS_OF) for r in records]


def _score_chunk(args: tuple[Policy, list[dict[str, Any]]]) -> list[str]:
    policy, records = args
    return [policy.score(r, as_of=AS_OF).model_dump_json() for r in records]


def test_a_policy_scores_identically_in_two_worker_processes(policy: Policy) -> None:
    records = portfolio(40)
    chunks = [(policy, records[:20]), (policy, records[20:])]  # the policy is pickled with every task
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        remote = [line for chunk in pool.map(_score_chunk, chunks) for line in chunk]
    assert remote == [policy.score(r, as_of=AS_OF).model_dump_json() for r in records]
