"""Counterparties: bad input is refused with the field path, never scored as low risk."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from riskscore import Counterparty, CounterpartyError, Policy
from riskscore.counterparty import parse_counterparty


def refuse(data: Any) -> CounterpartyError:
    with pytest.raises(CounterpartyError) as info:
        parse_counterparty(data)
    return info.value


@pytest.mark.parametrize(
    ("data", "path", "text"),
    [
        ({"id": "a", "owners": [{"country": "DE", "share": float("nan")}]}, "owners[0].share", "finite"),
        ({"id": "a", "owners": [{"country": "DE", "share": float("inf")}]}, "owners[0].share", "finite"),
        ({"id": "a", "owners": [{"country": "DE", "share": -0.1}]}, "owners[0].share", "greater than or equal to 0"),
        (
            {"id": "a", "trade_partners": [{"country": "DE", "share": 1.5}]},
            "trade_partners[0].share",
            "less than or equal to 1",
        ),
        (
            {"id": "a", "owners": [{"country": "DE", "share": 0.6}, {"country": "FR", "share": 0.5}]},
            "owners",
            "sum to 1.1",
        ),
        ({"id": "a", "owners": [{"country": "DE", "share": "lots"}]}, "owners[0].share", "valid number"),
        ({"id": "a", "operations": ["DE", "Germny"]}, "operations[1]", "did you mean Germany (DE)"),
        ({"id": "a", "incorporation": "Atlantis"}, "incorporation", "unknown country 'Atlantis'"),
        ({"id": "a", "products": ["8542", "12345"]}, "products[1]", "malformed HS code '12345'"),
        ({"id": "a", "products": [854231]}, "products[0]", "malformed HS code"),
        ({"id": "a", "colour": "red"}, "colour", "unknown field"),
        ({"incorporation": "DE"}, "id", "field required"),
        ({"id": "a", "owners": [{"country": "DE"}]}, "owners[0].share", "field required"),
        ({"id": "a", "attributes": {"x": float("nan")}}, "attributes.x", "not finite"),
        ({"id": "a", "operations": ["DE"] * 1001}, "operations", "at most 1000"),
    ],
)
def test_bad_counterparties_name_the_field_path(data: Any, path: str, text: str) -> None:
    err = refuse(data)
    assert err.issues[0].path == path
    assert text in str(err)


def test_every_problem_is_reported_not_only_the_first() -> None:
    err = refuse({"id": "a", "incorporation": "ZZ", "owners": [{"country": "QQ", "share": 2}]})
    assert {i.path for i in err.issues} >= {"incorporation", "owners[0].country", "owners[0].share"}


def test_not_a_mapping_is_refused() -> None:
    assert "expected a mapping" in str(refuse(["DE"]))


def test_normalises_countries_and_hs_codes() -> None:
    cp = parse_counterparty({"id": 7, "incorporation": "Turkey", "products": ["8542.31", "85423190"]})
    assert (cp.id, cp.incorporation, cp.products) == ("7", "TR", ["854231", "85423190"])


def test_float_noise_in_share_sums_is_tolerated() -> None:
    cp = Counterparty.model_validate({"id": "a", "owners": [{"country": "DE", "share": 0.1}] * 10})
    assert math.isclose(sum(o.share for o in cp.owners or ()), 1.0)


@given(st.lists(st.floats(min_value=0, max_value=1, allow_nan=False), min_size=1, max_size=6))
def test_share_sum_rule_is_exact_about_one(shares: list[float]) -> None:
    data = {"id": "h", "trade_partners": [{"country": "FR", "share": s} for s in shares]}
    if math.fsum(shares) > 1 + 1e-9:
        assert refuse(data).issues[0].path == "trade_partners"
    else:
        assert parse_counterparty(data).trade_partners is not None


def test_policy_score_refuses_unknown_country(policy: Policy) -> None:
    with pytest.raises(CounterpartyError, match="incorporation: unknown country 'Narnia'"):
        policy.score({"id": "x", "incorporation": "Narnia"})
