"""Hostile rule files and counterparties fail closed: refused with a RiskscoreError, quickly.

The cases live in ``fuzz/hostile.py`` (``python fuzz/hostile.py`` prints them as the table in
SECURITY.md); here each must be refused the expected way with bounded work (calls counted, never
seconds: see ``tests/workbound.py``).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from workbound import count_calls

import riskscore
from riskscore import conditions, counterparty
from riskscore._yaml import MAX_DEPTH, load_text
from riskscore.policy import load_policy_bytes

REPO = Path(__file__).resolve().parent.parent


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"riskscore_fuzz_{name}", REPO / "fuzz" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


hostile = _load("hostile")


# The costliest case (the billion laughs, cut off by the node budget) makes about 0.7 million
# calls; an unbounded expansion would make billions.
MAX_CALLS_TO_REFUSE = 2_000_000


@pytest.mark.parametrize("case", hostile.CASES, ids=lambda c: f"{c.group}: {c.name}")
def test_hostile_input_is_refused_with_bounded_work(case: Any) -> None:
    exc, calls = count_calls(case.run)
    assert isinstance(exc, case.error), f"not refused as {case.error.__name__}: {exc!r}"
    assert case.text in str(exc)
    assert calls < MAX_CALLS_TO_REFUSE, f"{calls} calls"


def test_billion_laughs_is_cut_off_by_the_node_budget() -> None:
    exc, calls = count_calls(lambda: load_text(hostile.billion_laughs(), "bomb.yaml"))
    assert isinstance(exc, riskscore.PolicyError)
    assert [i.code for i in exc.issues] == ["too-large"]
    assert calls < 10 * riskscore._yaml.MAX_NODES  # work proportional to the budget, not to 10**9


def test_a_long_flat_file_is_refused_while_composing_not_after() -> None:
    text = "- 1\n" * (riskscore._yaml.MAX_NODES + 10)  # about 400 KB, each line one node
    exc, calls = count_calls(lambda: load_text(text, "flat.yaml"))
    assert isinstance(exc, riskscore.PolicyError)
    assert [i.code for i in exc.issues] == ["too-large"]
    assert exc.line == riskscore._yaml.MAX_NODES  # stopped at the first node over the budget
    assert calls < 50 * riskscore._yaml.MAX_NODES


def test_libyaml_own_depth_limit_is_reported_as_too_deep() -> None:
    # PyYAML 6.0.2+ bundles a libyaml that stops flow nesting past 1,000 levels by itself
    for text in ("[" * 10_000, "a: " + "{a: " * 5_000):
        with pytest.raises(riskscore.PolicyError) as info:
            load_text(text, "deep.yaml")
        assert [i.code for i in info.value.issues] == ["too-deep"]
        assert info.value.line == 1


def test_nesting_at_the_limit_loads_and_one_more_is_refused() -> None:
    assert load_text("a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1), "ok.yaml").data
    with pytest.raises(riskscore.PolicyError, match="too-deep"):
        load_text("a: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "deep.yaml")


def test_bytes_with_a_bom_load_and_quoted_numbers_stay_strings() -> None:
    data = riskscore._yaml.load_bytes(b"\xef\xbb\xbfa: '1'\nb: 1\nc: NO\n", "bom.yaml").data
    assert data == {"a": "1", "b": 1, "c": "NO"}


def test_condition_bounds_are_exact_and_located() -> None:
    depth = conditions.MAX_CONDITION_DEPTH
    ok = "{not: " * depth + "{flag: pep}" + "}" * depth
    assert load_policy_bytes(hostile.with_override_condition(ok), root=hostile.FUZZ_ROOT)
    with pytest.raises(riskscore.PolicyError) as info:
        load_policy_bytes(hostile.with_override_condition("{not: " + ok + "}"), root=hostile.FUZZ_ROOT, name="p.yaml")
    err = info.value
    assert (err.file, err.line, err.key_path) == ("p.yaml", 48, "overrides[0].when")

    def wide(groups: int) -> bytes:  # 1 + groups + groups * 98 nodes
        return hostile.with_override_condition(
            "{any: [" + ",".join(["{all: [" + ",".join(["{flag: pep}"] * 98) + "]}"] * groups) + "]}"
        )

    assert conditions.MAX_CONDITION_NODES == 500
    assert load_policy_bytes(wide(5), root=hostile.FUZZ_ROOT)  # 496 nodes
    with pytest.raises(riskscore.PolicyError, match="condition_too_large"):
        load_policy_bytes(wide(6), root=hostile.FUZZ_ROOT)  # 595 nodes


def test_the_largest_legal_condition_scores_a_maximal_counterparty_in_bounded_time() -> None:
    # 24 x (all of 19 country_in over every country field) = 480 nodes + list ids, under the limit
    leaf = "{country_in: {field: any, list: [test_high, test_index]}}"
    when = "{any: [" + ",".join(["{all: [" + ",".join([leaf] * 6) + "]}"] * 24) + "]}"
    policy = load_policy_bytes(hostile.with_override_condition(when), root=hostile.FUZZ_ROOT)
    codes = ["PL", "HU", "RU", "UA-43", "DE"]
    n = counterparty.MAX_ITEMS
    big = {
        "id": "max",
        "incorporation": "PL",
        "operations": (codes * n)[:n],
        "owners": [{"country": c, "share": 0.001} for c in (codes * n)[:n]],
        "trade_partners": [{"country": c, "share": 0.001} for c in (codes * n)[:n]],
        "products": ["854231"] * n,
    }
    results: list[riskscore.Result] = []
    exc, calls = count_calls(lambda: results.append(policy.score(big, as_of="2024-07-01")))
    assert exc is None
    assert calls < 2_000_000, f"{calls} calls"  # bounded by specs x distinct codes, not items x nodes
    assert "hostile" in [o.override_id for o in results[0].overrides]


def test_string_literals_in_comparisons_load() -> None:
    # regression: allow_inf_nan on the whole literal union made pydantic raise TypeError on a string
    when = "{eq: [{attribute: segment}, retail]}"
    policy = load_policy_bytes(hostile.with_override_condition(when), root=hostile.FUZZ_ROOT)
    result = policy.score({"id": "r", "incorporation": "DE", "attributes": {"segment": "retail"}}, as_of="2024-07-01")
    assert "hostile" in [o.override_id for o in result.overrides]


def test_load_policy_bytes_matches_load_policy(policy: riskscore.Policy) -> None:
    text = (REPO / "rules" / "default" / "policy.yaml").read_bytes()
    assert load_policy_bytes(text).fingerprint == policy.fingerprint


def test_strict_flags_and_shares_accept_the_right_types() -> None:
    cp = counterparty.parse_counterparty(
        {"id": "t", "pep": True, "sanctions_hit": False, "owners": [{"country": "DE", "share": 1}]}
    )
    assert cp.pep is True and cp.owners is not None and cp.owners[0].share == 1.0


def test_json_counterparty_parses_like_a_mapping() -> None:
    line = (REPO / "examples" / "counterparties.jsonl").read_text().splitlines()[1]
    assert counterparty.parse_counterparty_json(line) == counterparty.parse_counterparty_json(line.encode())


def test_unknown_countries_past_the_cap_are_refused_unchecked() -> None:
    cap = counterparty.MAX_COUNTRY_ERRORS
    with pytest.raises(riskscore.CounterpartyError) as info:
        counterparty.parse_counterparty({"id": "u", "operations": [f"Nowhere{i}" for i in range(cap + 2)] + ["DE"]})
    paths = [i.path for i in info.value.issues]
    assert paths == [f"operations[{i}]" for i in range(cap + 3)]
    assert "not checked" in str(info.value.issues[-1]) and "did you mean" not in str(info.value.issues[-1])


def test_a_list_reviewed_at_the_end_of_time_is_refused_or_scored(tmp_path: Path) -> None:
    lists = tmp_path / "lists"
    lists.mkdir()
    for path in (REPO / "fuzz" / "root" / "lists").glob("*.yaml"):
        text = path.read_text().replace("reviewed: 2024-01-01", "reviewed: 9999-12-30")
        (lists / path.name).write_text(text)
    (tmp_path / "default").mkdir()
    (tmp_path / "default" / "policy.yaml").write_text(hostile.SMALL_POLICY)
    with pytest.raises(riskscore.PolicyError, match="passes the end of the calendar"):
        riskscore.load_policy(tmp_path / "default")


def test_libyaml_and_pure_python_parsing_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    files = [REPO / "rules" / "default" / "policy.yaml", *sorted((REPO / "rules" / "lists").glob("*.yaml"))]
    files += sorted((REPO / "fuzz" / "seeds" / "policy").glob("small.yaml"))
    fast = [riskscore._yaml.load_file(f) for f in files]

    class PurePython(riskscore._yaml._DepthLimited, yaml.SafeLoader):
        pass

    monkeypatch.setattr(riskscore._yaml, "_Loader", PurePython)
    slow = [riskscore._yaml.load_file(f) for f in files]
    assert [(d.data, d.locations) for d in fast] == [(d.data, d.locations) for d in slow]
    with pytest.raises(riskscore.PolicyError, match="too-deep"):
        load_text("a: " + "[" * 5000 + "]" * 5000, "deep.yaml")


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab\n'),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(alphabet='[]{}"\\a'), inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None)
@given(json_values)
def test_the_json_depth_scan_agrees_with_the_parser(value: Any) -> None:
    assert counterparty._json_depth(json.dumps(value)) == _depth(value)
