"""The policy's network facts: derived statuses and exposures read by conditions, with proofs."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import riskscore
from riskscore.batch import BatchError
from riskscore.cli import main
from riskscore.network import Network, read_ftm, read_tables

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "network"
DAY = date(2026, 7, 1)


@pytest.fixture(scope="module")
def policy() -> riskscore.Policy:
    return riskscore.load_policy()


@pytest.fixture(scope="module")
def net() -> Network:
    network, _ = read_ftm((EXAMPLES / "ftm.jsonl").read_text().splitlines())
    return network


@pytest.fixture(scope="module")
def cps() -> dict[str, dict]:
    rows = [json.loads(line) for line in (EXAMPLES / "counterparties.jsonl").read_text().splitlines()]
    return {r["id"]: r for r in rows}


def _overrides(result: riskscore.Result) -> list[str]:
    return [o.override_id for o in result.overrides]


def test_a_chain_from_a_russian_owner_floors_a_turkish_distributor_at_high(policy, net, cps):
    cp = cps["tr-bosporus"]
    plain = policy.score(cp, DAY)
    assert plain.tier == "low" and "circumvention_owner_floor_high" not in _overrides(plain)
    r = policy.score(cp, DAY, network=net)
    assert r.tier == "high" and _overrides(r) == ["circumvention_owner_floor_high"]
    facts = r.overrides[0].facts
    assert any(f.startswith("network: owned_from_sanctioned_jurisdiction = caught") for f in facts)
    text = "\n".join(facts)
    assert "60 % held by 'Aphrodite Holdings Ltd' (cy-aphrodite) [caught]" in text
    assert "100 % held by 'Ivan Ivanov' (p-ivanov) [listed]" in text and "source FtM own-1" in text
    explained = r.explain()
    assert "<- 100 % held by 'Ivan Ivanov'" in explained and len(explained.splitlines()) <= 30


def test_aggregated_listed_owners_block_under_ofac_and_eu_but_not_uk(policy, net, cps):
    r = policy.score(cps["de-weser"], DAY, network=net)
    assert r.tier == "prohibited" and "network_blocked_prohibit" in _overrides(r)
    text = "\n".join(next(o for o in r.overrides if o.override_id == "network_blocked_prohibit").facts)
    assert "network: ofac_owned = caught" in text and "network: eu_owned = caught" in text
    assert "network: uk_owned = clear" in text  # 30 % + 25 % by two designated persons: not owned under UK law
    assert "owned >= 50 % in aggregate by listed persons (OFAC 50 percent rule" in text


def test_trade_reaching_russia_through_a_hub_is_high_with_its_path(policy, net, cps):
    r = policy.score(cps["ae-falcon"], DAY, network=net)
    assert r.tier == "high" and "circumvention_trade_floor_high" in _overrides(r)
    text = "\n".join(next(o for o in r.overrides if o.override_id == "circumvention_trade_floor_high").facts)
    assert "trade_exposure_sanctioned = 0.25" in text
    assert "(kg-alatoo) -> 'Volga Komponent OOO' (ru-volga): customer unknown share" in text


def test_a_small_stake_leaves_the_score_alone(policy, net, cps):
    cp = cps["de-muster"]
    assert policy.score(cp, DAY, network=net).model_dump() == policy.score(cp, DAY).model_dump() | {
        "input_digest": policy.score(cp, DAY, network=net).input_digest
    }


def test_without_a_network_a_status_can_be_given_and_is_scored(policy, cps):
    cp = {**cps["de-muster"], "attributes": {"ofac_owned": "caught"}}
    assert policy.score(cp, DAY).tier == "prohibited"
    with pytest.raises(riskscore.CounterpartyError) as exc:
        policy.score({**cps["de-muster"], "attributes": {"ofac_owned": "blocked"}}, DAY)
    assert exc.value.issues[0].path == "attributes.ofac_owned"


def test_a_status_given_as_well_as_a_network_is_refused(policy, net, cps):
    with pytest.raises(riskscore.CounterpartyError) as exc:
        policy.score({**cps["de-muster"], "attributes": {"ofac_owned": "clear"}}, DAY, network=net)
    assert exc.value.issues[0].path == "attributes.ofac_owned"


def test_a_counterparty_that_is_not_in_the_network_is_refused(policy, net, cps):
    with pytest.raises(riskscore.CounterpartyError) as exc:
        policy.score({**cps["de-muster"], "id": "nobody"}, DAY, network=net)
    assert exc.value.issues[0].path == "id" and "not a node of the network" in str(exc.value)
    with pytest.raises(BatchError) as batch:
        policy.score_many([cps["de-muster"], {**cps["de-muster"], "id": "nobody"}], DAY, network=net, errors="collect")
    assert [e.index for e in batch.value.errors] == [1]


def test_a_policy_without_network_facts_refuses_a_network(tmp_path, net):
    text = (REPO / "rules" / "default" / "policy.yaml").read_text()
    head, rest = text.split("\nnetwork:", 1)
    rest = rest[rest.index("\nfactors:") :]
    rest = rest[: rest.index("  - id: network_possible_floor_high")] + rest[rest.index("\ntiers:") :]
    bare = riskscore.load_policy_bytes((head + rest).encode(), root=REPO / "rules" / "default")
    with pytest.raises(riskscore.NetworkError, match="declares no network facts"):
        bare.score({"id": "de-muster", "incorporation": "DE"}, DAY, network=net)


def _with(text: str, fact: str) -> bytes:
    return text.replace("\nnetwork:\n", "\nnetwork:\n" + fact, 1).encode()


@pytest.mark.parametrize(
    ("fact", "code", "where"),
    [
        (
            "  bad:\n    method: ofac_50_aggregate\n    seeds: {lists: [sanctions_xx]}\n    missing_points: 0\n",
            "unknown-list",
            "network.bad.seeds.lists[0]",
        ),
        ("  bad:\n    method: ofac_50_aggregate\n    seeds: {flags: [sanction]}\n", "network-fact", "network.bad"),
        (
            "  bad:\n    method: damped_sum\n    seeds: {}\n    missing_points: 0\n",
            "network-seeds",
            "network.bad.seeds",
        ),
    ],
)
def test_a_bad_network_fact_is_refused_with_its_place(fact, code, where):
    text = (REPO / "rules" / "default" / "policy.yaml").read_text()
    with pytest.raises(riskscore.PolicyError) as exc:
        riskscore.load_policy_bytes(_with(text, fact), root=REPO / "rules" / "default", name="p.yaml")
    issue = exc.value.issues[0]
    assert issue.code == code and issue.key_path == where and issue.line is not None


def test_a_required_fact_refuses_scoring_without_a_network():
    text = (REPO / "rules" / "default" / "policy.yaml").read_text()
    fact = "  must:\n    method: look_through\n    seeds: {flags: [sanction]}\n    required: true\n"
    strict = riskscore.load_policy_bytes(_with(text, fact), root=REPO / "rules" / "default")
    with pytest.raises(riskscore.CounterpartyError) as exc:
        strict.score({"id": "x", "incorporation": "DE"}, DAY)
    assert exc.value.issues[0].path == "attributes.must"


def test_the_bis_rule_suspended_on_the_date_is_said_in_the_proof(net, cps):
    text = (REPO / "rules" / "default" / "policy.yaml").read_text()
    fact = "  bis:\n    method: bis_affiliates\n    seeds: {flags: [sanction]}\n    missing_points: 0\n"
    text = text.replace(
        "        - in: [{attribute: ofac_owned}, [listed, caught]]\n",
        "        - in: [{attribute: ofac_owned}, [listed, caught]]\n        - in: [{attribute: bis}, [caught]]\n",
    )
    p = riskscore.load_policy_bytes(_with(text, fact), root=REPO / "rules" / "default")
    r = p.score(cps["de-weser"], date(2026, 1, 15), network=net)
    text = "\n".join(next(o for o in r.overrides if o.override_id == "network_blocked_prohibit").facts)
    assert "network: bis = clear" in text and "note (rule-not-in-force)" in text


# ---------------------------------------------------------------- parity: score_many == score


@st.composite
def networks(draw):
    n = draw(st.integers(2, 7))
    ids = [f"n{i}" for i in range(n)]
    countries = draw(
        st.lists(st.sampled_from(["DE", "RU", "CY", "TR", "AE", "KG", "IR", None]), min_size=n, max_size=n)
    )
    flags = draw(st.lists(st.sampled_from([[], [], ["sanction"]]), min_size=n, max_size=n))
    m = draw(st.integers(0, 10))
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), min_size=m, max_size=m))
    kinds = draw(st.lists(st.sampled_from(["ownership", "ownership", "control", "customer"]), min_size=m, max_size=m))
    shares = draw(
        st.lists(st.sampled_from([0.1, 0.25, 0.3, 0.5, 0.51, 0.6, 1.0, float("nan")]), min_size=m, max_size=m)
    )
    net = Network.from_tables(
        {"id": ids, "country": countries, "flags": flags},
        {
            "src": [ids[a] for a, _ in pairs],
            "dst": [ids[b] for _, b in pairs],
            "kind": kinds,
            "share_lo": shares,
            "share_hi": shares,
        },
    )
    records = [
        {"id": i, "incorporation": c or "DE", "owners": [{"country": c or "DE", "share": 1.0}], "trade_partners": []}
        for i, c in zip(ids, countries, strict=True)
        if c not in ("IR",)
    ]
    return net, records


@settings(max_examples=40, deadline=None)
@given(networks())
def test_score_many_with_a_network_equals_score_with_it(case):
    net, records = case
    policy = riskscore.load_policy()
    batch = policy.score_many(records, DAY, network=net)
    for i, record in enumerate(records):
        one = policy.score(record, DAY, network=net)
        assert batch.scores[i] == one.score and batch.tier_ids[batch.tiers[i]] == one.tier
        assert batch[i].model_dump() == one.model_dump()


def test_cli_explain_with_a_network_shows_the_path(capsys):
    args = ["explain", str(EXAMPLES / "counterparties.jsonl"), "--id", "tr-bosporus"]
    assert main([*args, "--network", str(EXAMPLES / "ftm.jsonl"), "--as-of", "2026-07-01"]) == 0
    out = capsys.readouterr().out
    assert "score 50 -> tier HIGH" in out
    assert "<- 100 % held by 'Ivan Ivanov' (p-ivanov) [listed]" in out


# ---------------------------------------------------------------- node and edge tables


def test_csv_tables_score_as_the_ftm_export_does(policy, net, cps):
    tables, notes = read_tables(EXAMPLES / "tables" / "nodes.csv", EXAMPLES / "tables" / "edges.csv")
    assert notes == []
    for cp in cps.values():
        a, b = policy.score(cp, DAY, network=net), policy.score(cp, DAY, network=tables)
        assert (a.score, a.tier, _overrides(a)) == (b.score, b.tier, _overrides(b))
    text = "\n".join(policy.score(cps["tr-bosporus"], DAY, network=tables).overrides[0].facts)
    assert "valid 2022-09-01 to ..., source register extract own-2" in text  # a month-only date, its source


def test_tables_from_pandas_and_arrow_equal_the_csv(tmp_path):
    pd = pytest.importorskip("pandas")
    pa = pytest.importorskip("pyarrow")
    nodes = pd.read_csv(EXAMPLES / "tables" / "nodes.csv", dtype=str)
    edges = pd.read_csv(EXAMPLES / "tables" / "edges.csv", dtype=str)
    ref, _ = read_tables(EXAMPLES / "tables" / "nodes.csv", EXAMPLES / "tables" / "edges.csv")
    for n, _ in (read_tables(nodes, edges), read_tables(pa.Table.from_pandas(nodes), pa.Table.from_pandas(edges))):
        assert n.n_edges == ref.n_edges and list(n.ids) == list(ref.ids)
        assert (n.edges["share_lo"] == ref.edges["share_lo"]).all()


@pytest.mark.parametrize(
    ("edges", "message"),
    [
        ({"src": ["a"], "dst": ["b"], "kind": ["ownership"], "share": ["lots"]}, "edges[0].share"),
        ({"src": ["a"], "dst": ["b"], "kind": ["ownership"], "valid_from": ["2020-13"]}, "edges[0].valid_from"),
        ({"src": ["a"], "dst": ["b"], "kind": ["ownership"], "joint": ["maybe"]}, "edges[0].joint"),
        ({"src": ["a"], "dst": ["b"], "kind": ["ownership"], "pct": ["5"]}, "unknown column 'pct'"),
    ],
)
def test_a_bad_table_value_is_refused_with_its_row_and_column(edges, message):
    with pytest.raises(riskscore.NetworkError, match=re.escape(message)):
        read_tables({"id": ["a", "b"]}, edges)


def test_owners_and_partners_named_by_entity_id_take_country_name_and_share_from_the_network(policy, net, cps):
    cp = {
        **cps["tr-bosporus"],
        "owners": [{"entity": "cy-aphrodite"}],
        "trade_partners": [{"entity": "de-muster", "share": 0.5}],
    }
    r = policy.score(cp, DAY, network=net)
    owner = next(c for c in r.contributions if c.rule_id == "owner_country")
    assert (
        owner.items[0].code == "CY" and owner.items[0].share == 0.6 and owner.items[0].name == "Aphrodite Holdings Ltd"
    )
    assert (r.score, r.tier) == (policy.score(cps["tr-bosporus"], DAY, network=net).score, "high")
    for owners, path in (([{"entity": "nobody"}], "owners[0].entity"), ([{"entity": "p-ivanov"}], "owners[0].share")):
        with pytest.raises(riskscore.CounterpartyError) as exc:
            policy.score({**cp, "owners": owners}, DAY, network=net)
        assert exc.value.issues[0].path == path
    with pytest.raises(riskscore.CounterpartyError):  # without a network an entity id cannot be resolved
        policy.score(cp, DAY)
    batch = policy.score_many([cp], DAY, network=net)
    assert batch[0].model_dump() == r.model_dump()


def test_a_decision_scored_with_a_network_reproduces_with_it(policy, net, cps):
    stored = policy.score(cps["de-weser"], DAY, network=net).model_dump_json()
    assert policy.verify(stored, cps["de-weser"], network=net).reproduces
    assert not policy.verify(stored, cps["de-weser"]).reproduces  # without it the derived facts are missing
