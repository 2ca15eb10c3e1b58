"""Country normalisation: what onboarding forms give, turned into one code.

Accepted: ISO 3166-1 alpha-2 (``DE``), alpha-3 (``DEU``), numeric (``276``, ``"076"``),
English short, official and common names in any case and with or without accents
(``"Türkiye"``, ``"turkiye"``), the common aliases pycountry does not know (``"Turkey"``,
``"Russia"``, ``"Burma"``, ``"UAE"``, ...), the user-assigned ``XK`` (Kosovo), and ISO
3166-2 subdivision codes (``UA-43`` Crimea). The result is the alpha-2 code, ``XK``, or
the subdivision code. Anything else raises :class:`~riskscore.CountryError`, with a "did
you mean" suggestion where one is close; there is no default.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import lru_cache

import pycountry

from .errors import CountryError

__all__ = ["country_name", "is_subdivision", "known_countries", "normalize_country", "parent_country"]

# Names pycountry does not carry (as of pycountry 26.x). Keys are folded (see _fold).
_ALIASES: dict[str, str] = {
    "turkey": "TR",
    "russia": "RU",
    "iran": "IR",
    "north korea": "KP",
    "dprk": "KP",
    "korea, north": "KP",
    "south korea": "KR",
    "korea, south": "KR",
    "republic of korea": "KR",
    "burma": "MM",
    "ivory coast": "CI",
    "syria": "SY",
    "laos": "LA",
    "lao pdr": "LA",
    "vietnam": "VN",
    "viet nam": "VN",
    "uae": "AE",
    "emirates": "AE",
    "uk": "GB",
    "u.k.": "GB",
    "great britain": "GB",
    "britain": "GB",
    "united kingdom": "GB",
    "usa": "US",
    "u.s.": "US",
    "u.s.a.": "US",
    "united states of america": "US",
    "america": "US",
    "czech republic": "CZ",
    "macedonia": "MK",
    "moldova": "MD",
    "bolivia": "BO",
    "venezuela": "VE",
    "tanzania": "TZ",
    "taiwan": "TW",
    "palestine": "PS",
    "vatican": "VA",
    "holy see": "VA",
    "brunei": "BN",
    "cape verde": "CV",
    "swaziland": "SZ",
    "east timor": "TL",
    "drc": "CD",
    "dr congo": "CD",
    "democratic republic of the congo": "CD",
    "congo-kinshasa": "CD",
    "congo-brazzaville": "CG",
    "republic of the congo": "CG",
    "holland": "NL",
    "the netherlands": "NL",
    "micronesia": "FM",
    "british virgin islands": "VG",
    "hong kong": "HK",
    "macau": "MO",
    "macao": "MO",
    "prc": "CN",
    "kosovo": "XK",
    "crimea": "UA-43",
    "sevastopol": "UA-40",
}

# User-assigned code in common use (EU, IMF, SWIFT); not in ISO 3166-1 or pycountry.
_EXTRA_COUNTRIES = {"XK": ("XKX", "Kosovo")}

_SUBDIVISION = re.compile(r"^([A-Z]{2})-([A-Z0-9]{1,3})$")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().replace("’", "'").split())


def _build_index() -> tuple[dict[str, str], dict[str, str]]:
    index: dict[str, str] = {}
    names: dict[str, str] = {}
    for c in pycountry.countries:
        code = c.alpha_2
        names[code] = getattr(c, "common_name", None) or c.name
        index[code.casefold()] = code
        index[c.alpha_3.casefold()] = code
        index[c.numeric] = code
        for attr in ("name", "official_name", "common_name"):
            value = getattr(c, attr, None)
            if value:
                index.setdefault(_fold(value), code)
    for code, (alpha_3, name) in _EXTRA_COUNTRIES.items():
        names[code] = name
        index[code.casefold()] = code
        index[alpha_3.casefold()] = code
    for alias, code in _ALIASES.items():
        index[_fold(alias)] = code
    return index, names


_INDEX, _NAMES = _build_index()


@lru_cache(maxsize=4096)
def _subdivision(code: str) -> str | None:
    m = _SUBDIVISION.match(code)
    if not m or m.group(1) not in _NAMES:
        return None
    return code if pycountry.subdivisions.get(code=code) is not None else None  # type: ignore[no-untyped-call]


def _suggest(text: str) -> str | None:
    folded = _fold(text)
    keys = [k for k in _INDEX if len(k) > 3]
    match = difflib.get_close_matches(folded, keys, n=1, cutoff=0.8)
    if match:
        code = _INDEX[match[0]]
        return f"{country_name(code)} ({code})"
    return None


@lru_cache(maxsize=8192)
def _normalize(value: str) -> str:
    text = value.strip()
    if not text:
        raise CountryError(value)
    upper = text.upper()
    if "-" in upper and _SUBDIVISION.match(upper):
        sub = _subdivision(upper)
        if sub is None:
            raise CountryError(value, _suggest(text))
        return sub
    if text.isdigit():
        text = text.zfill(3)
    code = _INDEX.get(_fold(text))
    if code is None:
        raise CountryError(value, _suggest(text))
    return code


def normalize_country(value: object, path: str = "") -> str:
    """Return the canonical code for ``value`` or raise :class:`~riskscore.CountryError`.

    ``path`` (such as ``owners[1].country``) is named in the error message.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise CountryError(value, path=path)
    try:
        return _normalize(str(value))
    except CountryError as exc:
        if path:
            raise CountryError(value, exc.suggestion, path) from None
        raise


def is_subdivision(code: str) -> bool:
    """True for a canonical ISO 3166-2 subdivision code such as ``UA-43``."""
    return len(code) > 2 and code[2] == "-"


def parent_country(code: str) -> str:
    """The country a canonical code belongs to (itself for a country)."""
    return code[:2]


def country_name(code: str) -> str:
    """An English display name for a canonical code."""
    if is_subdivision(code):
        sub = pycountry.subdivisions.get(code=code)  # type: ignore[no-untyped-call]
        return f"{sub.name} ({_NAMES[code[:2]]})" if sub else code
    return _NAMES.get(code, code)


def known_countries() -> tuple[str, ...]:
    """Every country code riskscore recognises (alpha-2 plus ``XK``), sorted."""
    return tuple(sorted(_NAMES))
