"""Scoring semantics on a small policy: dates, thresholds, float noise, overrides, trails."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pytest
from conftest import PolicyFactory

from riskscore import AsOfError, CounterpartyError, Result


def total(result: Result) -> float:
    return round(math.fsum(c.weighted for c in result.contributions), 9)


@pytest.mark.parametrize(
    ("as_of", "points"),
    [
        ("2020-06-01", 10),
        ("2020-12-31", 10),
        ("2021-01-01", 40),
        ("2022-12-31", 40),
        ("2023-01-01", 10),
        ("2024-05-31", 10),
        ("2024-06-01", 40),
    ],
)
def test_as_of_follows_listing_and_delisting_dates(make_policy: PolicyFactory, as_of: str, points: float) -> None:
    result = make_policy().score({"id": "p", "incorporation": "PL", "trade_partners": []}, as_of=as_of)
    assert result.factors["geo"] == points
    assert result.score == points * 0.5
    assert result.as_of == date.fromisoformat(as_of)


def test_score_exactly_at_a_threshold_belongs_to_the_higher_tier(make_policy: PolicyFactory) -> None:
    policy = make_policy()
    at = policy.score({"id": "p", "incorporation": "PL", "trade_partners": []}, as_of="2022-01-01")
    assert (at.score, at.tier) == (20.0, "medium")
    below = policy.score(
        {"id": "p", "incorporation": "DE", "trade_partners": [{"country": "PL", "share": 0.749999}]}, as_of="2022-01-01"
    )
    assert below.score < 20 and below.tier == "low"


def test_binary_float_noise_cannot_miss_a_threshold(make_policy: PolicyFactory) -> None:
    assert 0.03 * 40 + 0.47 * 40 < 20  # the trap: 19.999999999999996 in binary floats
    policy = make_policy(
        overrides="- {id: exposed, when: {gte: [{factor: partners}, 20]}, action: floor, tier: high, rationale: r}\n"
    )
    result = policy.score(
        {
            "id": "p",
            "incorporation": "DE",
            "trade_partners": [{"country": "PL", "share": 0.03}, {"country": "PL", "share": 0.47}],
        },
        as_of="2022-01-01",
    )
    assert result.factors["partners"] == 20.0
    assert [o.override_id for o in result.overrides] == ["exposed"]
    assert result.tier == "high"


def test_subdivisions_inherit_their_country_unless_listed_themselves(make_policy: PolicyFactory) -> None:
    policy = make_policy(code="UA")
    inherits = policy.score({"id": "p", "incorporation": "UA-14", "trade_partners": []}, as_of="2022-01-01")
    assert inherits.factors["geo"] == 40
    own = make_policy(code="UA-43").score(
        {"id": "p", "incorporation": "UA-43", "trade_partners": []}, as_of="2022-01-01"
    )
    assert own.factors["geo"] == 40
    sibling = make_policy(code="UA-43").score(
        {"id": "p", "incorporation": "UA-14", "trade_partners": []}, as_of="2022-01-01"
    )
    assert sibling.factors["geo"] == 10


def test_category_points_and_sources_are_cited(make_policy: PolicyFactory) -> None:
    result = make_policy().score({"id": "p", "incorporation": "HU", "trade_partners": []}, as_of="2024-07-01")
    contribution = result.contributions[0]
    assert contribution.points == 100 and contribution.weighted == 50
    assert contribution.sources[0].title == "Source A" and contribution.sources[0].category == "severe"
    relisted = make_policy().score({"id": "p", "incorporation": "PL", "trade_partners": []}, as_of="2024-07-01")
    text = relisted.explain()
    assert "Source B" in text and "https://example.org/b" in text and "listed 2024-06-01" in text


OVERRIDES = """\
- {id: cap_all, when: {flag: pep}, action: cap, score: 10, rationale: cap}
- {id: floor_high, when: {flag: pep}, action: floor, tier: high, rationale: floor}
- {id: add_five, when: {flag: pep}, action: add, points: 5, rationale: add}
- {id: ban, when: {flag: sanctions_hit}, action: prohibit, rationale: ban}
"""


def test_override_precedence_add_then_cap_then_floor_then_prohibit(make_policy: PolicyFactory) -> None:
    policy = make_policy(overrides=OVERRIDES)
    cp = {"id": "p", "incorporation": "DE", "trade_partners": [], "pep": True}
    result = policy.score(cp, as_of="2022-01-01")
    assert [o.override_id for o in result.overrides] == ["add_five", "cap_all", "floor_high"]
    assert [o.score_after for o in result.overrides] == [10.0, 10.0, 40.0]
    assert (result.score, result.tier, result.score_before_overrides) == (40.0, "high", 5.0)
    banned = policy.score({**cp, "sanctions_hit": True}, as_of="2022-01-01")
    assert (banned.score, banned.tier) == (100.0, "prohibited")
    assert banned.overrides[-1].override_id == "ban" and banned.overrides[-1].tier_before == "high"


def test_contributions_add_up_to_the_score_before_overrides(make_policy: PolicyFactory) -> None:
    result = make_policy(overrides=OVERRIDES).score(
        {"id": "p", "incorporation": "HU", "trade_partners": [{"country": "PL", "share": 0.3}], "pep": True},
        as_of="2022-01-01",
    )
    assert total(result) == result.score_before_overrides == 56.0


def test_missing_data_is_scored_explicitly_or_refused(make_policy: PolicyFactory) -> None:
    result = make_policy().score({"id": "p", "trade_partners": []}, as_of="2022-01-01")
    missing = result.contributions[0]
    assert (missing.rule_id, missing.points) == ("geo_country", 30)
    assert "not provided" in missing.reason
    no_partners = make_policy().score({"id": "p", "incorporation": "DE"}, as_of="2022-01-01")
    assert no_partners.factors["partners"] == 0  # this policy sets missing_points: 0 for partners
    assert any("trade_partners not provided" in c.reason for c in no_partners.contributions)


def test_a_rule_without_missing_points_makes_its_field_required(make_policy: PolicyFactory) -> None:
    from conftest import TEST_POLICY

    policy = make_policy(policy=TEST_POLICY.replace("        missing_points: 0\n", ""))
    with pytest.raises(CounterpartyError, match="trade_partners: required by rule 'exposure'"):
        policy.score({"id": "p", "incorporation": "DE"}, as_of="2022-01-01")


def test_as_of_parsing(make_policy: PolicyFactory) -> None:
    policy = make_policy()
    cp = {"id": "p", "incorporation": "DE", "trade_partners": []}
    assert policy.score(cp).as_of == date.today()
    assert policy.score(cp, as_of=date(2022, 1, 1)).as_of == date(2022, 1, 1)
    for bad in ("2022-13-01", "01/02/2022", "2022-1-1", 20220101):
        with pytest.raises(AsOfError):
            policy.score(cp, as_of=bad)  # type: ignore[arg-type]


def test_staleness_warning_past_review_horizon(make_policy: PolicyFactory) -> None:
    policy = make_policy()
    cp = {"id": "p", "incorporation": "DE", "trade_partners": []}
    assert policy.score(cp, as_of="2024-12-31").warnings == []
    stale = policy.score(cp, as_of="2025-01-01").warnings
    assert [(w.code, w.list_id, w.reviewed, w.review_due) for w in stale] == [
        ("stale-list", "test_high", date(2024, 1, 1), date(2024, 12, 31))
    ]
    assert "last reviewed on 2024-01-01" in str(stale[0])  # str() keeps the 0.1 message


def test_unknown_status_before_history_warns_instead_of_reading_as_not_listed(make_policy: PolicyFactory) -> None:
    result = make_policy().score({"id": "p", "incorporation": "DE", "trade_partners": []}, as_of="2019-01-01")
    assert [(w.code, w.countries) for w in result.warnings if w.code == "unknown-status"] == [
        ("unknown-status", ("DE",))
    ]


def test_result_is_a_pydantic_model_that_round_trips(make_policy: PolicyFactory) -> None:
    result = make_policy(overrides=OVERRIDES).score(
        {"id": "p", "incorporation": "HU", "trade_partners": [{"country": "PL", "share": 0.3}], "pep": True},
        as_of="2022-01-01",
    )
    assert Result.model_validate_json(result.model_dump_json()) == result
    assert len(result.fingerprint) == 64


def test_sum_factor_caps_at_100_and_explains_the_capped_points(make_policy: PolicyFactory) -> None:
    from conftest import TEST_POLICY

    policy = make_policy(
        policy=TEST_POLICY.replace(
            "  - id: partners\n    weight: 0.5", "  - id: partners\n    weight: 0.5\n    combine: sum"
        ).replace(
            "      - id: exposure\n        kind: exposure",
            "      - id: flag_pep\n        kind: condition\n        when: {flag: pep}\n        points: 80\n"
            "        reason: r\n      - id: exposure\n        kind: exposure",
        )
    )
    result = policy.score(
        {"id": "x", "incorporation": "DE", "pep": True, "trade_partners": [{"country": "PL", "share": 1}]},
        as_of="2022-01-01",
    )
    assert result.factors["partners"] == 100
    assert [(c.rule_id, c.points, c.weighted) for c in result.contributions] == [
        ("geo_country", 10, 5),
        ("flag_pep", 80, 40),
        ("exposure", 40, 10),
    ]
    assert total(result) == result.score == 55
    assert "10 = 50 % x 20  partners/exposure (capped: 20 of its 40 points counted)" in result.explain()


def test_results_record_the_engine_version(make_policy: PolicyFactory) -> None:
    import riskscore

    result = make_policy().score({"id": "p", "incorporation": "DE", "trade_partners": []}, as_of="2022-01-01")
    assert result.engine_version == riskscore.__version__ and result.engine_version


INDEX_LIST = """\
id: licensed_index
title: A licensed country-risk index (0-10)
authority: TEST
coverage: listed
sources: [{id: vendor, title: Vendor edition 2025}]
reviewed: 2025-12-08
review_interval_days: 365
history_from: 2025-12-08
entries:
  - code: PL
    periods: [{listed: {date: 2025-12-08, source: vendor}, value: 6.5}]
  - code: DE
    periods: [{listed: {date: 2025-12-08, source: vendor}, value: 3.25}]
"""


def test_a_value_list_maps_index_values_to_points_and_unassessed_countries_warn(
    make_policy: PolicyFactory, tmp_path: Path
) -> None:
    from conftest import TEST_POLICY

    (tmp_path / "lists").mkdir(exist_ok=True)
    (tmp_path / "lists" / "licensed_index.yaml").write_text(INDEX_LIST)
    policy = make_policy(
        policy=TEST_POLICY.replace(
            "    - {list: test_high, points: 40, category_points: {severe: 100}}",
            "    - {list: test_high, points: 40, category_points: {severe: 100}}\n"
            "    - {list: licensed_index, points: 0, points_per_unit: 10}",
        )
    )
    cp = {"id": "p", "trade_partners": []}
    assert policy.score({**cp, "incorporation": "DE"}, as_of="2026-01-01").factors["geo"] == 32.5
    assert policy.score({**cp, "incorporation": "PL"}, as_of="2022-06-01").factors["geo"] == 40  # index not yet out
    fr = policy.score({**cp, "incorporation": "FR"}, as_of="2026-01-01")
    assert fr.factors["geo"] == 10  # baseline, and the result says the index did not cover FR
    unknown = [(w.list_id, w.countries) for w in fr.warnings if w.code == "unknown-status"]
    assert unknown == [("licensed_index", ("FR",))]
    batch = policy.score_many([{**cp, "incorporation": c} for c in ("DE", "PL", "FR")], "2026-01-01")
    assert batch.scores.tolist() == [16.25, 32.5, 5.0]
