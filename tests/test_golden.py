"""The golden file: every record of examples/portfolio.jsonl on three dates, as ``Result`` JSON
and ``explain()``, under the bundled default policy.

A change to scoring, explanations or the bundled data shows here record by record. When the
change is intended, regenerate with ``RISKSCORE_UPDATE_GOLDEN=1 python -m pytest
tests/test_golden.py`` and give the reason in the commit message. ``engine_version`` is left
out (it changes at every release without changing a decision). The file records the pycountry
version it was made with: under another one (CI's declared-minimum job) country and
subdivision names may read differently, so only the decisions are compared there (score,
tier, factors, each contribution's points and each override's effect, warning codes).
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import Any

import pytest

import riskscore
from riskscore._data_versions import data_versions

REPO = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).with_name("golden") / "portfolio.jsonl.gz"
DATES = ("2022-12-01", "2024-07-01", "2026-07-01")  # before and after FATF's suspension of Russia, and today's lists


def _current() -> list[dict[str, Any]]:
    policy = riskscore.load_policy()
    rows = [json.loads(line) for line in (REPO / "examples" / "portfolio.jsonl").read_text().splitlines() if line]
    out = []
    for as_of in DATES:
        for row in rows:
            result = policy.score(row, as_of)
            dumped = result.model_dump(mode="json", exclude={"engine_version", "data_versions"})
            out.append({"id": row["id"], "as_of": as_of, "result": dumped, "explain": result.explain()})
    return out


def _pycountry() -> str:
    return data_versions().get("pycountry", "")


def _decision(result: dict[str, Any]) -> dict[str, Any]:
    keys = ("score", "tier", "score_before_overrides", "tier_before_overrides", "factors", "fingerprint")
    return {
        **{k: result[k] for k in keys},
        "contributions": [(c["rule_id"], c["points"], c["weighted"]) for c in result["contributions"]],
        "overrides": [(o["override_id"], o["score_after"], o["tier_after"]) for o in result["overrides"]],
        "warnings": [w["code"] for w in result["warnings"]],
    }


def _key(entry: dict[str, Any]) -> tuple[str, str]:
    return entry["as_of"], entry["id"]


def test_results_and_explanations_match_the_golden_file() -> None:
    current = _current()
    if os.environ.get("RISKSCORE_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        header = {"pycountry": _pycountry()}
        text = "".join(json.dumps(e, sort_keys=True, ensure_ascii=False) + "\n" for e in [header, *current])
        GOLDEN.write_bytes(gzip.compress(text.encode(), mtime=0))
    header, *stored = _stored()
    assert [_key(e) for e in stored] == [_key(e) for e in current], "records or dates changed"
    same_names = header["pycountry"] == _pycountry()
    for old, new in zip(stored, current, strict=True):
        if old == new or (not same_names and _decision(old["result"]) == _decision(new["result"])):
            continue
        fields = sorted(k for k in {*old["result"], *new["result"]} if old["result"].get(k) != new["result"].get(k))
        detail = f"fields {fields}" if fields else "explain() text"
        pytest.fail(f"{old['id']} on {old['as_of']}: {detail} differ from the golden file (see the module docstring)")


def _stored() -> list[dict[str, Any]]:
    return [json.loads(line) for line in gzip.decompress(GOLDEN.read_bytes()).decode().splitlines()]


def test_the_golden_file_covers_every_tier_and_some_overrides() -> None:
    stored = _stored()[1:]
    assert len(stored) == 3 * 300
    assert {e["result"]["tier"] for e in stored} == {"low", "medium", "high", "prohibited"}
    assert sum(bool(e["result"]["overrides"]) for e in stored) > 100
