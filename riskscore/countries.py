"""Country normalisation: what onboarding forms give, turned into one code.

Accepted: ISO 3166-1 alpha-2 (``DE``), alpha-3 (``DEU``), numeric (``276``, ``"076"``),
English short, official and common names in any case and with or without accents
(``"Türkiye"``, ``"turkiye"``), the common aliases pycountry does not know (``"Turkey"``,
``"Russia"``, ``"Burma"``, ``"UAE"``, ...), the World Bank, IMF and UN spellings forms copy
(``"Korea, Rep."``, ``"Congo, Dem. Rep."``, ``"Iran (Islamic Republic of)"``), the EU's
``EL`` (Greece) and ``UK``, the user-assigned ``XK`` (Kosovo), and ISO 3166-2 subdivision
codes (``UA-43`` Crimea). Names are compared case-, accent- and punctuation-blind: dots
are dropped, ``&`` is ``and``, hyphens are spaces, ``St`` is ``Saint``, and a leading
``The`` or trailing ``, The`` is ignored.

The result is the alpha-2 code, ``XK``, or the subdivision code. The subdivision codes of
territories that have their own alpha-2 (``CN-HK``, ``US-PR``, ``NL-CW``, ``NO-21``, ...)
give that alpha-2, so they score as the territory, not as its parent. A name that means
more than one country (``"Congo"``, ``"Korea"``, ``"Virgin Islands"``) is refused with
every candidate, and so is anything else, with a "did you mean" only when one country is
clearly closest; there is no default.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
import warnings
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
    # EU usage (Interinstitutional Style Guide): EL for Greece, UK (above) for the United Kingdom.
    "el": "GR",
    # World Bank (WDI) names, including its "Name, Abbrev." forms.
    "bahamas, the": "BS",
    "congo, dem. rep.": "CD",
    "congo, rep.": "CG",
    "egypt, arab rep.": "EG",
    "gambia, the": "GM",
    "hong kong sar, china": "HK",
    "iran, islamic rep.": "IR",
    "korea, dem. people's rep.": "KP",
    "korea, rep.": "KR",
    "macao sar, china": "MO",
    "micronesia, fed. sts.": "FM",
    "venezuela, rb": "VE",
    "virgin islands (u.s.)": "VI",
    "west bank and gaza": "PS",
    "yemen, rep.": "YE",
    # IMF names.
    "congo, democratic republic of the": "CD",
    "congo, republic of": "CG",
    "egypt, arab republic of": "EG",
    "hong kong sar": "HK",
    "macao sar": "MO",
    "micronesia, fed. states of": "FM",
    "taiwan province of china": "TW",
    "yemen, republic of": "YE",
    # UN (M49) names.
    "china, hong kong special administrative region": "HK",
    "china, macao special administrative region": "MO",
    "iran (islamic republic of)": "IR",
    "venezuela (bolivarian republic of)": "VE",
    "bolivia (plurinational state of)": "BO",
    "micronesia (federated states of)": "FM",
    "netherlands (kingdom of the)": "NL",
    "united states virgin islands": "VI",
    "wallis and futuna islands": "WF",
    "svalbard and jan mayen islands": "SJ",
    # Other common forms.
    "russian fed.": "RU",
    "korea, dem. rep.": "KP",
    "korea, democratic people's republic": "KP",
    "democratic people's republic of korea": "KP",
    "dpr korea": "KP",
    "korea (north)": "KP",
    "korea (south)": "KR",
    "democratic republic of congo": "CD",
    "congo, democratic republic": "CD",
    "republic of congo": "CG",
    "congo, republic of the": "CG",
    "us virgin islands": "VI",
    "hong kong, china": "HK",
    "macao, china": "MO",
    "macau, china": "MO",
    "macau sar": "MO",
    "taiwan, china": "TW",
    "chinese taipei": "TW",
    "palestinian territories": "PS",
    "occupied palestinian territory": "PS",
    "vatican city": "VA",
    "saint helena": "SH",
    "aland": "AX",
    "svalbard": "SJ",
    "jan mayen": "SJ",
    "sint maarten": "SX",
    "st. maarten": "SX",
    "uk virgin islands": "VG",
    "hongkong": "HK",
    "macedonia, fyr": "MK",
    "fyr macedonia": "MK",
    "korea dpr": "KP",
}

# Names that mean more than one country: refused with every candidate, never guessed.
# "Congo" is the ISO short name of CG, but forms that say "Congo" often mean the DRC (CD);
# the IMF's "Korea" is the Republic of Korea, other sources' the peninsula. "Republic of
# China" is Taiwan's official name, often written for the People's Republic.
_AMBIGUOUS: dict[str, tuple[str, ...]] = {
    "congo": ("CG", "CD"),
    "korea": ("KR", "KP"),
    "virgin islands": ("VG", "VI"),
    "saint martin": ("MF", "SX"),
    "channel islands": ("GG", "JE"),
    "netherlands antilles": ("BQ", "CW", "SX"),
    "dominican": ("DO", "DM"),
    "republic of china": ("TW", "CN"),
}

# ISO 3166-2 codes of territories that ISO 3166-1 also lists as countries ("see also the
# separate country code element" in ISO 3166-2). Scoring them as their parent would hide a
# listing of the territory itself, so each maps to its own code (BQ's islands to theirs).
# Clipperton (FR-CP) has no code of its own and stays a French subdivision. FR-GF, FR-GP,
# FR-MQ, FR-RE and FR-YT are the former overseas-region codes, still in pycountry 23.12.
_TERRITORIES: dict[str, str] = {
    "CN-HK": "HK",
    "CN-MO": "MO",
    "CN-TW": "TW",
    "FI-01": "AX",
    "FR-971": "GP",
    "FR-972": "MQ",
    "FR-973": "GF",
    "FR-974": "RE",
    "FR-976": "YT",
    "FR-GF": "GF",
    "FR-GP": "GP",
    "FR-MQ": "MQ",
    "FR-RE": "RE",
    "FR-YT": "YT",
    "FR-BL": "BL",
    "FR-MF": "MF",
    "FR-NC": "NC",
    "FR-PF": "PF",
    "FR-PM": "PM",
    "FR-TF": "TF",
    "FR-WF": "WF",
    "NL-AW": "AW",
    "NL-BQ1": "BQ-BO",
    "NL-BQ2": "BQ-SA",
    "NL-BQ3": "BQ-SE",
    "NL-CW": "CW",
    "NL-SX": "SX",
    "NO-21": "SJ",
    "NO-22": "SJ",
    "US-AS": "AS",
    "US-GU": "GU",
    "US-MP": "MP",
    "US-PR": "PR",
    "US-UM": "UM",
    "US-VI": "VI",
}

# User-assigned code in common use (EU, IMF, SWIFT); not in ISO 3166-1 or pycountry.
_EXTRA_COUNTRIES = {"XK": ("XKX", "Kosovo")}

_SUBDIVISION = re.compile(r"^([A-Z]{2})-([A-Z0-9]{1,3})$")


_PUNCTUATION = str.maketrans({"’": "'", ".": "", "&": " and ", "-": " "})
_WORDS = {"st": "saint", "rep": "republic", "dem": "democratic"}  # abbreviations in country names
_THE = re.compile(r"^\s*the\s+|\s*,\s*the\s*$")


def _fold(text: str) -> str:
    """The lookup key of a name: case, accents, dots, ``&``, hyphens and ``The`` ignored;
    ``St``, ``Rep`` and ``Dem`` read as ``Saint``, ``Republic`` and ``Democratic``."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = _THE.sub("", stripped.casefold().translate(_PUNCTUATION)).split()
    if len(words) > 1:  # "ST" alone is Sao Tome and Principe's code
        words = [_WORDS.get(w, w) for w in words]
    return " ".join(words)


def _build_index() -> tuple[dict[str, str], dict[str, str]]:
    with warnings.catch_warnings():  # pycountry < 24 warns on each missing common_name and gives the name
        warnings.simplefilter("ignore", UserWarning)
        return _index()


def _index() -> tuple[dict[str, str], dict[str, str]]:
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
    for name in _AMBIGUOUS:
        index.pop(_fold(name), None)
    return index, names


_INDEX, _NAMES = _build_index()
_AMBIGUOUS_INDEX = {_fold(name): codes for name, codes in _AMBIGUOUS.items()}


@lru_cache(maxsize=4096)
def _subdivision(code: str) -> str | None:
    m = _SUBDIVISION.match(code)
    if not m or m.group(1) not in _NAMES:
        return None
    if code in _TERRITORIES:
        return _TERRITORIES[code]
    return code if pycountry.subdivisions.get(code=code) is not None else None  # type: ignore[no-untyped-call]


SUGGEST_CUTOFF = 0.85
"""Least similarity (difflib ratio, 0..1) of a refused name to a known one for a "did you mean"."""
SUGGEST_MARGIN = 0.05
"""How much closer the suggested country must be than any other: near-ties suggest nothing."""


def _suggest(text: str) -> str | None:
    """A "did you mean" for a refused value: only a clear, close winner, else nothing.

    A wrong neighbour is worse than no suggestion: at 0.8, first match wins, 0.1 offered the
    British Virgin Islands for "US Virgin Islands", Togo for "Tobago" and Australia for
    "Austrlia" (as close to Austria).
    """
    folded = _fold(text)
    if len(folded) <= 3:
        return None
    best: dict[str, float] = {}
    matcher = difflib.SequenceMatcher(b=folded, autojunk=False)
    for key, code in _INDEX.items():
        if len(key) <= 3:
            continue
        matcher.set_seq1(key)
        if matcher.real_quick_ratio() < SUGGEST_CUTOFF or matcher.quick_ratio() < SUGGEST_CUTOFF:
            continue
        ratio = matcher.ratio()
        if ratio > best.get(code, 0.0):
            best[code] = ratio
    ranked = sorted(best.items(), key=lambda item: -item[1])
    if not ranked or ranked[0][1] < SUGGEST_CUTOFF:
        return None
    if len(ranked) > 1 and ranked[1][1] > ranked[0][1] - SUGGEST_MARGIN:
        return None
    return _display(ranked[0][0])


def _display(code: str) -> str:
    return f"{country_name(code)} ({code})"


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
    folded = _fold(text)
    candidates = _AMBIGUOUS_INDEX.get(folded)
    if candidates:
        raise CountryError(value, " or ".join(_display(c) for c in candidates), candidates=candidates)
    code = _INDEX.get(folded)
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
            raise CountryError(value, exc.suggestion, path, exc.candidates) from None
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
