"""Lists: dated membership, assessed-and-not-listed vs unknown, and the shipped data's facts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from riskscore import JurisdictionList, Policy, PolicyError, Status
from riskscore._yaml import load_file
from riskscore.policy import validate_located

RULES = Path(__file__).resolve().parent.parent / "rules" / "lists"
SHIPPED = sorted(RULES.glob("*.yaml"))


def load(name: str) -> JurisdictionList:
    return validate_located(JurisdictionList, load_file(RULES / f"{name}.yaml"))


def members(lst: JurisdictionList, on: str) -> set[str]:
    d = date.fromisoformat(on)
    return {e.code for e in lst.entries if lst.status(e.code, d).status is Status.LISTED}


def test_every_shipped_list_loads_and_cites_a_dated_source_for_every_change() -> None:
    assert len(SHIPPED) >= 15
    for path in SHIPPED:
        lst = validate_located(JurisdictionList, load_file(path))
        assert path.read_text().startswith("# yaml-language-server: $schema=../schema/list.schema.json")
        ids = {s.id for s in lst.sources}
        for entry in lst.entries:
            for period in entry.periods:
                assert period.listed.source in ids and period.listed.date is not None
                if period.delisted is not None:
                    assert period.delisted.source in ids


def test_unconfirmed_facts_carry_their_mark() -> None:
    chpl = load("chpl_products")
    tiers = {e.code: e.periods[0] for e in chpl.entries}
    assert len(tiers) == 50
    assert tiers["854231"].category == "1" and tiers["854231"].listed.confidence == "confirmed"
    assert tiers["845710"].category == "4.B" and tiers["845710"].listed.confidence == "secondary"
    grey = load("fatf_increased_monitoring")
    bosnia = next(e for e in grey.entries if e.code == "BA")
    assert bosnia.periods[0].listed.confidence == "secondary"


def test_fatf_grey_list_replays_to_the_published_lists() -> None:
    grey = load("fatf_increased_monitoring")
    june_2026 = {
        "AO",
        "BO",
        "BA",
        "BG",
        "CM",
        "CI",
        "CD",
        "HT",
        "IQ",
        "KE",
        "KW",
        "LA",
        "LB",
        "MC",
        "NP",
        "PG",
        "SS",
        "SY",
        "VE",
        "VN",
        "VG",
        "YE",
    }
    assert members(grey, "2026-07-01") == june_2026
    assert len(members(grey, "2025-11-01")) == 20
    assert "TR" in members(grey, "2024-06-27") and "TR" not in members(grey, "2024-06-28")
    assert "AE" in members(grey, "2023-01-01") and "AE" not in members(grey, "2024-03-01")


def test_as_of_answers_listed_not_listed_and_unknown() -> None:
    black = load("fatf_call_for_action")
    assert black.status("MM", date(2022, 10, 20)).status is Status.NOT_LISTED
    assert black.status("MM", date(2022, 10, 21)).status is Status.LISTED
    assert black.status("DE", date(2026, 1, 1)).status is Status.NOT_LISTED
    assert black.status("DE", date(2021, 1, 1)).status is Status.UNKNOWN  # before history_from
    un = load("sanctions_un")
    assert un.coverage == "listed"
    assert un.status("DE", date(2026, 1, 1)).status is Status.UNKNOWN  # not assessed


def test_lifted_programmes_and_regions_score_by_date() -> None:
    us = load("sanctions_us")
    assert us.status("SY", date(2025, 6, 30)).status is Status.LISTED
    assert us.status("SY", date(2025, 7, 1)).status is Status.NOT_LISTED
    assert us.status("UA-43", date(2015, 1, 1)).status is Status.LISTED
    assert us.status("UA-23", date(2026, 1, 1)).status is Status.NOT_LISTED  # no US determination
    eu = load("sanctions_eu")
    assert eu.status("UA-23", date(2022, 10, 6)).status is Status.LISTED
    assert eu.status("SY", date(2025, 5, 28)).status is Status.NOT_LISTED
    assert load("fatf_suspended_members").status("RU", date(2023, 2, 24)).status is Status.LISTED


def test_review_horizon_and_product_prefix_matching() -> None:
    grey = load("fatf_increased_monitoring")
    assert grey.review_horizon > grey.reviewed
    chpl = load("chpl_products")
    assert [e.code for e in chpl.product_entries("85423190")] == ["854231"]
    assert {e.code for e in chpl.product_entries("8542")} == {"854231", "854232", "854233", "854239"}
    assert chpl.product_entries("620342") == []


BAD_LIST = """\
id: bad
title: Bad
authority: X
sources: [{id: s, title: S}]
reviewed: 2024-01-01
review_interval_days: 30
history_from: 2020-01-01
entries:
  - code: DE
    periods:
      - listed: {date: 2021-01-01, source: s}
        delisted: {date: 2020-01-01, source: s}
  - code: Germny
    periods:
      - listed: {date: 2021-01-01, source: nowhere}
"""


def test_bad_list_file_reports_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD_LIST)
    with pytest.raises(PolicyError) as info:
        validate_located(JurisdictionList, load_file(path))
    text = str(info.value)
    assert f"{path}:11:" in text and "delisted date must be after the listed date" in text


def test_every_problem_of_a_list_file_is_located(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        BAD_LIST.replace("        delisted: {date: 2020-01-01, source: s}\n", "").replace(
            "sources: [{id: s, title: S}]", "sources: [{id: s, title: S}, {id: s, title: T}]"
        )
        + "  - code: deu\n    periods:\n      - listed: {date: 2021-01-01, source: s}\n"
    )
    with pytest.raises(PolicyError) as info:
        validate_located(JurisdictionList, load_file(path))
    found = {(i.line, i.key_path, i.message) for i in info.value.issues}
    assert found == {
        (4, "sources[1].id", "duplicate source id 's'"),
        (12, "entries[1].code", "unknown country or subdivision 'Germny' (did you mean 'Germany (DE)'?)"),
        (14, "entries[1].periods[0].listed", "cites unknown source 'nowhere'"),
        (15, "entries[2].code", "use the canonical code 'DE' for 'deu'"),
    }


def test_policy_exposes_applied_lists(policy: Policy) -> None:
    assert {"fatf_call_for_action", "sanctions_us", "chpl_products"} <= set(policy.lists)
