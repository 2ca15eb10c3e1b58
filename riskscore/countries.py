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
clearly closest; there is no default. The alias, ambiguous-name and territory tables are in
:mod:`riskscore._country_names`.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
import warnings
from functools import lru_cache

import pycountry

from ._country_names import _ALIASES, _AMBIGUOUS, _EXTRA_COUNTRIES, _TERRITORIES
from .errors import CountryError

__all__ = ["country_name", "is_subdivision", "known_countries", "normalize_country", "parent_country"]

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
    known = _subdivision_codes()
    if known is not None:
        return code if code in known else None
    return code if pycountry.subdivisions.get(code=code) is not None else None  # type: ignore[no-untyped-call]


@lru_cache(maxsize=1)
def _subdivision_codes() -> frozenset[str] | None:
    """Every ISO 3166-2 code pycountry knows, read from its database file (the file its
    ``subdivisions`` database loads) without building its 5,000 objects: a few ms instead
    of ~60 ms at the first subdivision a process checks. ``None`` (then pycountry is asked
    code by code) if the file is not where and as pycountry declares it."""
    db = pycountry.subdivisions
    try:
        with open(db.filename, encoding="utf-8") as f:
            entries = json.load(f)[db.root_key]
        return frozenset(e["code"].upper() for e in entries)
    except (AttributeError, OSError, KeyError, TypeError, ValueError):
        return None


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
