"""riskscore.spark: a Spark DataFrame scored in local mode (local[2]) equals in-process scoring.

Needs the ``spark`` extra and Java 17; skipped without them, unless ``RISKSCORE_REQUIRE_SCALEOUT=1``
(CI), which turns the skip into a failure. One Spark session for the module (it takes seconds).
"""

from __future__ import annotations

import importlib
import os
import shutil
import sys
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import scaleout_data as data

import riskscore
from riskscore import CounterpartyError

pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")
REQUIRED = os.environ.get("RISKSCORE_REQUIRE_SCALEOUT") == "1"  # CI: a missing engine fails instead of skipping


def _need(module: str) -> Any:
    if REQUIRED:
        return importlib.import_module(module)
    return pytest.importorskip(module, reason=f"{module} is not installed (pip install -e '.[spark]')")


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    """A local[2] session whose Python workers run this interpreter; small Arrow batches."""
    sql = _need("pyspark.sql")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        if REQUIRED:
            pytest.fail("java is not installed (Spark 4 needs Java 17)")
        pytest.skip("java is not installed (Spark 4 needs Java 17)")
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        sql.SparkSession.builder.master("local[2]")
        .appName("riskscore-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "64")  # several batches per partition
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def sdf(spark: Any) -> Any:
    """The example portfolio (NaNs and None as nulls, refused rows), in order, in 2 partitions."""
    return spark.createDataFrame(data.table())


def test_local_mode_results_equal_in_process_scoring(sdf: Any, policy: riskscore.Policy) -> None:
    from riskscore.spark import score_dataframe

    assert sdf.rdd.getNumPartitions() == 2
    got = score_dataframe(policy, sdf, data.AS_OF).toArrow()  # partitions in order, rows in order
    expected = policy.score_many(data.table(), data.AS_OF, errors="collect").to_arrow()
    assert got.schema.equals(expected.schema, check_metadata=False)
    assert got.to_pylist() == expected.to_pylist()
    rows = got.to_pylist()
    assert [i for i, row in enumerate(rows) if not row["ok"]] == [40, 77, 90, 150, 299]  # refused rows kept
    assert rows[90]["error"] == "owners[0].share: Input should be less than or equal to 1"
    for row, record in zip(rows, data.records(), strict=True):  # and thus equal to score(), row by row
        if row["ok"]:
            result = policy.score(data.without_nan(record), data.AS_OF)
            assert (row["score"], row["tier"]) == (result.score, result.tier)


def test_the_output_schema_is_declared(sdf: Any, policy: riskscore.Policy) -> None:
    from riskscore._frames import result_schema
    from riskscore.spark import output_schema, score_dataframe

    out = score_dataframe(policy, sdf, data.AS_OF)
    assert out.schema == output_schema(policy)
    assert out.columns == result_schema(policy).names


def test_today_is_fixed_on_the_driver(sdf: Any, policy: riskscore.Policy) -> None:
    from riskscore.spark import score_dataframe

    got = score_dataframe(policy, sdf, None).toArrow()
    expected = policy.score_many(data.table(), date.today(), errors="collect").to_arrow()
    assert got["score"].to_pylist() == expected["score"].to_pylist()


def test_text_typed_lists_and_unknown_columns_are_refused_up_front(spark: Any, policy: riskscore.Policy) -> None:
    from riskscore.spark import score_dataframe

    text = spark.createDataFrame([("cp-1", "DE", "[]")], "id string, incorporation string, owners string")
    with pytest.raises(CounterpartyError) as caught:
        score_dataframe(policy, text, data.AS_OF)
    assert [(i.path, i.code) for i in caught.value.issues] == [("owners", "invalid")]
    extra = spark.createDataFrame([("cp-1", "DE", "x")], "id string, incorporation string, segment string")
    with pytest.raises(CounterpartyError, match="unknown column 'segment'"):
        score_dataframe(policy, extra, data.AS_OF)
    with pytest.raises(CounterpartyError, match=r"takes a pyspark\.sql\.DataFrame, not Table"):
        score_dataframe(policy, data.table(), data.AS_OF)


def test_the_executor_function_reads_the_shipped_policy_once_per_partition(policy: riskscore.Policy) -> None:
    _need("pyarrow")
    _need("pyspark")
    from riskscore.spark import _ScoreBatches

    class Shipped:  # counts reads of .value, as a broadcast's would be
        reads = 0

        @property
        def value(self) -> riskscore.Policy:
            Shipped.reads += 1
            return policy

    batches = data.table().to_batches(max_chunksize=100)
    out = list(_ScoreBatches(Shipped(), date(2026, 7, 1))(iter(batches)))
    assert Shipped.reads == 1 and [b.num_rows for b in out] == [100, 100, 100]


def test_importing_riskscore_spark_without_pyspark_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)  # as if pyspark were not installed
    monkeypatch.delitem(sys.modules, "riskscore.spark", raising=False)
    with pytest.raises(ImportError, match=r"counterparty-riskscore\[spark\]"):
        importlib.import_module("riskscore.spark")
