"""Hypothesis strategies for whole policies: dated lists, every rule kind, condition and override.

:func:`cases` draws a :class:`Case`: a few small generated list files (country and product
lists with dated, categorised, valued periods; subdivisions and their countries), a policy
using them (every rule kind, every condition operator and operand, every override action,
category, unknown and value points, declared custom attributes of each type), a batch of
counterparties (aliases, subdivisions, duplicates, empty and missing fields, shares summing
exactly to 1, some invalid rows) and as-of dates before, on and after the lists' changes.

Everything is drawn from small pools, so list dates, categories and countries meet: the
generated policies are meant to load (the test reports the fraction that does).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

CHANGES = [date(2021, 1, 1), date(2022, 3, 1), date(2023, 6, 15), date(2024, 6, 1)]
"""The dates list periods start and end on."""
AS_OF = sorted({d + timedelta(days=k) for d in CHANGES for k in (-1, 0, 1)} | {date(2019, 6, 1), date(2026, 1, 1)})
"""As-of dates: each change date, the day before and the day after, and two far ones."""
LIST_CODES = ["DE", "FR", "PL", "UA", "UA-43", "UA-14", "RU", "IR", "KP", "US", "US-CA", "TR"]
"""Canonical codes list entries use (UA-43 and UA-14 are subdivisions of UA, US-CA of US)."""
CP_COUNTRIES = [*LIST_CODES, "HU", "Turkey", "deu", "Ukraine", "Crimea", "276", "ua-43"]
"""Country values counterparties give: codes, names, alpha-3, numeric, lower case."""
HS_CODES = ["85", "8542", "854231", "8482", "848210", "62", "6203", "620342"]
CP_PRODUCTS = ["854231", "8542", "85", "8542.31", "88073000", "620342", "848210", "8542310001", "01"]
CATEGORIES = ["x", "y"]
POINTS = [0, 5, 10, 12.5, 20, 25, 33.333333333, 40, 50, 60, 80, 100, 0.1, 1 / 3]
NUMBERS = [0, 1, 2.5, 3, -1, 5, 10, 20, 25, 40, 50, 100, 19.999999999, 12.5, 1e-10, 0.1 + 0.2]
PATTERN = r"[A-U]|[0-9]{2}(\.[0-9]{1,2})?"
ATTRIBUTES: dict[str, dict[str, Any]] = {
    "a_bool": {"type": "boolean"},
    "a_num": {"type": "number"},
    "a_str": {"type": "string"},
    "a_enum": {"type": "enum", "values": ["x", "y", "z"]},
    "a_enum_n": {"type": "enum", "values": [1, 2.5, 3]},
    "a_pat": {"type": "pattern", "pattern": PATTERN},
}
"""The custom attributes a policy may declare, one of each type (two enums)."""
VALUES: dict[str, list[Any]] = {
    "boolean": [True, False],
    "number": [0, 1, 2.5, 3, -1, 2**53, 1e-10, 0.1 + 0.2, 2.5000000001, 20],
    "string": ["x", "abc", "46.90", "92", "y", "zz", ""],
    "enum": ["x", "y", "z"],
    "enum_n": [1, 2.5, 3, 1.0, 2.5000000001],
    "pattern": ["A", "46", "46.9", "92.00", "92"],
}
"""Valid values of each attribute type (``enum_n``: the numeric enum)."""
BAD_VALUES: dict[str, list[Any]] = {
    "boolean": ["yes", 1],
    "number": [True, "3", 2**53 + 1],
    "string": [3, True],
    "enum": ["w", 1],
    "enum_n": [2, "1"],
    "pattern": ["46.", "a", "9" * 101],
}
_CACHE: dict[str, st.SearchStrategy[Any]] = {}


def one(values: Any) -> st.SearchStrategy[Any]:
    """``st.sampled_from(values)``, built once per distinct ``values`` (building and validating
    a strategy on every draw made generation ten times slower)."""
    key = repr(values)
    found = _CACHE.get(key)
    if found is None:
        found = _CACHE[key] = st.sampled_from(list(values))
    return found


_OPS = ["gte", "gt", "lte", "lt", "eq", "ne"]
_ORDERING = {"gte", "gt", "lte", "lt"}


def _kind(name: str) -> str:
    """The value pool of a declared attribute."""
    spec = ATTRIBUTES[name]
    return "enum_n" if name == "a_enum_n" else str(spec["type"])


def _scalar_kind(name: str) -> str:
    """boolean, number or string: how values of the attribute compare."""
    return {"enum_n": "number", "enum": "string", "pattern": "string"}.get(_kind(name), _kind(name))


# ---------------------------------------------------------------- lists
@st.composite
def periods(draw: st.DrawFn, category: bool, value: bool) -> list[dict[str, Any]]:
    """1-2 non-overlapping periods on the change dates, the last one possibly open."""
    days = sorted(draw(st.sets(one(CHANGES), min_size=1, max_size=4)))
    out = []
    for k in range(0, len(days), 2):
        period: dict[str, Any] = {"listed": _event(draw, days[k], first=k == 0)}
        if k + 1 < len(days):
            period["delisted"] = _event(draw, days[k + 1], first=False)
        if category and draw(st.booleans()):
            period["category"] = draw(one(CATEGORIES))
        if value and draw(st.booleans()):
            period["value"] = draw(one([1, 2.5, 7, 0.3]))
        out.append(period)
    return out


def _event(draw: st.DrawFn, day: date, first: bool) -> dict[str, Any]:
    event: dict[str, Any] = {"date": day.isoformat(), "source": draw(one(["s0", "s1"]))}
    precisions = ["day", "month", "on_or_before"] if first else ["day", "month"]
    precision = draw(one(precisions))
    if precision != "day":
        event["precision"] = precision
    confidence = draw(one(["confirmed", "confirmed", "secondary", "unverified"]))
    if confidence != "confirmed":
        event["confidence"] = confidence
    return event


_PERIODS = {(c, v): periods(c, v) for c in (False, True) for v in (False, True)}


@st.composite
def jurisdiction_list(draw: st.DrawFn, list_id: str, kind: str) -> dict[str, Any]:
    """A list file (as data): dated entries of countries/subdivisions or of HS codes."""
    pool = LIST_CODES if kind == "country" else HS_CODES
    codes = draw(st.lists(one(pool), unique=True, max_size=6))
    category, value = draw(st.booleans()), kind == "country" and draw(st.booleans())
    data: dict[str, Any] = {
        "id": list_id,
        "title": f"List {list_id}",
        "authority": draw(one(["A", "B"])),
        "kind": kind,
        "sources": [{"id": "s0", "title": "Source 0", "url": "https://example.org/0"}, {"id": "s1", "title": "S1"}],
        "reviewed": draw(one(CHANGES[1:])).isoformat(),
        "review_interval_days": draw(one([30, 365, 1500])),
        "history_from": draw(one([date(2020, 1, 1), *CHANGES[:2]])).isoformat(),
        "coverage": draw(one(["all", "all", "listed"])),
        "entries": [
            {"code": code, "name": f"entry {code}", "periods": draw(_PERIODS[category, value])} for code in codes
        ],
    }
    if draw(st.integers(0, 4)) == 0:
        data["also_issued_by"] = ["C"]
    return data


# ---------------------------------------------------------------- conditions
@dataclass
class Scope:
    """What a condition may name: lists, categories, attributes, factors, the weighted score."""

    country_lists: list[str]
    product_lists: list[str]
    attributes: list[str] | None  # None: the policy declares none (attributes are untyped)
    factors: list[str]
    in_override: bool


def _attribute_names(scope: Scope) -> list[str]:
    return list(ATTRIBUTES) if scope.attributes is None else scope.attributes


def _numeric_operands(scope: Scope) -> st.SearchStrategy[Any]:
    key = f"operands {scope!r}"
    found = _CACHE.get(key)
    if found is None:
        found = _CACHE[key] = _operands(scope)
    return found


def _operands(scope: Scope) -> st.SearchStrategy[Any]:
    refs: list[st.SearchStrategy[Any]] = [
        one(NUMBERS),
        st.builds(dict, risk=one(["incorporation", "operations", "owners", "trade_partners"])),
        st.builds(dict, count=one(["operations", "owners", "trade_partners", "products"])),
    ]
    if scope.factors:
        refs.append(st.builds(dict, factor=one(scope.factors)))
    if scope.in_override:
        refs.append(st.just({"score": "weighted"}))
    return st.one_of(refs)


@st.composite
def comparison(draw: st.DrawFn, scope: Scope) -> dict[str, Any]:
    """A comparison of numbers, references, or an attribute with a literal of its type."""
    names = _attribute_names(scope)
    if not names or draw(st.integers(0, 2)) == 0:
        pair = [draw(_numeric_operands(scope)), draw(_numeric_operands(scope))]
        return {draw(one(_OPS)): pair}
    name = draw(one(names))
    kind, scalar = _kind(name), _scalar_kind(name)
    op = draw(one(["eq", "ne"] if scalar == "boolean" else _OPS))
    other: Any
    if scope.attributes is None and draw(st.integers(0, 3)) == 0:  # untyped: anything goes
        other = draw(one([*VALUES["string"], *VALUES["number"], True]))
    elif scalar == "number" and draw(st.booleans()):
        other = draw(_numeric_operands(scope))
    elif draw(st.integers(0, 4)) == 0 and [n for n in names if _scalar_kind(n) == scalar and n != name]:
        other = {"attribute": draw(one([n for n in names if _scalar_kind(n) == scalar and n != name]))}
    elif op in _ORDERING:
        other = draw(one(VALUES["number"] if scalar == "number" else VALUES["string"]))
    else:
        other = draw(one(VALUES[kind]))
    pair = [{"attribute": name}, other]
    return {op: pair[::-1] if draw(st.booleans()) else pair}


@st.composite
def attribute_test(draw: st.DrawFn, scope: Scope) -> dict[str, Any]:
    """``in``, ``prefix`` or ``missing: {attribute}`` on an attribute the operator suits."""
    names = _attribute_names(scope)
    which = draw(one(["in", "prefix", "missing"]))
    if which == "prefix":
        names = [n for n in names if _scalar_kind(n) == "string"]
    elif which == "in":
        names = [n for n in names if _scalar_kind(n) != "boolean"]
    if not names:
        return {"flag": "pep"}
    name = draw(one(names))
    if which == "missing":
        return {"missing": {"attribute": name}}
    if which == "prefix":
        prefixes = draw(st.lists(one(["4", "46", "46.9", "92", "x", "ab", "A"]), min_size=1, max_size=3))
        return {"prefix": [{"attribute": name}, prefixes[0] if len(prefixes) == 1 else prefixes]}
    values = draw(st.lists(one([v for v in VALUES[_kind(name)] if v != ""]), min_size=1, max_size=3))
    return {"in": [{"attribute": name}, values]}


@st.composite
def list_test(draw: st.DrawFn, scope: Scope) -> dict[str, Any]:
    """``country_in`` (every field, one or several lists, categories, min_share) or ``product_in``."""
    if scope.product_lists and (not scope.country_lists or draw(st.booleans())):
        spec: dict[str, Any] = {"list": draw(one(scope.product_lists))}
        if draw(st.booleans()):
            spec["categories"] = draw(st.lists(one([*CATEGORIES, "w"]), min_size=1, max_size=2))
        return {"product_in": spec}
    lists = draw(st.lists(one(scope.country_lists), min_size=1, max_size=2, unique=True))
    field = draw(one(["incorporation", "operations", "owners", "trade_partners", "any"]))
    spec = {"field": field, "list": lists[0] if len(lists) == 1 and draw(st.booleans()) else lists}
    if draw(st.booleans()):
        spec["categories"] = draw(st.lists(one([*CATEGORIES, "w"]), min_size=1, max_size=2))
    if draw(st.booleans()):
        spec["min_share"] = draw(one([0, 0.1, 0.25, 0.3, 0.5, 1.0]))
    return {"country_in": spec}


def leaf(scope: Scope) -> st.SearchStrategy[dict[str, Any]]:
    """One condition without ``all``/``any``/``not``."""
    simple = [
        st.builds(dict, flag=one(["pep", "sanctions_hit"])),
        st.builds(dict, missing=one(["incorporation", "operations", "owners", "trade_partners", "products"])),
        comparison(scope),
    ]
    if scope.country_lists or scope.product_lists:
        simple += [list_test(scope), list_test(scope)]
    if scope.attributes is None or scope.attributes:
        simple += [attribute_test(scope), attribute_test(scope)]
    return st.one_of(simple)


def condition(scope: Scope) -> st.SearchStrategy[dict[str, Any]]:
    """A condition tree of at most three levels of ``all``/``any``/``not`` (built once per scope)."""
    key = f"condition {scope!r}"
    found = _CACHE.get(key)
    if found is None:
        found = _CACHE[key] = _condition(scope)
    return found


def _condition(scope: Scope) -> st.SearchStrategy[dict[str, Any]]:
    return st.recursive(
        leaf(scope),
        lambda inner: st.one_of(
            st.builds(dict, all=st.lists(inner, min_size=1, max_size=3)),
            st.builds(dict, any=st.lists(inner, min_size=1, max_size=3)),
            st.builds(lambda c: {"not": c}, inner),
        ),
        max_leaves=5,
    )


# ---------------------------------------------------------------- rules, factors, overrides
_REASONS = {
    "country_risk": "{country} ({country_name}): {points} points, {lists}",
    "ownership": "owner {owner} in {country_name} ({country}) holds {share}: {risk} -> {points}; {lists}",
    "exposure": "exposure {exposure} = {points} over {partners} partner(s)",
    "condition": "{points} points: {facts}",
}
_CITATION = {"title": "A guideline", "url": "https://example.org/g"}


def _maybe_points(draw: st.DrawFn, rule: dict[str, Any], key: str, unset_odds: int = 6) -> None:
    """Set ``rule[key]`` to some points, or leave it unset one time in ``unset_odds``."""
    if draw(st.integers(0, unset_odds - 1)) != 0:
        rule[key] = draw(one(POINTS))


@st.composite
def rule(draw: st.DrawFn, rule_id: str, scope: Scope) -> dict[str, Any]:
    """A rule of any kind, with or without missing and empty points."""
    kind = draw(one(["country_risk", "ownership", "exposure", "condition", "condition"]))
    out: dict[str, Any] = {"id": rule_id, "kind": kind, "reason": _REASONS[kind]}
    if draw(st.integers(0, 5)) == 0:
        out["reason"] = "no placeholders"
    if draw(st.integers(0, 4)) == 0:
        out["sources"] = [_CITATION]
    if kind == "country_risk":
        out["field"] = draw(one(["incorporation", "operations"]))
        _maybe_points(draw, out, "missing_points")
        if out["field"] == "operations":
            _maybe_points(draw, out, "empty_points", 2)
    elif kind == "ownership":
        out["saturation"] = draw(one([0.25, 0.1, 0.3, 0.5, 1.0]))
        _maybe_points(draw, out, "missing_points")
        _maybe_points(draw, out, "empty_points", 2)
    elif kind == "exposure":
        out["field"] = draw(one(["trade_partners", "owners"]))
        _maybe_points(draw, out, "missing_points")
    else:
        out["when"] = draw(condition(scope))
        out["points"] = draw(one(POINTS))
    return out


@st.composite
def override(draw: st.DrawFn, override_id: str, scope: Scope, tiers: list[str]) -> dict[str, Any]:
    """An override of each action: add, cap, floor (to a tier or a score), prohibit."""
    action = draw(one(["add", "cap", "floor", "prohibit"]))
    out: dict[str, Any] = {"id": override_id, "when": draw(condition(scope)), "action": action}
    out["rationale"] = f"why {override_id}"
    if action == "add":
        out["points"] = draw(one([-100, -10, -0.1, 5, 15.5, 1 / 3, 100]))
    elif action == "cap" or (action == "floor" and draw(st.booleans())):
        out["score"] = draw(one(POINTS))
    elif action == "floor":
        out["tier"] = draw(one(tiers))
    if draw(st.integers(0, 3)) == 0:
        out["sources"] = [_CITATION]
    return out


@st.composite
def weights(draw: st.DrawFn, n: int) -> list[float]:
    """``n`` factor weights summing to 1 (within the loader's 1e-9)."""
    parts = [draw(st.integers(1, 6)), *(draw(st.integers(0, 6)) for _ in range(n - 1))]
    return [p / sum(parts) for p in parts]


@st.composite
def tiers(draw: st.DrawFn) -> list[dict[str, Any]]:
    """1-4 tiers from 0, strictly increasing."""
    mins = sorted(draw(st.sets(one([10, 20, 25, 33.333333333, 40, 50, 75, 100]), max_size=3)))
    return [{"id": f"t{i}", "min": m} for i, m in enumerate([0, *mins])]


@st.composite
def list_points(draw: st.DrawFn, list_id: str) -> dict[str, Any]:
    """How a country list scores: points, category points, points per unit, unknown points."""
    out: dict[str, Any] = {"list": list_id, "points": draw(one(POINTS))}
    if draw(st.booleans()):
        cats = draw(st.lists(one(CATEGORIES), min_size=1, max_size=2, unique=True))
        out["category_points"] = {c: draw(one(POINTS)) for c in cats}
    if draw(st.integers(0, 2)) == 0:
        out["points_per_unit"] = draw(one([1, 10, 12.5, 1 / 3]))
    if draw(st.booleans()):
        out["unknown_points"] = draw(one(POINTS))
    return out


@st.composite
def declarations(draw: st.DrawFn) -> dict[str, Any] | None:
    """The ``attributes:`` section: a subset of :data:`ATTRIBUTES`, each required or scoring a gap."""
    if draw(st.integers(0, 5)) == 0:
        return None  # undeclared: the batch falls back to scoring row by row
    names = draw(st.lists(one(list(ATTRIBUTES)), unique=True, max_size=4))
    out: dict[str, Any] = {}
    for name in names:
        spec = dict(ATTRIBUTES[name])
        if draw(st.integers(0, 3)) == 0:
            spec["required"] = True
        else:
            spec["missing_points"] = draw(one(POINTS))
        out[name] = spec
    return out


# ---------------------------------------------------------------- policies
@st.composite
def policy_files(draw: st.DrawFn) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """List files and a policy (as data) that uses the lists its authorities apply."""
    lists = [draw(jurisdiction_list(f"c{i}", "country")) for i in range(draw(st.integers(1, 3)))]
    lists += [draw(jurisdiction_list(f"p{i}", "product")) for i in range(draw(st.integers(0, 1)))]
    authorities: Any = "all"
    applied = lists
    if draw(st.integers(0, 3)) == 0:  # apply only one authority: the other lists are loaded, unused
        chosen = draw(one(sorted({lst["authority"] for lst in lists if lst["kind"] == "country"})))
        authorities = [chosen]
        applied = [lst for lst in lists if chosen == lst["authority"] or chosen in lst.get("also_issued_by", [])]
    countries = [lst["id"] for lst in applied if lst["kind"] == "country"]
    products = [lst["id"] for lst in applied if lst["kind"] == "product"]
    attributes = draw(declarations())
    tier_list = draw(tiers())
    policy: dict[str, Any] = {"id": "generated", "version": "1", "title": "A generated policy", "lists": ["lists"]}
    policy["authorities"] = authorities
    if attributes is not None:
        policy["attributes"] = attributes
    risk_lists = draw(st.lists(one(countries), min_size=1, max_size=len(countries), unique=True))
    policy["country_risk"] = {
        "baseline": draw(one([0, 5, 10, 1 / 3])),
        "lists": [draw(list_points(lid)) for lid in risk_lists],
    }
    n = draw(st.integers(1, 4))
    factors = []
    for fi, weight in enumerate(draw(weights(n))):
        scope = Scope(
            countries, products, None if attributes is None else list(attributes), [f"f{k}" for k in range(fi)], False
        )
        count = draw(st.integers(1, 3))
        factors.append(
            {
                "id": f"f{fi}",
                "weight": weight,
                "combine": draw(one(["max", "sum"])),
                "rules": [draw(rule(f"r{fi}_{k}", scope)) for k in range(count)],
            }
        )
    policy["factors"] = factors
    scope = Scope(
        countries, products, None if attributes is None else list(attributes), [f"f{k}" for k in range(n)], True
    )
    ids = [t["id"] for t in tier_list]
    policy["overrides"] = [draw(override(f"o{k}", scope, ids)) for k in range(draw(st.integers(0, 3)))]
    policy["tiers"] = tier_list
    return lists, policy


def write_files(folder: Path, lists: list[dict[str, Any]], policy: dict[str, Any]) -> bytes:
    """Write the list files under ``folder/lists`` (JSON is YAML); return the policy's YAML bytes."""
    (folder / "lists").mkdir(parents=True, exist_ok=True)
    for lst in lists:
        (folder / "lists" / f"{lst['id']}.yaml").write_text(json.dumps(lst, indent=1))
    return json.dumps(policy, indent=1).encode()


# ---------------------------------------------------------------- counterparties
EXACT_SHARES = [
    [1.0],
    [0.5, 0.5],
    [0.25, 0.25, 0.5],
    [0.1] * 10,
    [0.3, 0.7],
    [1 / 3, 1 / 3, 1 / 3],
    [0.2] * 5,
    [0.6, 0.4],
    [0.03, 0.47, 0.5],
]
"""Shares that sum to 1 (exactly, or within binary float noise the validator allows)."""


@st.composite
def shares(draw: st.DrawFn) -> list[float]:
    """Shares of one list: summing exactly to 1, small random ones, zeros, or a few over 1."""
    return draw(
        st.one_of(
            one(EXACT_SHARES),
            st.lists(one([0.0, 0.25, 0.03, 0.47, 0.2, 0.05, 1e-10, 0.0009765625, 0.1]), max_size=4),
            st.lists(st.floats(0, 0.3), max_size=4),
            one([[], [0.0], [0.999999999, 1e-9], [1.0, 1e-10], [0.7, 0.7]]),
        )
    )


_SHARES = shares()


@st.composite
def items(draw: st.DrawFn, names: bool) -> list[dict[str, Any]]:
    """Owners (``names``: some named, some with spaces to strip) or trade partners."""
    out = []
    for share in draw(_SHARES):
        item: dict[str, Any] = {"country": draw(one(CP_COUNTRIES)), "share": share}
        if names and draw(st.booleans()):
            item["name"] = draw(one(["Ann", " Bob ", None, "Owner & Co"]))
        out.append(item)
    return out


_OWNERS = st.one_of(st.none(), items(True))
_PARTNERS = st.one_of(st.none(), items(False))


def _attribute_values(draw: st.DrawFn, declared: dict[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ATTRIBUTES if declared is None else declared:
        kind = _kind(name)
        choice = draw(st.integers(0, 19))
        if choice < 2:
            continue
        if choice < 4:
            out[name] = None
        elif choice == 4:
            out[name] = draw(one(BAD_VALUES[kind]))
        else:
            out[name] = draw(one(VALUES[kind]))
    if draw(st.integers(0, 4)) == 0:
        out["undeclared"] = "ignored"
    return out


_BROKEN: list[tuple[str, Any]] = [
    ("incorporation", "Narnia"),
    ("incorporation", "Congo"),
    ("pep", "yes"),
    ("products", ["123"]),
    ("owners", [{"country": "DE", "share": "0.5"}]),
    ("trade_partners", [{"country": "DE", "share": 1.5}]),
    ("unknown_field", 1),
    ("id", ""),
]


@st.composite
def counterparty(draw: st.DrawFn, index: int, declared: dict[str, Any] | None) -> Any:
    """A counterparty mapping: any field may be missing, null, empty, duplicated; rarely invalid."""
    record: dict[str, Any] = {"id": draw(one([f"r{index}", "dup", " padded ", 7]))}
    maybe = st.integers(0, 5)
    if draw(maybe):
        record["incorporation"] = draw(one([*CP_COUNTRIES, None]))
    if draw(maybe):
        record["operations"] = draw(st.one_of(st.none(), st.lists(one(CP_COUNTRIES), max_size=4)))
    if draw(maybe):
        record["owners"] = draw(_OWNERS)
    if draw(maybe):
        record["trade_partners"] = draw(_PARTNERS)
    if draw(maybe):
        record["products"] = draw(st.one_of(st.none(), st.lists(one(CP_PRODUCTS), max_size=3)))
    for flag in ("pep", "sanctions_hit"):
        if draw(st.booleans()):
            record[flag] = draw(st.booleans())
    if draw(st.booleans()):
        record["name"] = draw(one(["Acme", " Acme Ltd ", None]))
    attributes = _attribute_values(draw, declared)
    if attributes or draw(st.booleans()):
        record["attributes"] = attributes
    if draw(st.integers(0, 14)) == 0:
        key, value = draw(one(_BROKEN))
        record[key] = value
    if draw(st.integers(0, 40)) == 0:
        return "not a mapping"
    return record


@dataclass
class Case:
    """One differential case: list files and a policy (as data), counterparties, as-of dates."""

    lists: list[dict[str, Any]]
    policy: dict[str, Any]
    records: list[Any]
    dates: list[date]
    models: tuple[int, ...] = ()
    """Records passed as ``Counterparty`` objects (when valid), not as mappings."""
    chunk: int | None = None
    """Rows per kernel pass and per validation chunk of score_many (None: its own sizes)."""


@st.composite
def cases(draw: st.DrawFn, max_records: int = 12) -> Case:
    """A generated policy with its lists, a batch of counterparties for it, and 1-3 dates."""
    lists, policy = draw(policy_files())
    declared = policy.get("attributes")
    n = draw(st.integers(1, max_records))
    records = [draw(counterparty(i, declared)) for i in range(n)]
    days = draw(st.lists(one(AS_OF), min_size=1, max_size=3, unique=True))
    models = draw(st.one_of(st.just(()), st.just(tuple(range(n))), st.sets(st.integers(0, n - 1)).map(sorted)))
    chunk = draw(st.one_of(st.none(), st.integers(1, 5)))
    return Case(lists, policy, records, days, tuple(models), chunk)
