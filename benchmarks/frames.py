"""DataFrames and Arrow in and out: ``python -m benchmarks.frames --n 100000``.

Builds a portfolio of ``--n`` counterparties (the bundled default policy's countries, a
null in every nullable column: NaN / None incorporation, null lists, a few refused rows),
as a pandas DataFrame and as a pyarrow Table; scores each with ``score_many`` and turns the
result back into a DataFrame / Table; checks every row against ``Policy.score`` of the same
record (score, tier, factor values, fired rules, applied overrides; refused rows refused by
both); and prints the throughput of frame -> BatchResult -> frame, next to a list of dicts.
Needs the ``pandas`` and ``pyarrow`` extras.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from typing import Any

import riskscore

AS_OF = "2026-07-01"
COUNTRIES = ["DE", "FR", "PL", "TR", "AE", "HK", "CN", "KZ", "AM", "RU", "BY", "IR", "KP", "SY", "UA-43", "MM", "VE"]
PRODUCTS = ["847989", "854231", "854239", "851762", "8471", "85", "88", "030211", "85423190"]


def _shared(rng: random.Random) -> list[dict[str, Any]]:
    weights = [rng.random() + 0.01 for _ in range(rng.randint(0, 4))]
    scale = rng.random() / (sum(weights) or 1.0)
    return [{"country": rng.choice(COUNTRIES), "share": round(w * scale, 4)} for w in weights]


def portfolio(n: int, seed: int = 20261202) -> list[dict[str, Any]]:
    """``n`` records with a null (None) in each nullable field now and then, and 0.1 % refused rows."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        rec: dict[str, Any] = {
            "id": f"cp-{i:06d}",
            "incorporation": rng.choice(COUNTRIES) if rng.random() < 0.95 else None,
            "operations": rng.sample(COUNTRIES, rng.randint(0, 3)) if rng.random() < 0.9 else None,
            "owners": _shared(rng) if rng.random() < 0.9 else None,
            "trade_partners": _shared(rng) if rng.random() < 0.9 else None,
            "products": rng.sample(PRODUCTS, rng.randint(0, 3)) if rng.random() < 0.85 else None,
            "pep": rng.random() < 0.1,
            "sanctions_hit": rng.random() < 0.03,
        }
        if rng.random() < 0.001:
            rec["incorporation"] = "Atlantis"
        out.append(rec)
    return out


def frames(recs: list[dict[str, Any]]) -> tuple[Any, Any]:
    """The records as a DataFrame (NaN for a null incorporation, as pandas reads it) and a Table."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    df = pd.DataFrame(recs)
    df["incorporation"] = df["incorporation"].where(df["incorporation"].notna(), np.nan)
    return df, pa.Table.from_pylist(recs)


def check(policy: riskscore.Policy, recs: list[dict[str, Any]], out: Any) -> int:
    """Rows of the output DataFrame that differ from ``policy.score`` of the record."""
    factor_cols = [c for c in out.columns if c.startswith("factor_")]
    bad = 0
    rows = out.to_dict(orient="records")
    for rec, row in zip(recs, rows, strict=True):
        try:
            r = policy.score(rec, AS_OF)
        except riskscore.CounterpartyError as exc:
            bad += row["ok"] or row["error"] != "; ".join(str(i) for i in exc.issues)
            continue
        same = (
            row["ok"]
            and row["score"] == r.score
            and row["tier"] == r.tier
            and row["score_before_overrides"] == r.score_before_overrides
            and row["tier_before_overrides"] == r.tier_before_overrides
            and [row[c] for c in factor_cols] == [r.factors[c[len("factor_") :]] for c in factor_cols]
            and list(row["fired_rules"]) == [c.rule_id for c in r.contributions]
            and list(row["overrides"]) == [o.override_id for o in r.overrides]
            and list(row["warnings"]) == [f"{w.code}:{w.list_id}" for w in r.warnings]
        )
        bad += not same
    return bad


def _rate(fn: Any, n: int, repeat: int) -> tuple[float, float]:
    """Rows per wall-clock second and per second of this process's CPU time (medians): on a
    shared machine the second is the throughput per core, the first what this run saw."""
    wall, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return n / statistics.median(wall), n / statistics.median(cpu)


def main(argv: list[str] | None = None) -> int:
    """Run the check and the timings; exit status 1 on any mismatch."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args(argv)
    policy = riskscore.load_policy()
    recs = portfolio(args.n)
    df, table = frames(recs)
    nulls = {c: int(df[c].isna().sum()) for c in df.columns}
    print(f"{args.n:,} rows; nulls per column: {nulls}")
    out = policy.score_many(df, AS_OF, errors="collect").to_pandas()
    arrow_out = policy.score_many(table, AS_OF, errors="collect").to_arrow().to_pandas()
    refused = int((~out["ok"]).sum())
    mismatches = check(policy, recs, out), check(policy, recs, arrow_out)
    print(f"refused rows: {refused}; rows differing from score(): pandas {mismatches[0]}, arrow {mismatches[1]}")
    rates = {
        "pandas DataFrame -> BatchResult -> DataFrame": _rate(
            lambda: policy.score_many(df, AS_OF, errors="collect").to_pandas(), args.n, args.repeat
        ),
        "pyarrow Table -> BatchResult -> Table": _rate(
            lambda: policy.score_many(table, AS_OF, errors="collect").to_arrow(), args.n, args.repeat
        ),
        "list of dicts -> BatchResult (no frame out)": _rate(
            lambda: policy.score_many(recs, AS_OF, errors="collect"), args.n, args.repeat
        ),
    }
    print("\n| path | rows/s (wall clock) | rows per CPU second |\n|---|---:|---:|")
    for name, (wall, cpu) in rates.items():
        print(f"| {name} | {wall:,.0f} | {cpu:,.0f} |")
    return 1 if any(mismatches) else 0


if __name__ == "__main__":
    sys.exit(main())
