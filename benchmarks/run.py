"""Run the peer benchmark: ``python -m benchmarks.run --n 100000``.

Every implementation scores the same seeded portfolio in one process; each is checked
against the plain-Python reference (scores within 1e-9, tiers, explanations) and any
mismatch shows FAIL. Prints a Markdown table (throughput, single-call latency, peak
memory, ratios) and the riskscore targets.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from typing import Any

import numpy as np

from . import engines
from . import reference as ref
from .workload import SEED, fingerprint, generate

TOL = 1e-9


def _check(decoded: engines.Decoded, want: engines.Decoded, f3: np.ndarray) -> dict[str, int]:
    scores, tiers, contrib = decoded
    rs, rt, rc = want
    n = len(rs)
    bad_score = int((np.abs(scores[:n] - rs) > TOL).sum())
    at_bound = np.zeros(n, np.bool_)
    for b in ref.BOUNDS:
        at_bound |= np.abs(rs - b) <= TOL
    tier_diff = tiers[:n] != rt
    expl = np.any((contrib[:n] > 0) != (rc > 0), axis=1) | np.any(np.abs(contrib[:n] - rc) > TOL, axis=1)
    return {
        "score": bad_score,
        "tier": int((tier_diff & ~at_bound).sum()),
        "tier_at_ties": int((tier_diff & at_bound).sum()),
        "explanation": int(expl.sum()),
    }


def _time(fn: Any, arg: Any, repeat: int) -> tuple[float, Any]:
    times = []
    out = None
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        out = fn(arg)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def _peak(fn: Any, arg: Any) -> int:
    gc.collect()
    tracemalloc.start()
    out = fn(arg)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del out
    return peak


def _latency(a: engines.Adapter, recs: list[dict[str, Any]], want: engines.Decoded) -> tuple[float, float, int]:
    samples = []
    wrong = 0
    single = a.single
    assert single is not None
    for i, r in enumerate(map(a.single_input, recs)):
        t0 = time.perf_counter_ns()
        s, t = single(r)
        samples.append(time.perf_counter_ns() - t0)
        if abs(s - want[0][i]) > TOL or t != want[1][i]:
            wrong += 1
    samples.sort()
    return samples[len(samples) // 2] / 1e3, samples[int(len(samples) * 0.99)] / 1e3, wrong


_LOAD = """
import time, json
t0 = time.perf_counter(); import riskscore; t1 = time.perf_counter()
p = riskscore.load_policy(); t2 = time.perf_counter()
one = [{"id": "x", "incorporation": "DE"}]
p.score_many(one, "2026-07-01", errors="collect"); t3 = time.perf_counter()
import pycountry
codes = [c.alpha_2 for c in pycountry.countries] + [s.code for s in pycountry.subdivisions]
p.score_many([{"id": str(i), "incorporation": c} for i, c in enumerate(codes)], "2026-06-01", errors="collect")
t4 = time.perf_counter(); p.score_many(one, "2026-05-01", errors="collect"); t5 = time.perf_counter()
print(json.dumps([t1 - t0, t2 - t1, t3 - t2, t5 - t4, len(codes)]))
"""


def _load_times() -> tuple[float, float, float, int]:
    """Fresh-process medians of 5 runs (ms): load of the bundled policy, the first score_many (one
    record, new date), and a one-record score_many on a new date after a batch numbering every
    ISO 3166 country and subdivision code; and how many codes that batch had."""
    runs = [subprocess.run([sys.executable, "-c", _LOAD], capture_output=True, text=True, check=True) for _ in range(5)]
    vals = [json.loads(r.stdout) for r in runs]
    med = [statistics.median(v[k] for v in vals) * 1e3 for k in (1, 2, 3)]
    return med[0], med[1], med[2], int(vals[0][4])


def main(argv: list[str] | None = None) -> int:
    """Run every adapter and print the table."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    p.add_argument("--n", type=int, default=100_000, help="portfolio size")
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--slow-n", type=int, default=20_000, help="portfolio size for the slow pure-Python peers")
    p.add_argument("--single", type=int, default=2_000, help="single calls timed per implementation")
    p.add_argument("--repeat", type=int, default=3, help="throughput runs per implementation (median)")
    p.add_argument("--only", default=None, help="only implementations whose name contains this")
    p.add_argument("--no-memory", action="store_true", help="skip the tracemalloc pass")
    args = p.parse_args(argv)

    t0 = time.perf_counter()
    recs = generate(args.n, args.seed)
    gen_s = time.perf_counter() - t0
    print(f"portfolio: n={args.n} seed={args.seed} generated in {gen_s:.1f}s; sha256(first 10,000) {fingerprint(recs)}")
    print(f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}")
    missing = engines.missing_peers()
    if missing:
        print(f"not installed (skipped): {', '.join(missing)}; pip install -e '.[bench]'")
    reference = engines.reference()
    t_ref, out_ref = _time(reference.run, recs, 1)
    want = reference.decode(out_ref)
    facs = np.array([ref.factors(r)[2] for r in recs])
    ties_tier = int(sum((np.abs(want[0] - b) <= TOL).sum() for b in ref.BOUNDS))
    ties_f5 = int((np.abs(facs - 20) <= TOL).sum())
    print(
        f"ties: {ties_tier} reference scores within 1e-9 of a tier bound; {ties_f5} F3 within 1e-9 of the F5 threshold"
    )
    ref_rate = args.n / t_ref
    rows = []
    for a in engines.all_adapters():
        if args.only and args.only not in a.name and "reference" not in a.tags:
            continue
        n = min(args.n, args.slow_n) if a.slow else args.n
        sub = recs[:n]
        sub_want = (want[0][:n], want[1][:n], want[2][:n])
        inp = a.prepare(sub)
        repeat = 1 if a.slow else args.repeat
        secs, out = _time(a.run, inp, repeat)
        check = _check(a.decode(out), sub_want, facs[:n])
        del out
        peak = 0 if args.no_memory else _peak(a.run, inp)
        lat = _latency(a, sub[: args.single], sub_want) if a.single else None
        if lat and lat[2]:
            check["single"] = lat[2]
        rate = n / secs
        rows.append((a, n, rate, lat, peak, check))
        print(f"  {a.name}: {rate:,.0f}/s", file=sys.stderr)
    ref_rate = next((r[2] for r in rows if "reference" in r[0].tags), ref_rate)
    _table(rows, ref_rate)
    _targets(rows, *_load_times())
    return 1 if any(sum(r[5].values()) - r[5]["tier_at_ties"] for r in rows) else 0


def _fmt_us(us: float) -> str:
    return f"{us:,.1f} µs" if us < 1000 else f"{us / 1000:,.2f} ms"


def _table(rows: list[Any], ref_rate: float) -> None:
    print()
    print(
        "| implementation | n | counterparties/s | × reference time | single call median | p99 | peak memory | bytes/cp | check |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    notes = sorted({a.note for a, *_ in rows if a.note})
    marks = {text: "¹²³⁴⁵"[i] for i, text in enumerate(notes)}
    for a, n, rate, lat, peak, check in rows:
        fails = {k: v for k, v in check.items() if v and k != "tier_at_ties"}
        status = "ok" if not fails else "FAIL " + ", ".join(f"{k} {v}" for k, v in fails.items())
        if check["tier_at_ties"]:
            status += f" (tier mismatches at ties: {check['tier_at_ties']})"
        med = _fmt_us(lat[0]) if lat else "–"
        p99 = _fmt_us(lat[1]) if lat else "–"
        mem = f"{peak / 2**20:,.1f} MiB" if peak else "–"
        per = f"{peak / n:,.0f}" if peak else "–"
        note = f" {marks[a.note]}" if a.note else ""
        print(
            f"| {a.name}{note} | {n:,} | {rate:,.0f} | {ref_rate / rate:.3f} | {med} | {p99} | {mem} | {per} | {status} |"
        )
    for text, mark in marks.items():
        print(f"\n{mark} {text}")


def _targets(rows: list[Any], load_ms: float, first_ms: float, after_all_ms: float, codes: int) -> None:
    """The targets of issue 9 ("one compiled program"), each MET or MISSED by how much."""
    by_tag: dict[str, Any] = {}
    for row in rows:
        for tag in row[0].tags:
            by_tag[tag] = row
    print("\ntargets:")

    def line(what: str, got: str, target: str, ok: bool, miss: str) -> None:
        print(f"- {what}: {got} (target {target}) {'MET' if ok else 'MISSED' + miss}")

    if "score" in by_tag and by_tag["score"][3]:
        med = by_tag["score"][3][0]
        line("score() median, validation + explanation", _fmt_us(med), "<= 15 µs", med <= 15, f" ({med / 15:.1f}x)")
    for tag, what, want in (("records", "Python dicts", 400_000), ("arrow", "an Arrow table", 3_000_000)):
        if tag in by_tag:
            rate = by_tag[tag][2]
            line(f"score_many from {what}", f"{rate:,.0f}/s", f">= {want:,}/s", rate >= want, f" ({want / rate:.1f}x)")
    if "columns" in by_tag and "numpy-kernel" in by_tag:
        ratio = by_tag["numpy-kernel"][2] / by_tag["columns"][2]
        line("score_many from columns vs the numpy kernel", f"{ratio:.2f}x slower", "<= 1.5x", ratio <= 1.5, "")
    if "columns" in by_tag and by_tag["columns"][4]:
        peak, n = by_tag["columns"][4], by_tag["columns"][1]
        print(f"- batch memory beyond the input (columns): {peak / n:,.0f} bytes/cp")
    line("policy load, bundled default, fresh process", f"{load_ms:.0f} ms", "<= 100 ms", load_ms <= 100, "")
    line("first score_many on a new date, fresh process", f"{first_ms:.1f} ms", "<= 5 ms", first_ms <= 5, "")
    line(
        f"score_many on a new date after {codes:,} codes numbered",
        f"{after_all_ms:.1f} ms",
        "<= 5 ms",
        after_all_ms <= 5,
        "",
    )


if __name__ == "__main__":
    sys.exit(main())
