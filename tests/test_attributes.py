"""Declared custom attributes: typed intake, located policy errors, in/prefix/missing, lint (issue 8)."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import TEST_POLICY, write_policy
from hypothesis import given, settings
from hypothesis import strategies as st

import riskscore
from riskscore import CounterpartyError, PolicyError
from riskscore.batch import BatchError
from riskscore.cli import main
from riskscore.columns import Columns
from riskscore.lint import lint_policy

AS_OF = "2024-07-01"
DECLARED = """\
attributes:
  cash_intensive: {type: boolean, required: true, description: Cash-heavy business model}
  nace: {type: pattern, pattern: '[A-U]|[0-9]{2}(\\.[0-9]{1,2})?', missing_points: 35}
  mcc: {type: string, missing_points: 0}
  segment: {type: enum, values: [retail, corporate], missing_points: 0}
  turnover: {type: number, missing_points: 10}
"""
CUSTOM = """\
  - id: custom
    weight: 0.2
    rules:
RULES
tiers:"""
RULES = """\
      - {id: cash, kind: condition, when: {eq: [{attribute: cash_intensive}, true]}, points: 60, reason: "{facts}"}
      - {id: gambling, kind: condition, when: {prefix: [{attribute: nace}, ["92", "64.1"]]}, points: 80, reason: "{facts}"}
      - {id: mcc_set, kind: condition, when: {in: [{attribute: mcc}, ["7995", "6051"]]}, points: 70, reason: "{facts}"}
      - {id: retail, kind: condition, when: {in: [{attribute: segment}, [retail]]}, points: 20, reason: "{facts}"}
      - {id: big, kind: condition, when: {gte: [{attribute: turnover}, {factor: geo}]}, points: 5, reason: "{facts}"}
      - {id: no_mcc, kind: condition, when: {missing: {attribute: mcc}}, points: 15, reason: "{facts}"}
"""


def policy_text(declared: str = DECLARED, rules: str = RULES) -> str:
    text = TEST_POLICY.replace("weight: 0.5", "weight: 0.4").replace("tiers:", CUSTOM.replace("RULES\n", rules), 1)
    return text.replace("country_risk:", declared + "country_risk:")


def load(tmp_path: Path, declared: str = DECLARED, rules: str = RULES) -> riskscore.Policy:
    return riskscore.load_policy(write_policy(tmp_path, policy=policy_text(declared, rules)))


def cp(**attributes: Any) -> dict[str, Any]:
    return {"id": "x", "incorporation": "DE", "attributes": {"cash_intensive": False, **attributes}}


def issues(exc: CounterpartyError) -> list[tuple[str, str]]:
    return [(i.path, i.code) for i in exc.issues]


def both(policy: riskscore.Policy, records: list[dict[str, Any]]) -> tuple[list[Any], riskscore.BatchResult]:
    """Row results (or the error) and the batch of the same records."""
    rows: list[Any] = []
    for r in records:
        try:
            rows.append(policy.score(r, as_of=AS_OF))
        except CounterpartyError as exc:
            rows.append(exc)
    return rows, policy.score_many(records, as_of=AS_OF, errors="collect")


def assert_same(policy: riskscore.Policy, records: list[dict[str, Any]]) -> None:
    """score() and score_many() agree: scores, tiers, fired rules, refusals (codes and paths)."""
    rows, batch = both(policy, records)
    assert batch.mode == "vectorised"
    errors = {e.index: issues(e) for e in batch.errors}
    for i, row in enumerate(rows):
        if isinstance(row, CounterpartyError):
            assert errors.get(i) == issues(row), i
            continue
        assert i not in errors and batch.scores[i] == row.score and batch.tier_labels[i] == row.tier
        fired = {c.rule_id for c in row.contributions}
        assert [r for r, f in zip(batch.rule_ids, batch.fired[i].tolist(), strict=True) if f] == [
            r for r in batch.rule_ids if r in fired
        ]
        assert np.allclose(batch.factors[i], [row.factors[f] for f in batch.factor_ids], rtol=0, atol=0)
        assert batch[i].contributions == row.contributions  # the columns keep the attributes for explanations


# ---------------------------------------------------------------- counterparties breaking the declaration
REFUSED = [
    ({"cash_intensive": "yes"}, "attributes.cash_intensive", "attribute-type"),
    ({"cash_intensive": 1}, "attributes.cash_intensive", "attribute-type"),
    ({"nace": 92.0}, "attributes.nace", "attribute-type"),
    ({"nace": "9200"}, "attributes.nace", "attribute-pattern"),
    ({"nace": "9" * 101}, "attributes.nace", "attribute-pattern"),
    ({"turnover": True}, "attributes.turnover", "attribute-type"),
    ({"turnover": "12"}, "attributes.turnover", "attribute-type"),
    ({"turnover": 2**60}, "attributes.turnover", "attribute-range"),
    ({"segment": "Retail"}, "attributes.segment", "attribute-enum"),
    ({"mcc": 7995}, "attributes.mcc", "attribute-type"),
    ({"cash_intensive": None}, "attributes.cash_intensive", "attribute-required"),
]


@pytest.mark.parametrize(("attributes", "path", "code"), REFUSED)
def test_a_counterparty_breaking_the_declaration_is_refused_in_both_paths(
    tmp_path: Path, attributes: dict[str, Any], path: str, code: str
) -> None:
    policy = load(tmp_path)
    record = cp(**attributes)
    with pytest.raises(CounterpartyError) as caught:
        policy.score(record, as_of=AS_OF)
    assert issues(caught.value) == [(path, code)]
    batch = policy.score_many([cp(), record], as_of=AS_OF, errors="collect")
    assert [(e.index, issues(e)) for e in batch.errors] == [(1, [(path, code)])]
    assert batch.ok.tolist() == [True, False]
    with pytest.raises(BatchError) as all_at_once:
        policy.score_many([record], as_of=AS_OF)
    assert [(i.path, i.code) for i in all_at_once.value.issues] == [(f"[0].{path}", code)]


def test_a_required_attribute_left_out_is_refused_with_every_other_problem(tmp_path: Path) -> None:
    policy = load(tmp_path)
    record = {"id": "x", "incorporation": "DE", "attributes": {"segment": "x", "turnover": "big"}}
    expected = [
        ("attributes.cash_intensive", "attribute-required"),
        ("attributes.segment", "attribute-enum"),
        ("attributes.turnover", "attribute-type"),
    ]
    with pytest.raises(CounterpartyError) as caught:
        policy.score(record, as_of=AS_OF)
    assert issues(caught.value) == expected
    no_attributes = {"id": "y", "incorporation": "DE"}  # the fast intake path, no attributes at all
    batch = policy.score_many([record, no_attributes], as_of=AS_OF, errors="collect")
    assert [issues(e) for e in batch.errors] == [expected, [("attributes.cash_intensive", "attribute-required")]]


def test_columns_given_directly_are_checked_against_the_declaration(tmp_path: Path) -> None:
    policy = load(tmp_path)
    cols = Columns.from_records([cp(), cp(nace=92.0)])
    batch = policy.score_many(cols, as_of=AS_OF, errors="collect")
    assert [(e.index, issues(e)) for e in batch.errors] == [(1, [("attributes.nace", "attribute-type")])]
    assert batch[0].score == policy.score(cp(), as_of=AS_OF).score


def test_a_declaring_policy_pickles_and_scores_the_same(tmp_path: Path) -> None:
    policy = load(tmp_path)
    clone = pickle.loads(pickle.dumps(policy))
    record = cp(nace="92.1", mcc="7995")
    assert clone.score(record, as_of=AS_OF) == policy.score(record, as_of=AS_OF)
    with pytest.raises(CounterpartyError):
        clone.score(cp(nace="9200"), as_of=AS_OF)


def test_undeclared_attributes_of_a_counterparty_are_accepted(tmp_path: Path) -> None:
    policy = load(tmp_path)
    assert policy.score(cp(crm_owner="anna"), as_of=AS_OF).score == policy.score(cp(), as_of=AS_OF).score


# ---------------------------------------------------------------- policies breaking their declaration
def refusal(tmp_path: Path, declared: str = DECLARED, rules: str = RULES) -> list[tuple[str, str, str | None]]:
    with pytest.raises(PolicyError) as caught:
        load(tmp_path, declared, rules)
    return [(i.code, i.key_path, i.suggestion) for i in caught.value.issues]


def one_rule(when: str) -> str:
    return f'      - {{id: r, kind: condition, when: {when}, points: 50, reason: "{{facts}}"}}\n'


def test_a_typo_in_an_attribute_name_is_a_located_error_with_a_suggestion(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as caught:
        load(tmp_path, rules=one_rule("{all: [{flag: pep}, {eq: [{attribute: cash_intensiv}, true]}]}"))
    (issue,) = caught.value.issues
    assert (issue.code, issue.key_path, issue.suggestion) == (
        "unknown-attribute",
        "factors[2].rules[0].when.all[1].eq[0].attribute",
        "cash_intensive",
    )
    text = (tmp_path / "policy.yaml").read_text().splitlines()
    assert issue.file and issue.line is not None and issue.column is not None
    assert text[issue.line - 1][issue.column - 1 :].startswith("attribute: cash_intensiv")


@pytest.mark.parametrize(
    ("when", "code", "key_path", "suggestion"),
    [
        ("{eq: [{attribute: cash_intensive}, 'yes']}", "attribute-literal", "eq[1]", "true"),
        ("{eq: [{attribute: nace}, 92]}", "attribute-literal", "eq[1]", None),
        ("{eq: [92, {attribute: nace}]}", "attribute-literal", "eq[0]", None),
        ("{eq: [{attribute: nace}, '9200']}", "attribute-literal", "eq[1]", None),
        ("{ne: [{attribute: segment}, wholesale]}", "attribute-literal", "ne[1]", None),
        ("{lt: [{attribute: turnover}, '10']}", "attribute-literal", "lt[1]", None),
        ("{gte: [{attribute: mcc}, {factor: geo}]}", "attribute-literal", "gte[1]", None),
        ("{eq: [{attribute: mcc}, {attribute: turnover}]}", "attribute-literal", "eq", None),
        ("{gt: [{attribute: cash_intensive}, false]}", "attribute-operator", "gt", None),
        ("{in: [{attribute: mcc}, ['7995', 6051]]}", "attribute-literal", "in[1][1]", None),
        ("{in: [{attribute: cash_intensive}, ['true']]}", "attribute-operator", "in", None),
        ("{prefix: [{attribute: turnover}, '1']}", "attribute-operator", "prefix", None),
        ("{missing: {attribute: sector}}", "unknown-attribute", "missing.attribute", None),
        ("{prefix: [{attribute: nac}, '92']}", "unknown-attribute", "prefix[0].attribute", "nace"),
    ],
)
def test_reading_an_attribute_against_its_declaration_is_refused(
    tmp_path: Path, when: str, code: str, key_path: str, suggestion: str | None
) -> None:
    where = "factors[2].rules[0].when"
    assert refusal(tmp_path, rules=one_rule(when)) == [(code, f"{where}.{key_path}", suggestion)]


def test_overrides_are_checked_too(tmp_path: Path) -> None:
    text = policy_text() + "overrides:\n  - {id: o, when: {eq: [{attribute: cash_intensiv}, true]}, action: cap, "
    text += "score: 10, rationale: r}\n"
    with pytest.raises(PolicyError) as caught:
        riskscore.load_policy(write_policy(tmp_path, policy=text))
    assert [(i.code, i.key_path) for i in caught.value.issues] == [
        ("unknown-attribute", "overrides[0].when.eq[0].attribute")
    ]


@pytest.mark.parametrize(
    ("declaration", "code"),
    [
        ("{type: boolean}", "attribute-declaration"),  # neither required nor missing_points
        ("{type: boolean, required: true, missing_points: 5}", "attribute-declaration"),
        ("{type: enum, required: true}", "attribute-declaration"),
        ("{type: string, values: [a], required: true}", "attribute-declaration"),
        ("{type: pattern, required: true}", "attribute-declaration"),
        ("{type: enum, values: [a, 1], required: true}", "attribute-declaration"),
        ("{type: enum, values: [a, a], required: true}", "attribute-declaration"),
        ("{type: pattern, pattern: '(a+)+b', required: true}", "bad-pattern"),
        ("{type: pattern, pattern: '(ab)*', required: true}", "bad-pattern"),
        ("{type: pattern, pattern: 'a*a*a*a*b', required: true}", "bad-pattern"),
        ("{type: pattern, pattern: '(a)\\1', required: true}", "bad-pattern"),
        ("{type: pattern, pattern: '(?=a)a', required: true}", "bad-pattern"),
        ("{type: pattern, pattern: '[a', required: true}", "bad-pattern"),
        (f"{{type: pattern, pattern: '{'a' * 201}', required: true}}", "string_too_long"),
        ("{type: text, required: true}", "literal_error"),
        ("{type: string, required: true, default: x}", "extra_forbidden"),
    ],
)
def test_a_bad_declaration_is_refused_at_its_line(tmp_path: Path, declaration: str, code: str) -> None:
    declared = f"attributes:\n  flag_a: {declaration}\n"
    found = refusal(tmp_path, declared, one_rule("{flag: pep}"))
    assert found and found[0][0] == code and found[0][1].startswith("attributes.flag_a")


def test_an_empty_declaration_refuses_every_read(tmp_path: Path) -> None:
    assert refusal(tmp_path, "attributes: {}\n", one_rule("{eq: [{attribute: x}, 1]}"))[0][0] == "unknown-attribute"


# ---------------------------------------------------------------- the operators, in both paths
def test_in_prefix_missing_and_missing_points_score_the_same_in_both_paths(tmp_path: Path) -> None:
    policy = load(tmp_path)
    records = [
        cp(nace="92.00", mcc="7995", segment="retail", turnover=3),  # prefix 92, in, retail; turnover < geo
        cp(nace="64.19", mcc="5411", segment="corporate", turnover=10.0000000001),  # 64.1 prefix; turnover = geo
        cp(nace="64.2", mcc="6051", turnover=11),
        cp(nace="K"),  # mcc missing -> no_mcc fires; turnover missing -> 10 points
        cp(),  # nace missing -> 35 points for the prefix rule
        cp(nace=92.0),  # refused
    ]
    assert_same(policy, records)
    rows, _ = both(policy, records)
    fired = [{c.rule_id: c.points for c in r.contributions if c.factor == "custom"} for r in rows[:5]]
    assert fired[0] == {"gambling": 80, "mcc_set": 70, "retail": 20}
    assert fired[1] == {"gambling": 80, "big": 5}
    assert fired[2] == {"mcc_set": 70, "retail": 0, "big": 5}
    assert fired[3] == {"no_mcc": 15, "mcc_set": 0, "retail": 0, "big": 10}
    assert fired[4]["gambling"] == 35 and fired[4]["no_mcc"] == 15


def test_overrides_on_attributes_agree_in_both_paths(tmp_path: Path) -> None:
    text = policy_text() + (
        "overrides:\n"
        "  - {id: gamble, when: {prefix: [{attribute: nace}, ['92']]}, action: floor, tier: high, rationale: r}\n"
        "  - {id: no_nace, when: {missing: {attribute: nace}}, action: add, points: 7, rationale: r}\n"
        "  - {id: cash, when: {all: [{eq: [{attribute: cash_intensive}, true]}, {in: [{attribute: turnover}, [1, 2.5]]}]},"
        " action: prohibit, rationale: r}\n"
    )
    policy = riskscore.load_policy(write_policy(tmp_path, policy=text))
    records = [cp(nace="92.1"), cp(), cp(nace="A", cash_intensive=True, turnover=2.5), cp(nace="A", turnover=1.0)]
    assert_same(policy, records)
    rows, batch = both(policy, records)
    assert [[o.override_id for o in r.overrides] for r in rows] == [["gamble"], ["no_nace"], ["cash"], []]
    assert batch.overrides.tolist() == [[True, False, False], [False, True, False], [False, False, True], [False] * 3]


def test_missing_points_never_lower_a_rule_that_holds(tmp_path: Path) -> None:
    rule = one_rule("{any: [{flag: pep}, {eq: [{attribute: nace}, K]}]}").replace("points: 50", "points: 20")
    policy = load(tmp_path, rules=rule)
    records = [{**cp(), "pep": True}, cp(), cp(nace="K"), cp(nace="A")]
    assert_same(policy, records)
    points = [policy.score(r, as_of=AS_OF).contributions[-1] for r in records[:3]]
    assert [(c.rule_id, c.points) for c in points] == [("r", 35), ("r", 35), ("r", 20)]
    assert points[0].facts == ["attributes.nace not provided"]


CODES = st.sampled_from(["92", "92.0", "92.00", "64.1", "64.19", "6", "A", "K", "46.90", "47.11"])
VALUES = {
    "cash_intensive": st.booleans(),
    "nace": CODES,
    "mcc": st.sampled_from(["7995", "6051", "5411", "", "79951"]),
    "segment": st.sampled_from(["retail", "corporate", " retail"]),  # stripped by the validator
    "turnover": st.one_of(st.integers(-5, 50), st.floats(-5, 50, allow_nan=False), st.sampled_from([10, 10.0])),
}
BAD = st.sampled_from([("cash_intensive", "no"), ("nace", 46.9), ("turnover", False), ("segment", "x"), ("mcc", 1)])


@st.composite
def records(draw: st.DrawFn) -> list[dict[str, Any]]:
    out = []
    for i in range(draw(st.integers(1, 12))):
        attrs = {k: draw(v) for k, v in VALUES.items() if k == "cash_intensive" or draw(st.booleans())}
        if draw(st.integers(0, 9)) == 0:
            key, value = draw(BAD)
            attrs[key] = value
        out.append({"id": f"r{i}", "incorporation": draw(st.sampled_from(["DE", "PL", "HU"])), "attributes": attrs})
    return out


@pytest.fixture(scope="module")
def declared_policy(tmp_path_factory: pytest.TempPathFactory) -> riskscore.Policy:
    return load(tmp_path_factory.mktemp("declared"))


@settings(max_examples=60, deadline=None)
@given(batch=records())
def test_property_both_paths_agree_on_generated_attributes(declared_policy: riskscore.Policy, batch: list[Any]) -> None:
    assert_same(declared_policy, batch)


def test_prefix_cost_is_one_lookup_per_prefix_length() -> None:
    from riskscore.conditions import PrefixMatcher

    seen: list[str] = []

    class Probe(str):
        def __getitem__(self, key: Any) -> Any:
            seen.append("slice")
            return str.__getitem__(self, key)

    match = PrefixMatcher(tuple(f"{i:04d}" for i in range(1000)) + ("9",))
    assert match(Probe("99999")) == "9" and match(Probe("01234")) == "0123"
    assert len(seen) <= 2 * 2 + 1  # two distinct lengths, not 1001 prefixes


# ---------------------------------------------------------------- policies that declare nothing
LEGACY_RULE = one_rule("{eq: [{attribute: cash_intensiv}, true]}")


def test_a_policy_without_declarations_still_loads_and_strict_validation_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_policy(tmp_path, policy=policy_text(declared="", rules=LEGACY_RULE))
    policy = riskscore.load_policy(path)
    report = lint_policy(policy)
    undeclared = [f for f in report.findings if f.id == "undeclared-attribute"]
    assert [(f.severity, f.subject) for f in undeclared] == [("warning", "cash_intensiv")]
    assert undeclared[0].line is not None
    capsys.readouterr()
    assert main(["validate", str(path), "--strict"]) == 1
    assert "undeclared-attribute [cash_intensiv]" in capsys.readouterr().out


def test_a_declaring_policy_has_no_undeclared_attribute_finding(tmp_path: Path) -> None:
    report = lint_policy(load(tmp_path))
    assert not [f for f in report.findings if f.id == "undeclared-attribute"]


def test_without_declarations_the_new_operators_work_untyped_per_row(tmp_path: Path) -> None:
    rules = one_rule("{any: [{in: [{attribute: mcc}, [7995, '6051']]}, {prefix: [{attribute: nace}, '92']}]}")
    policy = riskscore.load_policy(write_policy(tmp_path, policy=policy_text(declared="", rules=rules)))
    recs = [cp(mcc=7995), cp(mcc=7995.0), cp(mcc="7995"), cp(mcc=True), cp(nace="92.1"), cp(nace=92), cp()]
    fired = [any(c.rule_id == "r" for c in policy.score(r, as_of=AS_OF).contributions) for r in recs]
    assert fired == [True, True, False, False, True, False, False]
    batch = policy.score_many(recs, as_of=AS_OF)
    assert batch.mode == "per-row" and batch.fired[:, batch.rule_ids.index("r")].tolist() == fired


def test_the_lint_counts_missing_points_towards_the_reachable_scores(tmp_path: Path) -> None:
    declared = "attributes:\n  sector: {type: string, missing_points: 100}\n"
    rules = one_rule("{eq: [{attribute: sector}, casino]}").replace("points: 50", "points: 1")
    policy = TEST_POLICY.replace("category_points: {severe: 100}", "category_points: {severe: 40}")
    policy = policy.replace("weight: 0.5", "weight: 0.4").replace("tiers:", CUSTOM.replace("RULES\n", rules), 1)
    policy = policy.replace("country_risk:", declared + "country_risk:")
    # geo 0.4 x 40 + partners 0.4 x 40 + custom 0.2 x 100 = 52 without overrides: 'prohibited' (75) stays
    # unreachable, but 'high' (40) is reachable only through the missing sector's 100 points
    path = write_policy(tmp_path, policy=policy.replace("min: 40", "min: 50"))
    found = {f.subject for f in lint_policy(riskscore.load_policy(path)).findings if "tier" in f.id}
    assert "high" not in found and "prohibited" in found
