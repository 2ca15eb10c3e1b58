"""Throughput per core, in-process vs Dask vs Spark: ``python -m benchmarks.scaleout --n 400000``.

Scores ``--n`` counterparties of the seeded workload (``benchmarks/workload.py``, in riskscore's
field names) with the bundled default policy three ways, after checking that all three give
the same rows:

- in-process: ``policy.score_many(table, as_of).to_arrow()`` on one Arrow table, and
  ``score_many(df).to_pandas()`` on the same rows as a DataFrame of Arrow-backed columns (one core);
- Dask: ``riskscore.dask.score_dataframe`` on a ``LocalCluster`` of ``--workers`` processes,
  one thread each, the input (that DataFrame in ``--partitions`` partitions, as
  ``read_parquet(dtype_backend="pyarrow")`` gives them) persisted on the workers first; timed to results persisted on
  the workers (``scored``) and to a pandas DataFrame on the client (``collected``);
- Spark: ``riskscore.spark.score_dataframe`` in ``local[--workers]`` mode, the input cached
  first; timed to a ``noop`` write (``scored``) and to an Arrow table on the driver
  (``collected``).

Rows/s per core divides by the cores the scoring used (1 in-process, ``--workers`` otherwise);
the schedulers, the JVM and the client share the same machine. ``--shipping`` also times the
alternatives to shipping the policy once: Dask with the policy embedded in every task, Spark
with it in the function's closure (both unpickle it per partition and rebuild its per-date
tables). Needs the ``dask`` and ``spark`` extras and Java 17. An assertion fails if results differ.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import riskscore

from . import workload

AS_OF = date(2026, 7, 1)


def _best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


class _Inline:  # the policy carried in the function's closure (pickled with every task)
    def __init__(self, value: riskscore.Policy) -> None:
        self.value = value


def bench_dask(policy: riskscore.Policy, df: Any, args: argparse.Namespace, expected: Any) -> list[tuple[str, float]]:
    import dask
    import dask.dataframe as dd
    import pandas as pd
    from distributed import Client, LocalCluster, wait

    from riskscore._frames import empty_result_frame
    from riskscore.dask import _score_partition, score_dataframe

    rows = []
    with (
        LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        with dask.config.set({"dataframe.convert-string": False}):
            ddf = client.persist(dd.from_pandas(df, npartitions=args.partitions))
        wait(ddf)
        got = score_dataframe(policy, ddf, AS_OF).compute()
        pd.testing.assert_frame_equal(got, expected, check_index_type=False)

        def scored() -> None:
            wait(client.persist(score_dataframe(policy, ddf, AS_OF)))

        rows.append(("Dask, scored on the workers", _best(scored, args.repeat)))
        rows.append(
            (
                "Dask, collected to a DataFrame",
                _best(lambda: score_dataframe(policy, ddf, AS_OF).compute(), args.repeat),
            )
        )
        if args.shipping:
            meta = empty_result_frame(policy)

            def embedded() -> None:
                wait(client.persist(ddf.map_partitions(_score_partition, policy, AS_OF, meta=meta)))

            rows.append(("Dask, policy embedded in every task", _best(embedded, args.repeat)))
    return rows


def bench_spark(
    policy: riskscore.Policy, table: Any, args: argparse.Namespace, expected: Any
) -> list[tuple[str, float]]:
    from pyspark.sql import SparkSession

    from riskscore.spark import _ScoreBatches, output_schema, score_dataframe

    os.environ["PYSPARK_PYTHON"] = sys.executable
    spark = (
        SparkSession.builder.master(f"local[{args.workers}]")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "4g")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    sdf = spark.createDataFrame(table).repartition(args.partitions).cache()
    sdf.count()
    got = score_dataframe(policy, sdf, AS_OF).toArrow()
    assert got.sort_by("id").to_pylist() == expected.sort_by("id").to_pylist(), "Spark results differ"

    def noop(frame: Any) -> None:
        frame.write.format("noop").mode("overwrite").save()

    rows = [
        ("Spark, scored (noop write)", _best(lambda: noop(score_dataframe(policy, sdf, AS_OF)), args.repeat)),
        (
            "Spark, collected to an Arrow table",
            _best(lambda: score_dataframe(policy, sdf, AS_OF).toArrow(), args.repeat),
        ),
    ]
    if args.shipping:
        closure = _ScoreBatches(_Inline(policy), AS_OF)
        rows.append(
            (
                "Spark, policy in the closure",
                _best(lambda: noop(sdf.mapInArrow(closure, output_schema(policy))), args.repeat),
            )
        )
    spark.stop()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=400_000, help="counterparties (default 400,000)")
    parser.add_argument("--workers", type=int, default=2, help="Dask workers / Spark local[N] (default 2)")
    parser.add_argument("--partitions", type=int, default=16, help="partitions (default 16)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs, median (default 3)")
    parser.add_argument("--shipping", action="store_true", help="also time the policy shipped per task")
    parser.add_argument("--only", choices=["dask", "spark"], help="skip the other engine")
    args = parser.parse_args(argv)

    import pandas as pd
    import pyarrow as pa

    policy = riskscore.load_policy()
    records = [workload.to_riskscore(r) for r in workload.generate(args.n)]
    table = pa.Table.from_pylist(records)
    df = table.to_pandas(types_mapper=pd.ArrowDtype)  # Arrow-backed columns, as read_parquet(dtype_backend="pyarrow")
    del records
    batch = policy.score_many(table, AS_OF, errors="collect")
    expected = batch.to_arrow()
    rows = [
        (
            "in-process score_many (Arrow in, Arrow out)",
            _best(lambda: policy.score_many(table, AS_OF).to_arrow(), args.repeat),
        ),
        (
            "in-process score_many (DataFrame in, DataFrame out)",
            _best(lambda: policy.score_many(df, AS_OF).to_pandas(), args.repeat),
        ),
    ]
    if args.only != "spark":
        rows += bench_dask(policy, df, args, batch.to_pandas())
    if args.only != "dask":
        rows += bench_spark(policy, table, args, expected)

    print(
        f"{args.n:,} counterparties, {args.partitions} partitions, {args.workers} workers, median of {args.repeat}; "
        f"load average at the end {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print("| run | seconds | rows/s | cores | rows/s per core |")
    print("|---|---:|---:|---:|---:|")
    for name, seconds in rows:
        cores = 1 if name.startswith("in-process") else args.workers
        rate = args.n / seconds
        print(f"| {name} | {seconds:.2f} | {rate:,.0f} | {cores} | {rate / cores:,.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
