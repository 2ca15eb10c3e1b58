"""Country normalisation: every form an onboarding system sends maps to one code, or fails."""

from __future__ import annotations

import pytest

from riskscore import CountryError, RiskscoreError, normalize_country
from riskscore.countries import country_name, parent_country


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
