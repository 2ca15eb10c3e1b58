"""A pickled Columns means the same counterparties in any process (Dask, Spark, multiprocessing).

Country and product numbers belong to the process that made them, so a Columns pickles by
codes and renumbers itself on load; hand-built columns with numbers no country or product has
are refused with a :class:`~riskscore.RiskscoreError`, never a bare ``ValueError``.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import riskscore
from riskscore import Policy
from riskscore.columns import COUNTRIES, PRODUCTS, Columns, Ragged

REPO = Path(__file__).resolve().parent.parent
D = "2026-07-01"

EXTRA = [
    {"id": "crimea", "incorporation": "UA-43", "operations": ["UA-43", "UA-30"], "products": ["930190", "8471.30"]},
    {"id": "kyiv", "incorporation": "UA-30", "owners": [{"country": "UA-43", "share": 0.6}], "products": ["300490"]},
    {"id": "bavaria", "incorporation": "DE-BY", "trade_partners": [{"country": "UA-43", "share": 0.2}]},
    {"id": "nothing"},
    {"id": "empty", "operations": [], "owners": [], "trade_partners": [], "products": []},
]

# Run in a fresh process: number other codes first (in the opposite order to the parent's, so
# the same codes get other numbers), then unpickle the parent's Columns and score it.
CHILD = """
import json, pickle, sys
import riskscore
from riskscore.columns import COUNTRIES, PRODUCTS, country_numbers, product_numbers

parent = json.loads(sys.argv[2])
country_numbers(["DE-BY", "FR-IDF", "US-CA"] + sorted(parent["countries"], key=parent["countries"].get, reverse=True))
product_numbers(["99", "0101"] + sorted(parent["products"], key=parent["products"].get, reverse=True))
with open(sys.argv[1], "rb") as f:
    cols = pickle.load(f)
batch = riskscore.load_policy().score_many(cols, sys.argv[3], errors="collect")
print(json.dumps({
    "out": {
        "scores": batch.scores.tolist(),
        "tiers": [batch.tier_ids[t] for t in batch.tiers.tolist()],
        "fired": [sorted(r for r, on in zip(batch.rule_ids, row) if on) for row in batch.fired.tolist()],
        "ok": batch.ok.tolist(),
    },
    "countries": {c: COUNTRIES.number[c] for c in parent["countries"]},
    "products": {c: PRODUCTS.number[c] for c in parent["products"]},
    "rows": [cols.counterparty(i).model_dump(mode="json") for i in range(len(cols))],
}))
"""


def _outcome(batch: riskscore.BatchResult) -> dict[str, Any]:
    """What the child prints of its batch (the same expression, written out there)."""
    return {
        "scores": batch.scores.tolist(),
        "tiers": [batch.tier_ids[t] for t in batch.tiers.tolist()],
        "fired": [sorted(r for r, on in zip(batch.rule_ids, row, strict=True) if on) for row in batch.fired.tolist()],
        "ok": batch.ok.tolist(),
    }


def _records() -> list[dict[str, Any]]:
    lines = (REPO / "examples" / "portfolio.jsonl").read_text().splitlines()
    return EXTRA + [json.loads(line) for line in lines]


def _used(cols: Columns) -> tuple[dict[str, int], dict[str, int]]:
    numbers = np.concatenate(
        [cols.incorporation, cols.operations.values, cols.owners.values, cols.trade_partners.values]
    )
    countries = {COUNTRIES.codes[k]: k for k in np.unique(numbers).tolist() if k >= 0}
    products = {PRODUCTS.codes[k]: k for k in np.unique(cols.products.values).tolist()}
    return countries, products


def test_a_pickled_columns_scores_the_same_in_a_process_that_numbered_other_codes(
    policy: Policy, tmp_path: Path
) -> None:
    cols = Columns.from_records(_records())
    parent = _outcome(policy.score_many(cols, D, errors="collect"))
    countries, products = _used(cols)
    assert {"UA-43", "UA-30", "DE-BY"} <= set(countries) and {"930190", "847130"} <= set(products)
    path = tmp_path / "cols.pkl"
    path.write_bytes(pickle.dumps(cols))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    used = json.dumps({"countries": countries, "products": products})
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), used, D], capture_output=True, text=True, env=env, check=False
    )
    assert proc.returncode == 0, proc.stderr
    child = json.loads(proc.stdout)
    assert child["countries"] != countries and child["products"] != products  # other numbers there
    assert child["out"] == parent
    assert child["rows"] == [cols.counterparty(i).model_dump(mode="json") for i in range(len(cols))]
    assert child["rows"][0]["incorporation"] == "UA-43" and child["rows"][1]["incorporation"] == "UA-30"


def test_the_pickle_holds_each_code_once_and_round_trips_in_process(policy: Policy) -> None:
    cols = Columns.from_records(
        [{"id": f"c{i}", "incorporation": "UA-43", "products": ["930190"]} for i in range(5000)]
    )
    data = pickle.dumps(cols)
    assert data.count(b"UA-43") == 1 and data.count(b"930190") == 1
    assert b"riskscore._" not in data  # classes by their public homes (riskscore.Columns, riskscore.columns.Ragged)
    back = pickle.loads(data)
    assert _arrays(back) == _arrays(cols) and back.ids == cols.ids
    assert _outcome(policy.score_many(back, D)) == _outcome(policy.score_many(cols, D))


def test_missing_values_names_and_attributes_survive_pickling() -> None:
    records = [
        {"id": "a", "owners": [{"country": "DE", "share": 0.5, "name": "Anna"}], "attributes": {"segment": "retail"}},
        {"id": "b", "operations": None, "attributes": {"segment": None, "size": 3}},
    ]
    cols = Columns.from_records(records)
    back = pickle.loads(pickle.dumps(cols))
    assert back.incorporation.tolist() == [-1, -1] and back.operations.missing.tolist() == [True, True]
    assert back.owner_names == ["Anna"]
    assert {k: v.tolist() for k, v in back.attributes.items()} == {k: v.tolist() for k, v in cols.attributes.items()}
    assert [back.counterparty(i) for i in range(2)] == [cols.counterparty(i) for i in range(2)]


def _arrays(cols: Columns) -> list[list[Any]]:
    """Every number array of ``cols`` as lists (in one process the numbers come back unchanged)."""
    lists = [cols.incorporation.tolist(), cols.pep.tolist(), cols.sanctions_hit.tolist()]
    for rag in (cols.operations, cols.owners, cols.trade_partners, cols.products):
        shares = [] if rag.shares is None else rag.shares.tolist()
        lists += [rag.values.tolist(), rag.offsets.tolist(), rag.missing.tolist(), shares]
    return lists


def _hand_built(incorporation: list[int], operations: list[int], products: list[int]) -> Columns:
    n = len(incorporation)
    ops = Ragged(np.array(operations, np.int32), np.array([0] + [len(operations)] * n, np.int64), np.zeros(n, bool))
    prod = Ragged(np.array(products, np.int32), np.array([0] + [len(products)] * n, np.int64), np.zeros(n, bool))
    none = Ragged(np.zeros(0, np.int32), np.zeros(n + 1, np.int64), np.ones(n, bool), np.zeros(0))
    flags = np.zeros(n, bool)
    return Columns([f"r{i}" for i in range(n)], np.array(incorporation, np.int32), ops, none, none, prod, flags, flags)


@pytest.mark.parametrize(
    ("incorporation", "operations", "products", "path", "kind"),
    [
        ([10**6], [], [], "incorporation", "country"),
        ([-5], [], [], "incorporation", "country"),
        ([-1], [10**6], [], "operations", "country"),
        ([-1], [-1], [], "operations", "country"),
        ([-1], [], [10**6], "products", "product"),
    ],
)
def test_numbers_no_country_or_product_has_raise_a_riskscore_error(
    policy: Policy, incorporation: list[int], operations: list[int], products: list[int], path: str, kind: str
) -> None:
    cols = _hand_built(incorporation, operations, products)
    for candidate in (cols, pickle.loads(pickle.dumps(cols))):  # still refused after a round trip
        for errors in ("raise", "collect"):
            with pytest.raises(riskscore.RiskscoreError) as info:
                policy.score_many(candidate, D, errors=errors)  # type: ignore[arg-type]
            assert isinstance(info.value, riskscore.CounterpartyError) and info.value.index is None
            assert info.value.path == path and info.value.issues[0].code == "invalid"
            assert f"not {kind} numbers of this process" in str(info.value)


def test_inconsistent_arrays_raise_a_riskscore_error() -> None:
    cols = _hand_built([-1, -1], [], [])
    decreasing = Ragged(np.zeros(0, np.int32), np.array([0, 1, 0], np.int64), np.zeros(2, bool))
    no_shares = replace(cols.owners, shares=None)
    for broken in (
        replace(cols, operations=decreasing),
        replace(cols, pep=np.zeros(1, bool)),
        replace(cols, owners=no_shares),
        replace(cols, attributes={"size": np.zeros(3, object)}),
    ):
        with pytest.raises(riskscore.CounterpartyError) as info:
            broken.problems()
        assert info.value.index is None and info.value.issues[0].code == "invalid"
