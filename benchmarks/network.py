"""Network benchmark: ``python -m benchmarks.network --nodes 1000000 --edges 5000000``.

A seeded generator (Zipf out-degree, ownership shares normalised per asset, trade shares per
trader, 1 % of nodes listed) and the timings of issue 10's budgets: graph build from arrays
(string ids interned), the as-of snapshot, OFAC / EU / UK closures, 4-hop trade exposure for
all nodes, best paths for all nodes (kept during the exposure: timed as the share of its run),
memory per edge and node (tracemalloc peak of the build), one counterparty's status with its
proof. Benchmark data only, never cited facts.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

import riskscore
from riskscore._network.exposure import best_paths
from riskscore.network import Closure, Method, Network, damped_sum

SEED = 20240224


def generate(n: int, m: int, seed: int = SEED) -> tuple[dict[str, Any], dict[str, Any]]:
    """Node and edge tables as numpy arrays (ids ``b'E000000000000042'``, 16 bytes)."""
    rng = np.random.default_rng(seed)
    ids = np.char.add(b"E", np.char.zfill(np.arange(n).astype("S15"), 15))
    degree = np.minimum(rng.zipf(1.8, n), 1000).astype(np.float64)
    src = rng.choice(n, size=m, p=degree / degree.sum()).astype(np.int32)
    dst = rng.integers(0, n, m, dtype=np.int32)
    loop = src == dst
    dst[loop] = (dst[loop] + 1) % n
    kind = rng.choice(np.array([0, 1, 4, 5], np.uint8), size=m, p=[0.6, 0.05, 0.2, 0.15])
    w = rng.random(m)
    own = kind == 0
    per_asset = np.bincount(dst[own], weights=w[own], minlength=n)
    trade = kind >= 4
    per_trader = np.bincount(src[trade], weights=w[trade], minlength=n)
    share = np.where(
        own, w / np.maximum(per_asset[dst], 1e-12), np.where(trade, w / np.maximum(per_trader[src], 1e-12), np.nan)
    )
    share = np.where(own, share * rng.uniform(0.6, 1.0, m), share)
    share = np.minimum(share, 1.0)
    flags = np.zeros(n, np.uint64)
    flags[rng.random(n) < 0.01] = 1
    nodes = {"id": ids, "flag_bits": flags}
    edges = {"src": ids[src], "dst": ids[dst], "kind": kind, "share_lo": share, "share_hi": share}
    return nodes, edges


def _time(label: str, fn: Any, rows: list[tuple[str, float, str]], budget: str) -> Any:
    t = time.perf_counter()
    out = fn()
    rows.append((label, time.perf_counter() - t, budget))
    return out


def _policy() -> riskscore.Policy:
    """The bundled default policy, its network facts seeded by the generator's flag (``flag0``)."""
    path = Path(riskscore.__file__).parent / "_rules" / "default" / "policy.yaml"
    if not path.is_file():
        path = Path(__file__).resolve().parents[1] / "rules" / "default" / "policy.yaml"
    text = path.read_text().replace("seeds: {flags: [sanction]}", "seeds: {flags: [flag0]}")
    return riskscore.load_policy_bytes(text.encode(), root=path.parent)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=1_000_000)
    ap.add_argument("--edges", type=int, default=5_000_000)
    args = ap.parse_args()
    nodes, edges = generate(args.nodes, args.edges)
    rows: list[tuple[str, float, str]] = []
    tracemalloc.start()
    net = _time("graph build from arrays (ids interned)", lambda: Network.from_tables(nodes, edges), rows, "3 s")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    day = date(2026, 1, 1)
    snap = _time("as-of snapshot (filter, de-duplicate, checks)", lambda: net.at(day), rows, "-")
    seeds = net.flagged("flag0")

    for name in ("ofac_50_aggregate", "eu_owned_or_controlled", "uk_owned_or_controlled"):
        c = _time(f"closure {name}", lambda name=name: Closure(snap, seeds, Method(name)), rows, "0.3 s")
    risk = np.where(seeds, 100.0, 0.0)
    exp = _time(
        "4-hop damped trade exposure, all nodes, with best paths",
        lambda: damped_sum(snap, risk, max_hops=4),
        rows,
        "0.3 s + 0.4 s",
    )
    paths = _time(
        "best-path explanations, all nodes (edge matrix)",
        lambda: best_paths(snap, exp, forward=True),
        rows,
        "0.4 s",
    )
    caught = np.flatnonzero(c.caught())
    one = int(caught[0]) if caught.size else 0
    t = time.perf_counter()
    for i in caught[:200]:
        c.proof(int(i))
    per = (time.perf_counter() - t) / max(1, min(200, caught.size))
    rows.append(("one counterparty's status with its proof (median of 200 caught)", per, "1 ms"))
    exposed = int((exp.value > 0).sum())
    policy = _policy()
    facts = _time(
        "the default policy's 5 network facts, all nodes (once per network and date)",
        lambda: policy._network_facts(net, day),
        rows,
        "-",
    )
    facts.node(net.node_id(0))  # the id lookup table, built on first use
    ids = [net.node_id(int(i)) for i in caught[:200]]
    times = []
    for cp_id in ids:
        t = time.perf_counter()
        result = policy.score({"id": cp_id, "incorporation": "DE"}, day, network=net)
        times.append(time.perf_counter() - t)
    rows.append(
        (
            "one counterparty scored by the policy with its proofs (median of 200 caught)",
            float(np.median(times)),
            "1 ms",
        )
    )
    print(
        f"paths: {int((paths[:, 0] >= 0).sum()):,} nodes with a path; {result.tier} {[o.override_id for o in result.overrides]}"
    )
    print(
        f"nodes {len(net):,}, edges {net.n_edges:,}, active {snap.active.size:,}, listed {int(seeds.sum()):,}, "
        f"caught (UK) {caught.size:,}, exposed {exposed:,}, notes {dict(Counter(x.code for x in snap.notes))}"
    )
    print(
        f"memory: network arrays {net.nbytes / 2**20:.0f} MiB = {net.nbytes / net.n_edges:.1f} B/edge "
        f"incl. {(net.nbytes - sum(a.nbytes for a in net.edges.values())) / len(net):.1f} B/node of node columns"
    )
    print(
        f"memory: build peak {peak / 2**20:.0f} MiB = {peak / net.n_edges:.1f} B/edge at {args.nodes:,} nodes "
        f"(budget 40 B/edge + 32 B/node = {(40 * net.n_edges + 32 * len(net)) / 2**20:.0f} MiB)"
    )
    print(f"proof of node {one}:", *c.proof(one).lines()[:4], sep="\n  ")
    print("\n| step | seconds | budget |\n|---|---:|---|")
    for label, sec, budget in rows:
        print(f"| {label} | {sec:.3f} | {budget} |" if sec >= 0.01 else f"| {label} | {sec * 1000:.3f} ms | {budget} |")


if __name__ == "__main__":
    main()
