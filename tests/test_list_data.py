"""The shipped list data: the corrections of 2026-12 (F*, E*, S*), primary citations, date
precision in explanations, history back to each programme's start, and unknown-is-not-low."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from riskscore import JurisdictionList, Policy, SourceRef, Status
from riskscore._yaml import load_file
from riskscore.policy import validate_located
from riskscore.result import format_date, format_since

RULES = Path(__file__).resolve().parent.parent / "rules" / "lists"


def load(name: str) -> JurisdictionList:
    return validate_located(JurisdictionList, load_file(RULES / f"{name}.yaml"))


def status(lst: JurisdictionList, code: str, on: str) -> Status:
    return lst.status(code, date.fromisoformat(on)).status


def members(lst: JurisdictionList, on: str) -> set[str]:
    return {e.code for e in lst.entries if status(lst, e.code, on) is Status.LISTED}


def first_listing(lst: JurisdictionList, code: str) -> Any:
    return next(e for e in lst.entries if e.code == code).periods[0]


# -- FATF (F1-F10)


def test_myanmar_was_on_the_2022_grey_list_until_it_moved_to_the_black_list() -> None:  # F2
    grey = load("fatf_increased_monitoring")
    assert status(grey, "MM", "2022-06-01") is Status.LISTED
    assert status(grey, "MM", "2022-10-21") is Status.NOT_LISTED
    assert status(load("fatf_call_for_action"), "MM", "2022-10-21") is Status.LISTED
    mm = first_listing(grey, "MM").listed
    assert (mm.precision, mm.confidence) == ("on_or_before", "secondary")  # names rest on secondary sources
    # with Myanmar, the replay matches the published count of 23 after the March and June 2022 plenaries
    assert len(members(grey, "2022-03-04")) == len(members(grey, "2022-06-17")) == 23


def test_october_2023_grey_list_changes_take_effect_on_27_october() -> None:  # F3
    grey = load("fatf_increased_monitoring")
    assert status(grey, "BG", "2023-10-15") is Status.NOT_LISTED
    assert status(grey, "BG", "2023-10-28") is Status.LISTED
    for code in ("AL", "KY", "JO", "PA"):
        assert status(grey, code, "2023-10-15") is Status.LISTED
        assert status(grey, code, "2023-10-28") is Status.NOT_LISTED
    bg = first_listing(grey, "BG").listed
    assert (bg.date, bg.precision, bg.confidence) == (date(2023, 10, 27), "day", "secondary")
    assert len(members(grey, "2023-10-27")) == 23


def test_june_2026_changes_keep_a_secondary_date_and_south_sudan_note_is_fixed() -> None:  # F4, F6
    grey = load("fatf_increased_monitoring")
    assert all(first_listing(grey, c).listed.confidence == "secondary" for c in ("BA", "IQ"))
    ss = first_listing(grey, "SS").listed
    assert ss.precision == "on_or_before" and "2021-03-26" not in (ss.note or "")


def test_fatf_lists_do_not_claim_a_review_of_the_october_2026_plenary(policy: Policy) -> None:  # F1
    for name in ("fatf_call_for_action", "fatf_increased_monitoring", "fatf_suspended_members"):
        lst = load(name)
        assert lst.reviewed == date(2026, 6, 19) and lst.review_horizon == date(2026, 10, 27)
        assert "October 2026" in (lst.note or "")
    result = policy.score({"id": "x", "incorporation": "DE"}, "2026-12-01")
    assert any((w.code, w.list_id) == ("stale-list", "fatf_increased_monitoring") for w in result.warnings)


# -- EU high-risk third countries (E1-E8)


def test_eu_high_risk_membership_counts_over_time() -> None:  # E1
    eu = load("eu_high_risk_third_countries")
    assert eu.history_from == date(2023, 10, 18)
    counts = {d: len(members(eu, d)) for d in ("2023-10-18", "2024-02-07", "2025-08-05", "2026-01-29")}
    assert counts == {"2023-10-18": 29, "2024-02-07": 27, "2025-08-05": 29, "2026-01-29": 26}


def test_eu_high_risk_dates_are_closed_as_the_findings_say() -> None:  # E2-E8
    eu = load("eu_high_risk_third_countries")
    for code in ("SY", "TT", "VU", "YE"):  # E2: listed throughout, no unknown window in 2025
        assert status(eu, code, "2025-09-01") is Status.LISTED
        p = first_listing(eu, code).listed
        assert p.precision == "on_or_before" and p.date <= date(2024, 2, 7)
    vn = first_listing(eu, "VN").listed  # E3
    assert (vn.date, vn.precision, vn.confidence) == (date(2023, 10, 18), "day", "confirmed")
    expected = {  # E4: listing date and its confidence; all removed 2026-01-29
        "BF": (date(2022, 3, 13), "confirmed"),
        "ML": (date(2022, 3, 13), "confirmed"),
        "MZ": (date(2023, 3, 16), "secondary"),
        "TZ": (date(2023, 3, 16), "secondary"),
        "NG": (date(2023, 7, 16), "secondary"),
        "ZA": (date(2023, 7, 16), "secondary"),
    }
    for code, (listed, confidence) in expected.items():
        period = first_listing(eu, code)
        assert (period.listed.date, period.listed.precision, period.listed.confidence) == (listed, "day", confidence)
        assert period.delisted is not None and period.delisted.date == date(2026, 1, 29)
        assert status(eu, code, "2025-06-01") is Status.LISTED
    ss = first_listing(eu, "SS").listed  # E5
    assert (ss.date, ss.confidence, ss.source) == (date(2022, 3, 13), "confirmed", "eurlex_2022_229")
    mm = first_listing(eu, "MM").listed  # E6: no longer 'year', which showed MM listed from January 2020
    assert (mm.date, mm.precision, mm.confidence) == (date(2020, 10, 1), "on_or_before", "secondary")
    assert status(eu, "MM", "2020-03-01") is Status.UNKNOWN
    assert first_listing(eu, "RU").category == "annex_point_IV"  # E7
    assert status(eu, "RU", "2026-01-28") is Status.NOT_LISTED
    assert {"DZ", "NA"} <= members(eu, "2026-07-01")  # E8: no EU removal found
    for code in ("KY", "JO"):  # Delegated Regulation 2024/163
        assert status(eu, code, "2024-02-06") is Status.LISTED
        assert status(eu, code, "2024-02-07") is Status.NOT_LISTED


def test_eu_facts_cite_eur_lex_first() -> None:
    for name in ("eu_high_risk_third_countries", "extensive_sanctions_eu"):
        lst = load(name)
        for entry in lst.entries:
            for period in entry.periods:
                url = lst.source(period.listed.source).url or ""
                assert url.startswith("https://eur-lex.europa.eu/"), (name, entry.code, url)
    sources = {s.id: s for s in load("eu_high_risk_third_countries").sources}
    assert sources["eurlex_2023_2070"].url == "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32023R2070"
    assert "cited, not seen" in (sources["eurlex_2025_1184"].note or "")


# -- sanctions (S1-S11)


def test_extensive_regimes_hold_iran_dprk_and_venezuela_and_do_not_claim_full_coverage() -> None:  # S6
    eu = load("extensive_sanctions_eu")
    us = load("extensive_sanctions_us")
    assert eu.coverage == us.coverage == "listed"
    assert status(eu, "IR", "2026-07-01") is Status.LISTED
    assert status(eu, "KP", "2026-07-01") is Status.LISTED
    assert status(eu, "IR", "2025-09-29") is Status.UNKNOWN  # before the 2025 re-imposition: not researched
    assert status(us, "VE", "2026-07-01") is Status.LISTED
    assert first_listing(us, "VE").listed.confidence == "secondary"
    assert status(us, "DE", "2026-07-01") is Status.UNKNOWN  # not assessed, not "not listed"


def test_eu_belarus_cites_its_base_regulation() -> None:  # S7
    eu = load("extensive_sanctions_eu")
    by = first_listing(eu, "BY").listed
    assert by.date == date(2006, 5, 18) and by.precision == "day"
    assert "32006R0765" in (eu.source(by.source).url or "")


def test_uk_dates_follow_exit_day_and_the_2022_amendment() -> None:  # S9-S11
    ru = first_listing(load("extensive_sanctions_uk"), "RU").listed
    assert (ru.date, ru.confidence) == (date(2020, 12, 31), "secondary")
    uk = load("sanctions_uk")
    for code in ("UA-43", "UA-40"):
        p = first_listing(uk, code).listed
        assert (p.date, p.precision, p.confidence) == (date(2020, 12, 31), "day", "secondary")
    for code in ("UA-14", "UA-09"):
        assert status(uk, code, "2022-03-29") is Status.NOT_LISTED
        assert status(uk, code, "2022-03-30") is Status.LISTED
    assert first_listing(uk, "UA-65").listed.date == date(2023, 6, 20)  # stays as shipped


def test_syria_start_dates_and_judgment_notes() -> None:  # S1, S3
    us = first_listing(load("sanctions_us"), "SY")
    assert us.listed.date == date(2004, 5, 11) and us.listed.precision == "day"
    assert "EO 13582" in (us.listed.note or "") and "judgment call" in (us.listed.note or "")
    assert us.delisted is not None and us.delisted.date == date(2025, 7, 1)
    eu = first_listing(load("sanctions_eu"), "SY")
    assert (eu.listed.date, eu.listed.precision, eu.listed.confidence) == (date(2011, 5, 1), "month", "secondary")
    assert "2025/407" in (eu.delisted.note if eu.delisted else "")


# -- history back to the start of the programmes, and unknown is not low


def test_embargo_history_reaches_back_where_the_sources_allow() -> None:
    us = load("sanctions_us")
    assert status(us, "CU", "1990-06-01") is Status.LISTED
    assert status(us, "CU", "1963-07-07") is Status.UNKNOWN  # earlier measures exist; start not dated
    assert status(us, "IR", "2000-01-01") is Status.LISTED
    assert status(us, "IR", "1995-05-06") is Status.UNKNOWN
    assert status(us, "KP", "2021-06-01") is Status.UNKNOWN  # start of a comprehensive embargo not confirmable
    assert status(us, "UA-43", "2014-12-19") is Status.LISTED
    assert status(load("sanctions_eu"), "UA-43", "2014-06-23") is Status.LISTED


CUBA = {
    "id": "cu",
    "incorporation": "CU",
    "operations": ["CU"],
    "owners": [{"country": "CU", "share": 1.0}],
    "trade_partners": [{"country": "CU", "share": 1.0}],
    "products": [],
}


@pytest.mark.parametrize("as_of", ["2021-06-01", "1990-06-01", "1960-06-01"])
def test_cuba_is_never_low_on_past_dates_in_both_paths(policy: Policy, as_of: str) -> None:
    result = policy.score(CUBA, as_of)
    assert result.tier != "low"
    batch = policy.score_many([CUBA, dict(CUBA, id="de", incorporation="DE")], as_of)  # the vector path
    assert batch.mode == "vectorised"
    assert batch.scores[0] == result.score and batch.tier_ids[batch.tiers[0]] == result.tier
    assert batch.scores[1] == policy.score(dict(CUBA, id="de", incorporation="DE"), as_of).score
    if as_of == "1960-06-01":  # before any recorded status: the policy's unknown_points decide
        assert result.tier == "medium" and "status unknown on 'sanctions_us' (policy assumes 50 points)" in (
            result.contributions[0].reason
        )
    else:
        assert result.tier == "prohibited"


def test_default_policy_scores_unknown_on_every_complete_list(policy: Policy) -> None:
    mappings = policy._engine.mappings
    for lp, lst in mappings:
        if lst.coverage == "all":
            assert lp.unknown_points is not None and lp.unknown_points > 0, lst.id
    # a German company on a date before the lists' history is reviewed, not passed as low
    de = {"id": "de", "incorporation": "DE", "operations": ["DE"], "owners": [{"country": "DE", "share": 1.0}]}
    assert policy.score(dict(de, trade_partners=[{"country": "FR", "share": 1.0}]), "2021-06-01").tier == "medium"
    assert policy.score(dict(de, trade_partners=[{"country": "FR", "share": 1.0}]), "2026-07-01").tier == "low"


# -- precision and confidence reach the user


def test_dates_are_formatted_at_their_precision() -> None:
    d = date(2022, 1, 1)
    assert [format_date(d, p) for p in ("day", "month", "year", "on_or_before")] == [
        "2022-01-01",
        "2022-01 (month)",
        "2022 (year)",
        "on or before 2022-01-01",
    ]
    assert format_since(date(2011, 1, 1), "year") == "since 2011 (year)"
    assert format_since(d, "on_or_before") == "listed on or before 2022-01-01"
    ref = SourceRef(title="t", listed_on=date(2023, 10, 1), date_precision="month")
    assert ref.listed_text == "2023-10 (month)"


def test_explanations_show_date_precision_and_confidence(policy: Policy) -> None:
    kp = dict(CUBA, id="kp", incorporation="KP", operations=["KP"], owners=[{"country": "KP", "share": 1.0}])
    kp["trade_partners"] = []
    result = policy.score(kp, "2026-07-01")
    text = result.explain(detail="verbose")  # the facts say "since", the sources "listed"
    assert "since 2011 (year)" in text and "listed 2011 (year)" in text  # FATF countermeasures on the DPRK
    assert "US comprehensive embargoes (OFAC): countries and regions listed on or before 2022-01-01" in text
    assert "2011-01-01" not in text and "since 2022-01-01" not in text
    refs = [s for c in result.contributions for s in c.sources if s.list_id == "sanctions_us"]
    assert refs and all(s.date_precision == "on_or_before" for s in refs)
    cuba = policy.score(CUBA, "2026-07-01").explain(detail="verbose")
    assert "listed on or before 1963-07-08 [confidence: secondary]" in cuba
    assert policy.score_many([kp], "2026-07-01").scores[0] == result.score


def test_fatf_events_cite_the_fatf_statement_first() -> None:
    for name in ("fatf_increased_monitoring", "fatf_call_for_action", "fatf_suspended_members"):
        lst = load(name)
        for entry in lst.entries:
            for period in entry.periods:
                for event in (period.listed, period.delisted):
                    if event is None or event.precision == "on_or_before":
                        continue  # an on_or_before date is not a statement date
                    assert lst.source(event.source).title.startswith("FATF"), (name, entry.code, event.date)
