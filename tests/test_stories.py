"""The mission's stories on the bundled default policy, plus properties over random input."""

from __future__ import annotations

import math
import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import riskscore
from riskscore import Policy

REPO = Path(__file__).resolve().parent.parent
D = "2026-07-01"  # inside every shipped list's review horizon

GERMAN_SME = {
    "id": "de-sme",
    "incorporation": "DE",
    "operations": ["DE"],
    "owners": [{"country": "DE", "share": 0.7}, {"country": "AT", "share": 0.3}],
    "trade_partners": [{"country": "FR", "share": 0.4}, {"country": "US", "share": 0.2}],
    "products": ["847989"],
}
TURKISH_EXPORTER = {
    "id": "tr-exp",
    "incorporation": "Turkey",
    "operations": ["TR"],
    "owners": [{"country": "TR", "share": 1.0}],
    "trade_partners": [{"country": "RU", "share": 0.6}, {"country": "KZ", "share": 0.2}],
    "products": ["854231"],
}
RUSSIAN = {
    "id": "ru",
    "incorporation": "RU",
    "operations": ["RU"],
    "owners": [{"country": "RU", "share": 1.0}],
    "trade_partners": [{"country": "CN", "share": 0.5}],
    "products": [],
}


def test_german_sme_is_low(policy: Policy) -> None:
    result = policy.score(GERMAN_SME, as_of=D)
    assert result.tier == "low" and result.overrides == []


@pytest.mark.parametrize("country", ["North Korea", "Iran", "KP", "IRN"])
def test_north_korean_or_iranian_entity_is_prohibited(policy: Policy, country: str) -> None:
    result = policy.score({"id": "x", "incorporation": country, "owners": [], "trade_partners": []}, as_of=D)
    assert (result.tier, result.score) == ("prohibited", 100.0)
    assert "countermeasures_prohibit" in [o.override_id for o in result.overrides]


def test_turkish_exporter_of_integrated_circuits_to_russia_is_high_or_above(policy: Policy) -> None:
    result = policy.score(TURKISH_EXPORTER, as_of=D)
    assert result.tier in ("high", "prohibited")
    fired = {c.rule_id for c in result.contributions if c.weighted > 0}
    assert {"incorporation_country", "partner_exposure", "chpl_tier_1_2_exposed"} <= fired
    text = result.explain()
    assert "Common High Priority List" in text and "FIN-2022-Alert003" in text


def test_russia_scores_higher_after_the_fatf_suspension(policy: Policy) -> None:
    before = policy.score(RUSSIAN, as_of="2022-12-01")
    after = policy.score(RUSSIAN, as_of="2023-06-01")
    assert before.score < after.score
    assert any(
        "suspend" in s.title.lower() or s.list_id == "fatf_suspended_members"
        for c in after.contributions
        for s in c.sources
    )
    assert not any(s.list_id == "fatf_suspended_members" for c in before.contributions for s in c.sources)


def test_syria_embargo_before_and_after_its_lifting(policy: Policy) -> None:
    cp = {"id": "sy", "incorporation": "Syria", "owners": [], "trade_partners": []}
    during = policy.score(cp, as_of="2025-06-30")
    after = policy.score(cp, as_of="2025-07-01")
    assert "embargoed_incorporation_prohibit" in [o.override_id for o in during.overrides]
    assert "embargoed_incorporation_prohibit" not in [o.override_id for o in after.overrides]
    assert after.tier in ("medium", "high")  # still FATF grey-listed and on the EU list


def test_occupied_regions_are_prohibited(policy: Policy) -> None:
    for region in ("UA-43", "Sevastopol", "UA-23"):
        result = policy.score({"id": "r", "incorporation": region, "owners": [], "trade_partners": []}, as_of=D)
        assert result.tier == "prohibited", region


def test_unknown_country_is_refused(policy: Policy) -> None:
    with pytest.raises(riskscore.CounterpartyError, match=r"unknown country .Wakanda."):
        policy.score({"id": "x", "incorporation": "Wakanda"}, as_of=D)


def test_thin_file_is_not_low(policy: Policy) -> None:
    result = policy.score({"id": "thin", "incorporation": "GB"}, as_of=D)
    assert result.tier != "low"
    assert {"owner_country", "partner_exposure"} <= {
        c.rule_id for c in result.contributions if "not provided" in c.reason
    }


def test_explanation_cites_list_sources(policy: Policy) -> None:
    text = policy.score({"id": "mm", "incorporation": "Myanmar", "owners": [], "trade_partners": []}, as_of=D).explain()
    assert "fatf_call_for_action" in text and "MM (category enhanced_due_diligence), listed 2022-10-21" in text
    assert "https://" in text


def test_staleness_warning_today_for_fatf_lists(policy: Policy) -> None:
    stale = policy.score(GERMAN_SME, as_of="2026-11-23").warnings
    assert ("stale-list", "fatf_increased_monitoring") in {(w.code, w.list_id) for w in stale}
    assert not any(w.code == "stale-list" for w in policy.score(GERMAN_SME, as_of=D).warnings)


def only_authorities(path: Path, authorities: list[str]) -> None:
    """Restrict a copy of the default policy to ``authorities``, dropping references to other lists."""
    applied = set()
    for file in (path.parent.parent / "lists").glob("*.yaml"):
        data = yaml.safe_load(file.read_text())
        if {data["authority"], *data.get("also_issued_by", [])} & set(authorities):
            applied.add(data["id"])
    text = path.read_text().replace("authorities: all", f"authorities: [{', '.join(authorities)}]")
    text = re.sub(r"\n *- \{list: (\w+),[^\n]*", lambda m: m.group(0) if m.group(1) in applied else "", text)

    def kept(m: re.Match[str]) -> str:
        return f"{m.group(1)}: [" + ", ".join(x for x in m.group(2).split(", ") if x in applied) + "]"

    path.write_text(re.sub(r"(lists?): \[([\w, ]+)\]", kept, text))


def test_an_eu_only_policy_applies_eu_and_fatf_lists_only(tmp_path: Path) -> None:
    shutil.copytree(REPO / "rules", tmp_path / "rules")
    path = tmp_path / "rules" / "default" / "policy.yaml"
    path.write_text(path.read_text().replace("authorities: all", "authorities: [EU, FATF]"))
    with pytest.raises(riskscore.PolicyError) as info:  # it still names US, UK, UN and Egmont lists
        riskscore.load_policy(path)
    assert {i.code for i in info.value.issues} == {"unapplied-list"}
    assert any("'sanctions_us'" in i.message for i in info.value.issues)
    shutil.copy(REPO / "rules" / "default" / "policy.yaml", path)
    only_authorities(path, ["EU", "FATF"])
    eu = riskscore.load_policy(path)
    assert eu.authorities == ["EU", "FATF"] and "sanctions_us" not in eu.lists
    kp = eu.score({"id": "kp", "incorporation": "KP", "owners": [], "trade_partners": []}, as_of=D)
    assert kp.tier == "prohibited" and kp.authorities == ["EU", "FATF"]
    assert {"sanctions_eu", "chpl_products"} <= set(eu.lists)  # CHPL: issued by BIS, also by the EU
    tr = eu.score(TURKISH_EXPORTER, as_of=D)
    assert "chpl_tier_1_2_exposed" in {c.rule_id for c in tr.contributions}
    shutil.copy(REPO / "rules" / "default" / "policy.yaml", path)
    only_authorities(path, ["US", "FATF"])
    us = riskscore.load_policy(path)
    assert "sanctions_eu" not in us.lists
    ua23 = {"id": "ua", "incorporation": "UA-23", "owners": [], "trade_partners": []}
    assert eu.score(ua23, as_of=D).tier == "prohibited"  # EU regional embargo on occupied Zaporizhzhia
    assert "embargoed_incorporation_prohibit" not in [o.override_id for o in us.score(ua23, as_of=D).overrides]


countries = st.sampled_from(
    ["DE", "FR", "US", "TR", "AE", "CN", "RU", "BY", "IR", "KP", "VN", "SY", "UA-43", "KG", "MM"]
)
shares = st.floats(min_value=0, max_value=0.25, allow_nan=False)
counterparties = st.fixed_dictionaries(
    {
        "id": st.just("h"),
        "incorporation": countries,
        "operations": st.lists(countries, max_size=3),
        "owners": st.lists(st.fixed_dictionaries({"country": countries, "share": shares}), max_size=4),
        "trade_partners": st.lists(st.fixed_dictionaries({"country": countries, "share": shares}), max_size=4),
        "products": st.lists(st.sampled_from(["854231", "848210", "620342", "8542"]), max_size=3),
        "pep": st.booleans(),
        "sanctions_hit": st.booleans(),
    }
)
dates = st.dates(min_value=__import__("datetime").date(2022, 3, 4), max_value=__import__("datetime").date(2026, 10, 1))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cp=counterparties, as_of=dates)
def test_properties_of_every_score(policy: Policy, cp: dict[str, Any], as_of: Any) -> None:
    result = policy.score(cp, as_of=as_of)
    assert 0 <= result.score <= 100 and 0 <= result.score_before_overrides <= 100
    assert round(math.fsum(c.weighted for c in result.contributions), 9) == result.score_before_overrides
    assert all(0 <= v <= 100 for v in result.factors.values())
    assert result.tier in policy.tiers
    assert policy.score(cp, as_of=as_of) == result  # deterministic
    if cp["sanctions_hit"]:
        assert result.tier == "prohibited"


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cp=counterparties, extra=st.floats(min_value=0.01, max_value=0.2))
def test_more_exposure_to_a_riskier_country_never_lowers_the_score(
    policy: Policy, cp: dict[str, Any], extra: float
) -> None:
    base = policy.score(cp, as_of=D)
    if math.fsum(p["share"] for p in cp["trade_partners"]) + extra > 1:
        return
    more = policy.score({**cp, "trade_partners": [*cp["trade_partners"], {"country": "RU", "share": extra}]}, as_of=D)
    assert more.score >= base.score


def test_a_product_list_before_its_history_warns_that_it_cannot_match(policy: Policy) -> None:
    cp = {**TURKISH_EXPORTER, "id": "early"}
    early = policy.score(cp, as_of="2023-06-01")
    assert "chpl_tier_1_2_exposed" not in {c.rule_id for c in early.contributions}
    assert ("no-history", "chpl_products", date(2024, 2, 23)) in {
        (w.code, w.list_id, w.history_from) for w in early.warnings
    }
    assert not any(w.list_id == "chpl_products" for w in policy.score(cp, as_of=D).warnings)
