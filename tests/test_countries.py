"""Country normalisation: every form an onboarding system sends maps to one code, or fails."""

from __future__ import annotations

import pycountry
import pytest
from conftest import PolicyFactory

from riskscore import CounterpartyError, CountryError, Policy, RiskscoreError, normalize_country
from riskscore.columns import country_numbers
from riskscore.countries import _fold, country_name, parent_country


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("DE", "DE"),
        ("de", "DE"),
        ("DEU", "DE"),
        (276, "DE"),
        ("276", "DE"),
        ("076", "BR"),
        (76, "BR"),
        ("Germany", "DE"),
        ("  germany ", "DE"),
        ("Türkiye", "TR"),
        ("Turkiye", "TR"),
        ("Turkey", "TR"),
        ("Russia", "RU"),
        ("Russian Federation", "RU"),
        ("Iran", "IR"),
        ("North Korea", "KP"),
        ("South Korea", "KR"),
        ("Burma", "MM"),
        ("Ivory Coast", "CI"),
        ("Côte d'Ivoire", "CI"),
        ("Syria", "SY"),
        ("Laos", "LA"),
        ("Vietnam", "VN"),
        ("UAE", "AE"),
        ("UK", "GB"),
        ("USA", "US"),
        ("United States", "US"),
        ("XK", "XK"),
        ("Kosovo", "XK"),
        ("XKX", "XK"),
        ("UA-43", "UA-43"),
        ("ua-40", "UA-40"),
        ("UA-14", "UA-14"),
        ("UA-09", "UA-09"),
        ("UA-23", "UA-23"),
        ("UA-65", "UA-65"),
        ("Crimea", "UA-43"),
        ("Sevastopol", "UA-40"),
    ],
)
def test_forms_map_to_one_code(value: object, code: str) -> None:
    assert normalize_country(value) == code


@pytest.mark.parametrize("value", ["", "ZZ", "Atlantis", "UA-99", "XX-01", "Korea", None, True, 3.5, 999])
def test_unknown_values_are_refused_never_defaulted(value: object) -> None:
    with pytest.raises(CountryError) as info:
        normalize_country(value)
    assert isinstance(info.value, LookupError)
    assert isinstance(info.value, RiskscoreError)


def test_error_suggests_a_close_match_and_names_the_path() -> None:
    with pytest.raises(CountryError) as info:
        normalize_country("Germny", path="owners[2].country")
    assert info.value.suggestion == "Germany (DE)"
    assert str(info.value).startswith("owners[2].country: unknown country or subdivision 'Germny'")
    assert "did you mean 'Germany (DE)'" in str(info.value)


def test_subdivisions_know_their_country_and_name() -> None:
    assert parent_country("UA-43") == "UA"
    assert parent_country("DE") == "DE"
    assert "Krym" in country_name("UA-43")
    assert country_name("XK") == "Kosovo"


# Issue 8: ISO 3166-2 codes of territories with their own ISO 3166-1 code scored as the parent.
TERRITORIES = [
    ("CN-HK", "HK"),
    ("CN-MO", "MO"),
    ("CN-TW", "TW"),
    ("US-PR", "PR"),
    ("US-VI", "VI"),
    ("US-GU", "GU"),
    ("US-AS", "AS"),
    ("US-MP", "MP"),
    ("US-UM", "UM"),
    ("NL-AW", "AW"),
    ("NL-CW", "CW"),
    ("NL-SX", "SX"),
    ("NL-BQ1", "BQ-BO"),
    ("NO-21", "SJ"),
    ("NO-22", "SJ"),
    ("FI-01", "AX"),
    ("FR-BL", "BL"),
    ("FR-MF", "MF"),
    ("FR-PM", "PM"),
    ("FR-WF", "WF"),
    ("FR-PF", "PF"),
    ("FR-NC", "NC"),
    ("FR-TF", "TF"),
    ("FR-971", "GP"),
    ("FR-972", "MQ"),
    ("FR-973", "GF"),
    ("FR-974", "RE"),
    ("FR-976", "YT"),
    ("FR-GP", "GP"),  # former overseas-region codes (pycountry 23.12 still has them)
    ("FR-RE", "RE"),
    ("cn-hk", "HK"),
    ("FR-CP", "FR-CP"),  # Clipperton: no ISO 3166-1 code of its own
    ("US-GA", "US-GA"),  # the state of Georgia, not GE
    ("ES-CE", "ES-CE"),  # Ceuta: EA is only reserved
]


@pytest.mark.parametrize(("value", "code"), TERRITORIES)
def test_subdivision_codes_give_the_territorys_own_code_if_it_has_one(value: str, code: str) -> None:
    assert normalize_country(value) == code


@pytest.mark.filterwarnings("ignore::UserWarning")  # pycountry < 24: a missing common_name
def test_no_subdivision_named_like_another_country_is_left_unmapped() -> None:
    """A pycountry subdivision sharing a country's name is a mapped territory or a known namesake."""
    namesakes = {"BE-WLX", "GN-ML", "NG-NI", "US-GA"}  # Luxembourg province, Mali prefecture, ...
    by_name = {}
    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            if getattr(c, attr, None):
                by_name[_fold(getattr(c, attr))] = c.alpha_2
    for sub in pycountry.subdivisions:
        other = by_name.get(_fold(sub.name))
        if other is None or other == sub.country_code or sub.code in namesakes:
            continue
        assert normalize_country(sub.code) == other, sub.code


@pytest.mark.parametrize(("sub", "own"), [("CN-HK", "HK"), ("US-PR", "PR"), ("NL-CW", "CW"), ("NO-21", "SJ")])
def test_territory_codes_score_as_the_territory_in_score_and_score_many(
    make_policy: PolicyFactory, sub: str, own: str
) -> None:
    policy = make_policy(code=own)  # the territory listed (40 points), its parent not
    parent = sub[:2]
    records = [{"id": c, "incorporation": c} for c in (sub, own, parent)]
    rows = [policy.score(r, "2025-01-01").score for r in records]
    batch = policy.score_many(records, "2025-01-01")
    assert rows[0] == rows[1] > rows[2]
    assert list(batch.scores) == rows


# Issue 8: "Congo" silently became CG; names meaning more than one country are refused.
@pytest.mark.parametrize(
    ("value", "candidates"),
    [
        ("Congo", {"CG", "CD"}),
        ("congo", {"CG", "CD"}),
        ("The Congo", {"CG", "CD"}),
        ("Korea", {"KR", "KP"}),
        ("Virgin Islands", {"VG", "VI"}),
        ("Saint Martin", {"MF", "SX"}),
        ("St. Martin", {"MF", "SX"}),
        ("Channel Islands", {"GG", "JE"}),
        ("Netherlands Antilles", {"BQ", "CW", "SX"}),
    ],
)
def test_ambiguous_names_are_refused_with_every_candidate(value: str, candidates: set[str]) -> None:
    with pytest.raises(CountryError) as info:
        normalize_country(value, path="incorporation")
    assert info.value.code == "ambiguous-country"
    assert set(info.value.candidates) == candidates
    assert info.value.path == "incorporation"
    assert all(f"({c})" in str(info.value) for c in candidates)


def test_an_ambiguous_country_is_a_located_counterparty_error_in_score_and_score_many(policy: Policy) -> None:
    record = {"id": "c1", "incorporation": "DE", "owners": [{"country": "Congo", "share": 0.5}]}
    with pytest.raises(CounterpartyError) as one:
        policy.score(record, "2026-01-01")
    assert one.value.path == "owners[0].country"
    assert "(CG)" in str(one.value) and "(CD)" in str(one.value)
    batch = policy.score_many([record, {"id": "c2", "incorporation": "DE"}], "2026-01-01", errors="collect")
    assert [e.path for e in batch.errors if isinstance(e, CounterpartyError)] == ["owners[0].country"]
    assert "(CD)" in str(batch.errors[0])
    with pytest.raises(CountryError) as cols:
        country_numbers(["DE", "Congo"])
    assert cols.value.code == "ambiguous-country"


@pytest.mark.filterwarnings("ignore::UserWarning")  # pycountry < 24: a missing common_name
def test_iso_names_and_codes_all_map_to_their_country_except_ambiguous_names() -> None:
    for c in pycountry.countries:
        for value in (c.alpha_2, c.alpha_3, c.numeric, c.name, getattr(c, "official_name", None)):
            if value is None:
                continue
            if value == "Congo":
                with pytest.raises(CountryError):
                    normalize_country(value)
            else:
                assert normalize_country(value) == c.alpha_2, value


# Issue 8: the World Bank / IMF / UN spellings forms copy, and the EU's EL for Greece.
@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("Korea, Dem. People's Rep.", "KP"),
        ("Korea, Democratic People's Republic of", "KP"),
        ("Korea, Rep.", "KR"),
        ("Congo, Dem. Rep.", "CD"),
        ("Congo, Rep.", "CG"),
        ("Democratic Republic of Congo", "CD"),
        ("Republic of Congo", "CG"),
        ("Iran, Islamic Rep.", "IR"),
        ("Iran (Islamic Republic of)", "IR"),
        ("Russian Fed.", "RU"),
        ("Egypt, Arab Rep.", "EG"),
        ("Venezuela, RB", "VE"),
        ("Venezuela (Bolivarian Republic of)", "VE"),
        ("Yemen, Rep.", "YE"),
        ("Lao PDR", "LA"),
        ("Gambia, The", "GM"),
        ("The Bahamas", "BS"),
        ("Bahamas, The", "BS"),
        ("Micronesia, Fed. Sts.", "FM"),
        ("Hong Kong SAR, China", "HK"),
        ("Macao SAR, China", "MO"),
        ("Taiwan Province of China", "TW"),
        ("Kyrgyz Republic", "KG"),
        ("Slovak Republic", "SK"),
        ("Czech Rep.", "CZ"),
        ("Turkiye", "TR"),
        ("Syrian Arab Republic", "SY"),
        ("St. Kitts and Nevis", "KN"),
        ("St Kitts & Nevis", "KN"),
        ("St. Lucia", "LC"),
        ("St. Vincent and the Grenadines", "VC"),
        ("St. Martin (French part)", "MF"),
        ("West Bank and Gaza", "PS"),
        ("Cabo Verde", "CV"),
        ("Czechia", "CZ"),
        ("Cote d'Ivoire", "CI"),
        ("Curacao", "CW"),
        ("Sao Tome and Principe", "ST"),
        ("Guinea Bissau", "GW"),
        ("Virgin Islands (U.S.)", "VI"),
        ("US Virgin Islands", "VI"),
        ("U.S. Virgin Islands", "VI"),
        ("United States Virgin Islands", "VI"),
        ("British Virgin Islands", "VG"),
        ("EL", "GR"),
        ("el", "GR"),
        ("UK", "GB"),
    ],
)
def test_world_bank_imf_un_and_eu_spellings_are_accepted(value: str, code: str) -> None:
    assert normalize_country(value) == code


# Issue 8: "US Virgin Islands" suggested the British Virgin Islands; near misses suggest only a clear winner.
@pytest.mark.parametrize(
    "value",
    [
        "Narnia",  # nothing is close
        "Tobago",  # Togo is similar in letters only
        "Austrlia",  # as close to Austria as to Australia
        "Nigera",  # Nigeria or Niger
        "Republic of Chna",  # Chad, Chile, China all close
    ],
)
def test_no_suggestion_unless_one_country_is_clearly_closest(value: str) -> None:
    with pytest.raises(CountryError) as info:
        normalize_country(value)
    assert info.value.code == "unknown-country"
    assert info.value.suggestion is None


@pytest.mark.parametrize(
    ("value", "suggestion"),
    [("Germny", "Germany (DE)"), ("Swizerland", "Switzerland (CH)"), ("US Virgin Isles", "Virgin Islands, U.S. (VI)")],
)
def test_a_clear_near_miss_is_suggested(value: str, suggestion: str) -> None:
    with pytest.raises(CountryError) as info:
        normalize_country(value)
    assert info.value.suggestion == suggestion


def test_the_subdivision_codes_read_from_pycountrys_file_are_pycountrys(monkeypatch: pytest.MonkeyPatch) -> None:
    from riskscore import countries

    known = countries._subdivision_codes()
    assert known == frozenset(s.code.upper() for s in pycountry.subdivisions)
    # without the file, pycountry is asked code by code, with the same answers
    monkeypatch.setattr(countries, "_subdivision_codes", lambda: None)
    countries._subdivision.cache_clear()
    try:
        for code in ("UA-43", "RU-MOW", "US-CA", "UA-99", "DE-ZZ"):
            assert countries._subdivision(code) == (code if code in known else None)
    finally:
        countries._subdivision.cache_clear()


def test_product_numbers_refuses_a_malformed_hs_code_with_a_counterparty_error_at_its_position() -> None:
    from riskscore.columns import product_codes, product_numbers

    assert product_codes(product_numbers(iter(["8542.31", "01"]))) == ["854231", "01"]
    for values, at in ((["01", "abc"], "[1]"), (["123"], "[0]"), (["01", "02", None], "[2]"), ([12], "[0]")):
        with pytest.raises(CounterpartyError) as bad:
            product_numbers(values)
        assert bad.value.path == at and "malformed HS code" in str(bad.value)
