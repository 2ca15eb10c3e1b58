"""Where the time goes: stage timings of the paths measured by ``benchmarks.run``.

``python -m benchmarks.profile --n 100000`` scores the benchmark workload (the same seeded
portfolio and policy as ``benchmarks.run``) and splits each path's time into its stages by
wrapping riskscore's internal functions with timers (the figures of a stage include the
timer's own cost, about 0.1 µs per call). Benchmark code only: it reads private names, so it
changes with the implementation; nothing here is imported by riskscore.

- ``score()``: median per call of the date, the dict's validation, the rules, the overrides
  and the result, with and without the cyclic garbage collector;
- ``score_many`` from dicts and from an Arrow table: reading the input into columns vs scoring;
- ``score_many`` from prebuilt columns: the checks of the columns, each rule kind's and
  override condition's ``vec()``, the weighted sum, the rest of the kernel and what is
  outside it (the result's arrays, ids, tiers).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import date
from typing import Any

import riskscore
import riskscore._intake as intake
import riskscore._vector as vector
import riskscore.batch as batch_module
from riskscore._record import fast_record
from riskscore._rowctx import RowContext
from riskscore.columns import Columns
from riskscore.policy import parse_as_of

from .engines import AS_OF, POLICY_DIR
from .workload import generate, to_riskscore


@contextmanager
def timers(spent: dict[str, float], targets: list[tuple[Any, str, str]]) -> Iterator[None]:
    """Wrap ``owner.name`` for each ``(owner, name, label)`` so its time adds to ``spent[label]``."""

    def timed(fn: Callable[..., Any], label: str) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.perf_counter() - t

        return run

    with ExitStack() as stack:
        for owner, name, label in targets:
            original = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
            setattr(owner, name, timed(getattr(owner, name), label))
            stack.callback(setattr, owner, name, original)
        yield


def _median_us(fn: Callable[[Any], Any], items: list[Any]) -> float:
    for x in items[:200]:
        fn(x)
    spent = []
    for x in items:
        t = time.perf_counter_ns()
        fn(x)
        spent.append(time.perf_counter_ns() - t)
    return statistics.median(spent) / 1000


def profile_score(policy: Any, records: list[dict[str, Any]]) -> None:
    """Median µs per ``score()`` call and of its stages, on the first 2,000 records."""
    engine = policy._engine
    day = date.fromisoformat(AS_OF)
    recs = records[:2000]
    cps = [fast_record(r) for r in recs]
    snap = engine.snapshot(day)

    def rules(cp: Any) -> None:
        engine._factors(RowContext(engine, snap, cp))

    def rules_and_overrides(cp: Any) -> None:
        ctx = RowContext(engine, snap, cp)
        engine._factors(ctx)
        engine._overrides(ctx, 30.0, engine.tiers[1].id)

    total = _median_us(lambda r: policy.score(r, AS_OF), recs)
    gc.disable()  # the stages without the collector's passes, which fall on whichever call allocates
    try:
        no_gc = _median_us(lambda r: policy.score(r, AS_OF), recs)
        parts = {
            "as_of string -> date": _median_us(parse_as_of, [AS_OF] * len(recs)),
            "dict validation (fast_record)": _median_us(fast_record, recs),
            "rules (5 factors; explanations deferred)": _median_us(rules, cps),
            "rules + overrides": _median_us(rules_and_overrides, cps),
            "engine.score (rules, overrides, Result)": _median_us(lambda c: engine.score(c, day, private=True), cps),
        }
    finally:
        gc.enable()
    print(f"score(): median {total:.1f} µs per call; with the garbage collector off {no_gc:.1f} µs, of which:")
    for label, us in parts.items():
        print(f"  {us:6.1f} µs  {label}")


def _stages(policy: Any, data: Any, repeat: int, targets: list[tuple[Any, str, str]]) -> tuple[float, dict[str, float]]:
    policy.score_many(data, AS_OF)
    spent: dict[str, float] = {}
    with timers(spent, targets):
        policy.score_many(data, AS_OF)  # warm the wrappers
        spent.clear()
        t = time.perf_counter()
        for _ in range(repeat):
            policy.score_many(data, AS_OF)
        total = (time.perf_counter() - t) / repeat
    return total, {k: v / repeat for k, v in spent.items()}


def _report(title: str, n: int, total: float, spent: dict[str, float], rest: str) -> None:
    print(f"{title}: {total * 1e3:.1f} ms per {n:,} ({n / total:,.0f}/s)")
    for label, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"  {seconds * 1e3:7.2f} ms  {label}")
    print(f"  {(total - sum(v for k, v in spent.items() if not k.startswith('  '))) * 1e3:7.2f} ms  {rest}")


def profile_columns(policy: Any, cols: Columns, repeat: int) -> None:
    """Stages of ``score_many`` from prebuilt columns."""
    engine = policy._engine
    targets: list[tuple[Any, str, str]] = [
        (Columns, "problems", "checks of the columns (Columns.problems)"),
        (vector, "Env", "  kernel: per-pass arrays (Env: country numbers, risk, row lengths)"),
        (vector, "rnd_fsum", "  kernel: weighted sum, fsum-exact and rounded"),
        (batch_module, "kernel", "kernel (16,000 rows per pass)"),
    ]
    seen: set[type] = set()
    for node in [k for kinds in engine.kinds for k in kinds] + [a.node for a in engine.actions]:
        cls = type(node)
        if cls not in seen:
            seen.add(cls)
            targets.append((cls, "vec", f"  kernel: {cls.__name__}.vec"))
    total, spent = _stages(policy, cols, repeat, targets)
    _report("score_many from prebuilt columns", len(cols), total, spent, "outside the kernel and the checks")


def profile_intake(policy: Any, data: Any, n: int, repeat: int, title: str, reader: tuple[Any, str]) -> None:
    """Reading the input into columns vs scoring them."""
    owner, name = reader
    targets = [(owner, name, f"reading the input into columns ({name})"), (batch_module, "score_columns", "scoring")]
    total, spent = _stages(policy, data, repeat, targets)
    _report(title, n, total, spent, "the rest")


def main(argv: list[str] | None = None) -> None:
    """Print the stage timings."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    policy = riskscore.load_policy(POLICY_DIR)
    records = [to_riskscore(r) for r in generate(args.n)]
    profile_score(policy, records)
    profile_intake(policy, records, args.n, args.repeat, "score_many from dicts", (batch_module, "build_columns"))
    try:
        import pyarrow as pa  # type: ignore[import-untyped]
    except ImportError:
        print("score_many from an Arrow table: skipped (pyarrow is not installed)")
    else:
        table = pa.Table.from_pylist(records)
        profile_intake(policy, table, args.n, args.repeat, "score_many from an Arrow table", (intake, "frame_columns"))
    profile_columns(policy, Columns.from_records(records), args.repeat)


if __name__ == "__main__":
    main()
