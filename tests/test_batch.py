"""Bulk scoring: score_many gives the numbers score gives, reports bad rows, and streams."""

from __future__ import annotations

import importlib
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import TEST_POLICY, PolicyFactory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import riskscore
from riskscore import Policy
from riskscore.batch import BatchError, rnd, rnd_fsum
from riskscore.cli import main
from riskscore.columns import Columns

REPO = Path(__file__).resolve().parent.parent
D = "2026-07-01"

countries = st.sampled_from(
    ["DE", "FR", "US", "TR", "AE", "CN", "RU", "BY", "IR", "KP", "VN", "SY", "UA-43", "UA-14", "KG", "MM", "Turkey"]
)
shares = st.one_of(st.sampled_from([0.0, 0.25, 0.03, 0.47, 0.2, 0.05, 1e-10, 0.0009765625]), st.floats(0, 0.25))


def _maybe(strategy: Any) -> Any:
    return st.one_of(st.none(), strategy)


counterparty = st.fixed_dictionaries(
    {"id": st.sampled_from(["a", "b", "c"]), "pep": st.booleans(), "sanctions_hit": st.booleans()},
    optional={
        "incorporation": countries,
        "operations": _maybe(st.lists(countries, max_size=3)),
        "owners": _maybe(st.lists(st.fixed_dictionaries({"country": countries, "share": shares}), max_size=4)),
        "trade_partners": _maybe(st.lists(st.fixed_dictionaries({"country": countries, "share": shares}), max_size=4)),
        "products": _maybe(st.lists(st.sampled_from(["854231", "848210", "620342", "8542", "88073000"]), max_size=3)),
    },
)
portfolios = st.lists(counterparty, min_size=1, max_size=25)
dates = st.dates(min_value=date(2022, 3, 4), max_value=date(2026, 10, 1))


def assert_same_as_score(policy: Policy, records: list[Any], batch: riskscore.BatchResult, as_of: Any) -> None:
    for i, record in enumerate(records):
        result = policy.score(record, as_of)
        assert abs(batch.scores[i] - result.score) <= 1e-9
        assert batch.tier_ids[batch.tiers[i]] == result.tier
        assert batch.tier_ids[batch.tiers_before_overrides[i]] == result.tier_before_overrides
        fired = {rule for rule, on in zip(batch.rule_ids, batch.fired[i], strict=True) if on}
        assert fired == {c.rule_id for c in result.contributions}
        assert batch.factors[i].tolist() == [result.factors[f] for f in batch.factor_ids]
        applied = {o for o, on in zip(batch.override_ids, batch.overrides[i], strict=True) if on}
        assert applied == {o.override_id for o in result.overrides}
        assert batch.ids[i] == result.counterparty_id


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=portfolios, as_of=dates)
def test_score_many_equals_score_row_by_row(policy: Policy, records: list[dict[str, Any]], as_of: date) -> None:
    collected = policy.score_many(records, as_of, errors="collect")  # bad rows: the same ones score() refuses
    refused = set()
    for i, record in enumerate(records):
        try:
            policy.score(record, as_of)
        except riskscore.CounterpartyError:
            refused.add(i)
    assert {int(e.index) for e in collected.errors if e.index is not None} == refused
    assert collected.ok.tolist() == [i not in refused for i in range(len(records))]
    records = [r for r in records if _valid(r)]
    batch = policy.score_many(records, as_of)
    assert batch.mode == "vectorised" and len(batch) == len(records)
    assert_same_as_score(policy, records, batch, as_of)
    from_columns = policy.score_many(Columns.from_records(records), as_of)
    assert np.array_equal(from_columns.scores, batch.scores) and np.array_equal(from_columns.tiers, batch.tiers)
    assert_same_as_score(policy, records, from_columns, as_of)  # the columns path on its own, not via batch[i]


def _valid(record: dict[str, Any]) -> bool:
    return all(sum(x["share"] for x in record.get(k) or []) <= 1 for k in ("owners", "trade_partners"))


@given(x=st.floats(-1e5, 1e5, allow_nan=False) | st.integers(-(10**6), 10**6).map(lambda k: k / 1024))
def test_vector_rounding_is_pythons_round(x: float) -> None:
    assert rnd(np.array([x]))[0] == round(x, 9) + 0.0
    terms = [np.array([x * w]) for w in (0.3, 0.25, 0.25, 0.1, 0.1)]
    import math

    assert rnd_fsum(terms)[0] == round(math.fsum(t[0] for t in terms), 9) + 0.0


BAD = [
    {"id": "ok-1", "incorporation": "DE"},
    {"id": "narnia", "incorporation": "Narnia"},
    {"id": "ok-2", "incorporation": "FR", "owners": [{"country": "DE", "share": 0.5}]},
    {"id": "over", "owners": [{"country": "DE", "share": 0.7}, {"country": "FR", "share": 0.7}]},
    "not a mapping",
]


def test_bad_rows_raise_one_error_listing_each_with_index_and_path(policy: Policy) -> None:
    with pytest.raises(BatchError) as info:
        policy.score_many(BAD, D)
    err = info.value
    assert isinstance(err, riskscore.CounterpartyError)
    assert [e.index for e in err.errors] == [1, 3, 4]
    assert [i.path for i in err.issues] == ["[1].incorporation", "[3].owners", "[4]"]
    assert "unknown country 'Narnia'" in str(err)


def test_collect_scores_the_good_rows_and_returns_the_errors(policy: Policy) -> None:
    batch = policy.score_many(BAD, D, errors="collect")
    assert batch.ok.tolist() == [True, False, True, False, False]
    assert [e.index for e in batch.errors] == [1, 3, 4]
    assert np.isnan(batch.scores[1]) and batch.tiers[1] == -1 and batch.tier_labels[1] is None
    assert batch.scores[2] == policy.score(BAD[2], D).score
    assert batch.ids == ["ok-1", None, "ok-2", None, None]
    with pytest.raises(riskscore.CounterpartyError, match="Narnia"):
        batch[1]
    assert "Counterparty ok-2" in batch.explain(2)


def test_a_field_the_policy_requires_is_a_bad_row(make_policy: PolicyFactory) -> None:
    policy = make_policy(policy=TEST_POLICY.replace("        missing_points: 0\n", ""))
    batch = policy.score_many([{"id": "a", "trade_partners": []}, {"id": "b"}], "2022-01-01", errors="collect")
    assert batch.ok.tolist() == [True, False]
    assert batch.errors[0].index == 1 and batch.errors[0].issues[0].path == "trade_partners"


def test_unusual_but_valid_input_takes_the_validators_path(policy: Policy) -> None:
    records: list[Any] = [
        {"id": 7, "incorporation": "Türkiye", "products": ["8542.31"]},
        {"id": " padded ", "incorporation": 276, "owners": [{"country": "de", "share": 1, "name": " x "}]},
        riskscore.Counterparty(id="model", incorporation="IR"),
    ]
    batch = policy.score_many(iter(records), D)
    assert_same_as_score(policy, records, batch, D)


def test_attribute_operands_fall_back_to_the_per_row_engine(make_policy: PolicyFactory) -> None:
    policy = make_policy(
        overrides="- {id: vip, when: {eq: [{attribute: segment}, vip]}, action: floor, tier: high, rationale: r}\n"
    )
    records = [{"id": "a", "incorporation": "DE", "attributes": {"segment": "vip"}}, {"id": "b", "incorporation": "PL"}]
    batch = policy.score_many(records, "2022-01-01")
    assert batch.mode == "per-row" and batch.fallback_reason and "attribute" in batch.fallback_reason
    assert_same_as_score(policy, records, batch, "2022-01-01")


def test_columns_round_trip_and_explanations(policy: Policy) -> None:
    records = [json.loads(line) for line in (REPO / "examples" / "counterparties.jsonl").read_text().splitlines()]
    cols = Columns.from_records(records)
    batch = policy.score_many(cols, D)
    assert_same_as_score(policy, records, batch, D)
    # batch[i] rebuilds the explained Result: it must describe the row the kernel scored
    assert (batch[1].score, batch[1].tier) == (batch.scores[1], batch.tier_ids[batch.tiers[1]])
    assert batch.explain(1) == policy.score(records[1], D).explain()
    assert batch.contributions.sum(axis=1) == pytest.approx(batch.scores_before_overrides)


def test_hand_built_columns_are_checked_like_records(policy: Policy) -> None:
    cols = Columns.from_records([{"id": "a", "owners": [{"country": "DE", "share": 0.5}]}, {"id": "b"}])
    assert cols.problems() == []
    assert cols.owners.shares is not None
    cols.owners.shares[0] = 1.5
    with pytest.raises(BatchError) as info:
        policy.score_many(cols, D)
    assert [(e.index, e.issues[0].path) for e in info.value.errors] == [(0, "owners")]
    batch = policy.score_many(cols, D, errors="collect")
    assert batch.ok.tolist() == [False, True] and batch.ids == [None, "b"]
    cols.incorporation[1] = 10**6
    with pytest.raises(ValueError, match="country numbers"):
        policy.score_many(cols, D)


def test_score_streams_csv_and_json_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "cps.jsonl"
    rows = [{"id": f"c{i}", "incorporation": ["DE", "TR", "Narnia"][i % 3]} for i in range(7)]
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    assert main(["score", str(data), "--as-of", D, "--format", "csv", "--chunk-size", "2"]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0].startswith("id,score,tier,") and len(lines) == 1 + 7  # refused records are rows too
    assert "record 2: incorporation: unknown country 'Narnia'" in captured.err
    assert "record 5: incorporation" in captured.err and "\r" not in captured.err
    assert main(["score", str(data), "--as-of", D, "--format", "jsonl"]) == 1
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o["id"] for o in out if "score" in o] == ["c0", "c1", "c3", "c4", "c6"]
    assert (
        out[1]["tier"] in ("medium", "high")
        and [o["error"] for o in out if "score" not in o] == ["bad-counterparty"] * 2
    )


def _benchmarks(*names: str) -> list[Any]:
    """The modules ``benchmarks.<name>`` of this source tree (skip where benchmarks/ is absent)."""
    if not all((REPO / "benchmarks" / f"{name}.py").is_file() for name in names):
        pytest.skip("benchmarks/ is not in this source tree")
    sys.path.insert(0, str(REPO))
    try:
        return [importlib.import_module(f"benchmarks.{name}") for name in names]
    finally:
        sys.path.remove(str(REPO))


def test_benchmark_adapters_agree_on_a_small_portfolio() -> None:
    """Smoke test of benchmarks/ (n=200); peers that are not installed are skipped by engines.peers()."""
    engines, run, workload = _benchmarks("engines", "run", "workload")
    recs = workload.generate(200)
    want = engines.reference().decode(engines.reference().run(recs))
    f3 = np.zeros(len(recs))
    for adapter in [*engines.numpy_adapters(), *engines.riskscore_adapters(), *engines.peers()]:
        if adapter.slow:
            continue
        got = adapter.decode(adapter.run(adapter.prepare(recs)))
        assert run._check(got, want, f3) == {"score": 0, "tier": 0, "tier_at_ties": 0, "explanation": 0}, adapter.name


def test_benchmark_profile_names_every_stage_and_restores_what_it_wraps(capsys: pytest.CaptureFixture[str]) -> None:
    """Smoke test of benchmarks/profile.py (it reads private names: this catches a rename)."""
    (profile,) = _benchmarks("profile")
    kernel = riskscore.batch.kernel
    profile.main(["--n", "300", "--repeat", "1"])
    out = capsys.readouterr().out
    for stage in ("dict validation", "reading the input into columns", "Columns.problems", "OwnershipKind.vec"):
        assert stage in out
    assert riskscore.batch.kernel is kernel


odd_values = st.sampled_from(
    [None, True, 1, 0.5, "", " DE ", "de", "DEU", "276", "Narnia", "x" * 120, [], {}, "854231"]
)
odd_record = st.fixed_dictionaries(
    {"id": st.sampled_from(["a", " a ", "", 5, True, None])},
    optional={
        "incorporation": odd_values,
        "operations": st.one_of(odd_values, st.lists(odd_values, max_size=2)),
        "owners": st.one_of(
            odd_values,
            st.lists(
                st.fixed_dictionaries(
                    {"country": odd_values, "share": st.sampled_from([0.5, 1, True, "0.5", -0.1, 2.0, None])},
                    optional={"name": odd_values, "extra": odd_values},
                ),
                max_size=2,
            ),
        ),
        "trade_partners": st.lists(
            st.fixed_dictionaries({"country": odd_values, "share": st.sampled_from([0.3, 0.9, 1])}), max_size=3
        ),
        "products": st.one_of(odd_values, st.lists(odd_values, max_size=2)),
        "pep": odd_values,
        "attributes": st.sampled_from([{}, {"a": 1}, None]),
        "unknown": odd_values,
    },
)


@settings(max_examples=80, deadline=None)
@given(records=st.lists(odd_record, min_size=1, max_size=5))
def test_fast_validators_accept_only_what_the_model_accepts(records: list[dict[str, Any]]) -> None:
    from riskscore.columns import build_columns, fast_record
    from riskscore.counterparty import parse_counterparty

    refused = set()
    for i, record in enumerate(records):
        try:
            model = parse_counterparty(record)
        except riskscore.CounterpartyError:
            refused.add(i)
            assert fast_record(record) is None
            continue
        fast = fast_record(record)
        if fast is not None:
            for key in ("id", "incorporation", "operations", "products", "pep", "sanctions_hit"):
                assert getattr(fast, key) == getattr(model, key), key
            for key in ("owners", "trade_partners"):
                got, want = getattr(fast, key), getattr(model, key)
                assert (got is None) == (want is None)
                assert [(x.country, x.share) for x in got or []] == [(x.country, x.share) for x in want or []]
    cols, errors, rows = build_columns(records)
    assert len(cols) == len(rows)
    assert {e.index for e in errors} == refused
    assert rows.tolist() == [i for i in range(len(records)) if i not in refused]


def test_share_sum_over_one_is_refused_when_only_empty_rows_follow(policy: Policy) -> None:
    # regression: reduceat starts of empty trailing rows cut the last share off the row before
    bad = {"id": "bad", "incorporation": "DE", "owners": [{"country": "DE", "share": 1.0}],
           "trade_partners": [{"country": "FR", "share": 0.6}, {"country": "RU", "share": 0.6}]}  # fmt: skip
    after = {"id": "next", "incorporation": "DE", "trade_partners": []}
    batch = policy.score_many([bad, after, {**after, "id": "last"}], "2026-07-01", errors="collect")
    assert batch.ok.tolist() == [False, True, True]
    assert [e.index for e in batch.errors] == [0]
    assert "trade_partners: the shares sum to 1.2, more than 1" in str(batch.errors[0])
    with pytest.raises(riskscore.CounterpartyError):
        policy.score_many([bad, after], "2026-07-01")


def test_hand_built_columns_decide_share_sums_exactly_only_near_the_limit(
    policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    # regression: the screen's margin grew with the whole column's cumulative sum, so past
    # ~600,000 rows every row summing to 1 was re-summed exactly in Python (2M rows: ~1 s)
    from riskscore import _columns_checks
    from riskscore.columns import Ragged, country_numbers

    exact: list[int] = []
    fsum = _columns_checks.math.fsum
    monkeypatch.setattr(_columns_checks, "math", type("M", (), {"fsum": lambda xs: exact.append(1) or fsum(xs)}))
    n = 700_000
    de = int(country_numbers(["DE"])[0])
    shares = np.tile([0.3, 0.7], n)
    shares[-2:] = [0.5, 0.5 + 2e-9]  # the last row: over by 2e-9 (the tolerance is 1e-9)
    rag = Ragged(np.full(2 * n, de, np.int32), np.arange(0, 2 * n + 1, 2, dtype=np.int64), np.zeros(n, bool), shares)
    problems = _columns_checks._share_problems(rag, "trade_partners")
    assert [row for row, _, _ in problems] == [n - 1] and "more than 1" in problems[0][2]
    assert len(exact) == 1


def test_vector_sum_rounding_is_fsums_for_large_magnitudes() -> None:
    # regression: a fixed 1e-3 window around the half missed rows where the left-to-right sum of
    # terms near 1e4-1e5 is several ulps (each ~1e-3 at the ninth decimal) away from fsum
    import math
    import random

    rng = random.Random(20261201)
    xs = np.array([rng.uniform(-1e5, 1e5) for _ in range(20_000)])
    terms = [xs * w for w in (0.3, 0.25, 0.25, 0.1, 0.1)]
    expected = [round(math.fsum(t[i] for t in terms), 9) + 0.0 for i in range(len(xs))]
    assert rnd_fsum(terms).tolist() == expected


_TERM = (
    st.floats(-1e6, 1e6, allow_nan=False)
    | st.integers(-(10**9), 10**9).map(lambda k: k / 2**20)  # exact binary fractions: decimal halves
    | st.integers(0, 10**11).map(lambda k: k / 1e9 * 0.25)  # nine-decimal points x a weight
    | st.sampled_from([0.0, -0.0, 1e-9, 5e-10, 1e15, -1e15, 0.1, 0.3])
)


@given(rows=st.lists(st.lists(_TERM, min_size=6, max_size=6), min_size=1, max_size=40), k=st.integers(1, 6))
def test_vector_sum_is_round_of_fsum_bit_for_bit(rows: list[list[float]], k: int) -> None:
    """The batch's weighted sum is Python's round(math.fsum(terms), 9) for any terms, ties and
    cancellations included (the error-free summation or, where it cannot vouch, fsum itself)."""
    import math

    terms = [np.array([row[j] for row in rows]) for j in range(k)]
    got = rnd_fsum(terms).tolist()
    want = [round(math.fsum(row[:k]), 9) + 0.0 for row in rows]
    assert [(g, math.copysign(1, g)) for g in got] == [(w, math.copysign(1, w)) for w in want]
