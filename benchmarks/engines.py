"""Adapters: every implementation of the workload behind one interface.

An adapter's ``prepare`` builds its input from the workload records *outside* the timed
region only where the table says so (prebuilt columns, riskscore field names); ``run`` is
timed; ``decode`` turns the output into ``(scores, tiers, (n, 5) contributions)`` for the
check against the plain-Python reference; ``single`` scores one record (latency phase).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import reference as ref
from .workload import COMPREHENSIVE, HPC, RISK_LISTS, to_riskscore

AS_OF = "2026-07-01"
POLICY_DIR = Path(__file__).resolve().parent / "workload_policy"
TIER_IDS = list(ref.TIERS)
Decoded = tuple[np.ndarray, np.ndarray, np.ndarray]


@dataclass
class Adapter:
    """One implementation of the workload."""

    name: str
    run: Callable[[Any], Any]
    decode: Callable[[Any], Decoded]
    single: Callable[[dict[str, Any]], tuple[float, int]] | None
    prepare: Callable[[list[dict[str, Any]]], Any] = lambda recs: recs
    note: str = ""
    single_input: Callable[[dict[str, Any]], Any] = lambda rec: rec
    slow: bool = False
    tags: set[str] = field(default_factory=set)


def _rows(out: list[tuple[float, int, tuple[float, ...]]]) -> Decoded:
    return (
        np.array([o[0] for o in out]),
        np.array([o[1] for o in out]),
        np.array([o[2] for o in out]).reshape(len(out), 5),
    )


def reference() -> Adapter:
    """The plain-Python reference (the arbiter)."""
    return Adapter(
        "plain Python reference",
        run=lambda recs: [ref.score_one(r) for r in recs],
        decode=_rows,
        single=lambda r: ref.score_one(r)[:2],
        tags={"reference"},
    )


def numpy_adapters() -> list[Adapter]:
    """The hand-written numpy reference: kernel on prebuilt columns, and from row dicts."""

    def single(r: dict[str, Any]) -> tuple[float, int]:
        s, t, _ = ref.numpy_kernel(ref.NumpyColumns([r]))
        return float(s[0]), int(t[0])

    return [
        Adapter(
            "hand-written numpy, columns prebuilt (kernel only)",
            run=ref.numpy_kernel,
            decode=lambda out: out,
            single=None,
            prepare=ref.NumpyColumns,
            note="columns built outside the timing",
            tags={"numpy-kernel"},
        ),
        Adapter(
            "hand-written numpy, from row dicts",
            run=lambda recs: ref.numpy_kernel(ref.NumpyColumns(recs)),
            decode=lambda out: out,
            single=single,
        ),
    ]


# ---------------------------------------------------------------- riskscore
def _decode_results(results: list[Any]) -> Decoded:
    index = {t: i for i, t in enumerate(TIER_IDS)}
    factors = ["f1_incorporation", "f2_ownership", "f3_partner_exposure", "f4_operations", "f5_products"]
    contrib = np.zeros((len(results), 5))
    for i, res in enumerate(results):
        for c in res.contributions:
            contrib[i, factors.index(c.factor)] += c.weighted
    return (
        np.array([r.score for r in results]),
        np.array([index[r.tier] for r in results]),
        contrib,
    )


def _decode_batch(batch: Any) -> Decoded:
    order = [batch.tier_ids.index(t) for t in TIER_IDS]
    assert order == [0, 1, 2, 3]
    return batch.scores, batch.tiers.astype(np.int64), batch.contributions


def riskscore_adapters() -> list[Adapter]:
    """riskscore: score() in a loop, score_many from records, score_many from columns."""
    import riskscore
    from riskscore.columns import Columns

    policy = riskscore.load_policy(POLICY_DIR)

    def single(r: dict[str, Any]) -> tuple[float, int]:
        res = policy.score(r, AS_OF)
        return res.score, TIER_IDS.index(res.tier)

    def single_many(r: dict[str, Any]) -> tuple[float, int]:
        b = policy.score_many([r], AS_OF)
        return float(b.scores[0]), int(b.tiers[0])

    def renamed(recs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [to_riskscore(r) for r in recs]

    return [
        Adapter(
            "riskscore score() in a loop (validation + explained Result)",
            run=lambda recs: [policy.score(r, AS_OF) for r in recs],
            decode=_decode_results,
            single=single,
            single_input=to_riskscore,
            prepare=renamed,
            note="records renamed to riskscore fields outside the timing",
            tags={"riskscore", "score"},
        ),
        Adapter(
            "riskscore score_many from records (validation included)",
            run=lambda recs: policy.score_many(recs, AS_OF),
            decode=_decode_batch,
            single=single_many,
            single_input=to_riskscore,
            prepare=renamed,
            note="records renamed to riskscore fields outside the timing",
            tags={"riskscore", "records"},
        ),
        *_arrow_adapter(policy, renamed),
        Adapter(
            "riskscore score_many from columns",
            run=lambda cols: policy.score_many(cols, AS_OF),
            decode=_decode_batch,
            single=None,
            prepare=lambda recs: Columns.from_records(renamed(recs)),
            note="columns built outside the timing",
            tags={"riskscore", "columns"},
        ),
    ]


def _arrow_adapter(policy: Any, renamed: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]) -> list[Adapter]:
    """score_many from a pyarrow Table (lists of structs for owners and partners), if pyarrow is installed."""
    if importlib.util.find_spec("pyarrow") is None:
        return []
    import pyarrow as pa

    return [
        Adapter(
            "riskscore score_many from an Arrow table",
            run=lambda table: policy.score_many(table, AS_OF),
            decode=_decode_batch,
            single=None,
            prepare=lambda recs: pa.Table.from_pylist(renamed(recs)),
            note="Arrow table built outside the timing",
            tags={"riskscore", "arrow"},
        )
    ]


# ---------------------------------------------------------------- peers
def _risk_ternary(x: str, fmt: Callable[[list[str]], str]) -> str:
    parts = [f"{x} in {fmt(codes)} ? {pts} : " for _, pts, codes in RISK_LISTS]
    return "(" + "".join(parts) + "5)"


def _quoted(codes: list[str]) -> str:
    return "[" + ", ".join(f"'{c}'" for c in codes) + "]"


def zen_adapter() -> Adapter | None:
    """GoRules ZEN expressions (compiled once): factors, then score and tier."""
    if importlib.util.find_spec("zen") is None:
        return None
    import zen

    def risk(x: str) -> str:
        return _risk_ternary(x, _quoted)

    stage1 = zen.compile_expression(
        "{"
        f"f1: {risk('incorporation')}, "
        f"f2: max(map(owners, {risk('#.country')} * min([1, #.share / 0.25]))), "
        f"f3: min([100, sum(map(partners, #.share * {risk('#.country')}))]), "
        f"f4: len(operations) > 0 ? max(map(operations, {risk('#')})) : 0, "
        f"hpc: some(hs_codes, # in {_quoted(HPC)})"
        "}"
    )
    f5 = "(hpc and f3 >= 20 ? 100 : 0)"
    w = f"(0.3 * f1 + 0.25 * f2 + 0.25 * f3 + 0.1 * f4 + 0.1 * {f5})"
    score = f"(hit or f1 == 100 ? 100 : (pep ? min([100, {w} + 10]) : {w}))"
    tier = f"({score} < 25 ? 0 : {score} < 50 ? 1 : {score} < 75 ? 2 : 3)"
    stage2 = zen.compile_expression(f"{{f5: {f5}, score: {score}, tier: {tier}}}")

    def one(r: dict[str, Any]) -> tuple[float, int, tuple[float, ...]]:
        f = stage1.evaluate(r)
        f["pep"] = r["pep"]
        f["hit"] = r["sanctions_hit"]
        out = stage2.evaluate(f)
        contrib = (0.3 * f["f1"], 0.25 * f["f2"], 0.25 * f["f3"], 0.1 * f["f4"], 0.1 * out["f5"])
        return out["score"], int(out["tier"]), contrib

    return Adapter(
        "zen-engine (GoRules ZEN expressions, decimal)",
        run=lambda recs: [one(r) for r in recs],
        decode=_rows,
        single=lambda r: one(r)[:2],
    )


def _jl_risk(x: Any) -> Any:
    rule: Any = 5
    for _, pts, codes in reversed(RISK_LISTS):
        rule = {"if": [{"in": [x, codes]}, pts, rule]}
    return rule


def _jsonlogic_rules() -> tuple[Any, Any]:
    v = lambda name: {"var": name}  # noqa: E731
    f1 = _jl_risk(v("incorporation"))
    f2 = {
        "reduce": [
            {"map": [v("owners"), {"*": [_jl_risk(v("country")), {"min": [1, {"/": [v("share"), 0.25]}]}]}]},
            {"max": [v("accumulator"), v("current")]},
            0,
        ]
    }
    f3 = {
        "min": [
            100,
            {
                "reduce": [
                    {"map": [v("partners"), {"*": [v("share"), _jl_risk(v("country"))]}]},
                    {"+": [v("accumulator"), v("current")]},
                    0,
                ]
            },
        ]
    }
    f4 = {"reduce": [{"map": [v("operations"), _jl_risk(v(""))]}, {"max": [v("accumulator"), v("current")]}, 0]}
    hpc = {"some": [v("hs_codes"), {"in": [v(""), HPC]}]}
    stage1 = {"merge": [f1, f2, f3, f4, {"if": [hpc, 1, 0]}]}
    g = lambda i: {"var": f"f.{i}"}  # noqa: E731
    f5 = {"if": [{"and": [{"==": [g(4), 1]}, {">=": [g(2), 20]}]}, 100, 0]}
    w = {"+": [{"*": [0.3, g(0)]}, {"*": [0.25, g(1)]}, {"*": [0.25, g(2)]}, {"*": [0.1, g(3)]}, {"*": [0.1, f5]}]}
    score = {
        "if": [{"or": [v("hit"), {"==": [g(0), 100]}]}, 100, {"if": [v("pep"), {"min": [100, {"+": [w, 10]}]}, w]}]
    }
    tier = {"if": [{"<": [score, 25]}, 0, {"<": [score, 50]}, 1, {"<": [score, 75]}, 2, 3]}
    stage2 = {"merge": [f5, score, tier]}
    return stage1, stage2


def _jsonlogic_adapter(name: str, evaluate1: Callable[[Any], Any], evaluate2: Callable[[Any], Any]) -> Adapter:
    def one(r: dict[str, Any]) -> tuple[float, int, tuple[float, ...]]:
        f = evaluate1(r)
        f5, score, tier = evaluate2({"f": f, "pep": r["pep"], "hit": r["sanctions_hit"]})
        contrib = (0.3 * f[0], 0.25 * f[1], 0.25 * f[2], 0.1 * f[3], 0.1 * f5)
        return float(score), int(tier), contrib

    return Adapter(name, run=lambda recs: [one(r) for r in recs], decode=_rows, single=lambda r: one(r)[:2])


def datalogic_adapter() -> Adapter | None:
    """datalogic-py (Rust JSON Logic), rules compiled once."""
    if importlib.util.find_spec("datalogic_py") is None:
        return None
    import datalogic_py

    engine = datalogic_py.Engine()
    s1, s2 = _jsonlogic_rules()
    r1, r2 = engine.compile(s1), engine.compile(s2)
    return _jsonlogic_adapter("datalogic-py (Rust JSON Logic)", r1.evaluate, r2.evaluate)


def json_logic_adapter() -> Adapter | None:
    """json-logic-qubit (pure-Python JSON Logic)."""
    if importlib.util.find_spec("json_logic") is None:
        return None
    from json_logic import jsonLogic

    s1, s2 = _jsonlogic_rules()
    adapter = _jsonlogic_adapter(
        "json-logic-qubit (Python JSON Logic)", lambda d: jsonLogic(s1, d), lambda d: jsonLogic(s2, d)
    )
    adapter.slow = True
    return adapter


def rule_engine_adapter() -> Adapter | None:
    """rule-engine (Python expression language, decimal arithmetic)."""
    if importlib.util.find_spec("rule_engine") is None:
        return None
    import rule_engine

    def risk(x: str) -> str:
        return _risk_ternary(x, _quoted)

    ctx = rule_engine.Context(default_value=None)
    oc, pc = risk("o['country']"), risk("p['country']")
    stage1 = rule_engine.Rule(
        "["
        f"{risk('incorporation')}, "
        f"$max([{oc} * $min([1, o['share'] / 0.25]) for o in owners]), "
        f"$min([100, $sum([p['share'] * {pc} for p in partners])]), "
        f"(operations.length > 0 ? $max([{risk('c')} for c in operations]) : 0), "
        f"([h for h in hs_codes if h in {_quoted(HPC)}].length > 0 ? 1 : 0)"
        "]",
        context=ctx,
    )
    f5 = "(f[4] == 1 and f[2] >= 20 ? 100 : 0)"
    w = f"(0.3 * f[0] + 0.25 * f[1] + 0.25 * f[2] + 0.1 * f[3] + 0.1 * {f5})"
    score = f"(hit or f[0] == 100 ? 100 : (pep ? $min([100, {w} + 10]) : {w}))"
    tier = f"({score} < 25 ? 0 : ({score} < 50 ? 1 : ({score} < 75 ? 2 : 3)))"
    stage2 = rule_engine.Rule(f"[{f5}, {score}, {tier}]", context=ctx)

    def one(r: dict[str, Any]) -> tuple[float, int, tuple[float, ...]]:
        f = [float(x) for x in stage1.evaluate(r)]
        f5v, s, t = stage2.evaluate({"f": f, "pep": r["pep"], "hit": r["sanctions_hit"]})
        contrib = (0.3 * f[0], 0.25 * f[1], 0.25 * f[2], 0.1 * f[3], 0.1 * float(f5v))
        return float(s), int(t), contrib

    return Adapter(
        "rule-engine (Python, decimal)",
        run=lambda recs: [one(r) for r in recs],
        decode=_rows,
        single=lambda r: one(r)[:2],
        slow=True,
    )


def peers() -> list[Adapter]:
    """The peer engines that are installed (``pip install -e '.[bench]'``)."""
    found = [zen_adapter(), datalogic_adapter(), json_logic_adapter(), rule_engine_adapter()]
    return [a for a in found if a is not None]


def all_adapters() -> list[Adapter]:
    """Reference first, then numpy, riskscore and the installed peers."""
    return [reference(), *numpy_adapters(), *riskscore_adapters(), *peers()]


def missing_peers() -> list[str]:
    """Peer packages that are not installed."""
    names = {
        "zen": "zen-engine",
        "datalogic_py": "datalogic-py",
        "json_logic": "json-logic-qubit",
        "rule_engine": "rule-engine",
    }
    return [pkg for mod, pkg in names.items() if importlib.util.find_spec(mod) is None]


__all__ = ["COMPREHENSIVE", "Adapter", "all_adapters", "missing_peers", "peers", "reference", "riskscore_adapters"]
