"""Score a Spark DataFrame: :func:`score_dataframe` maps one pure function with ``mapInArrow``.

Needs the optional ``spark`` extra (``pip install 'counterparty-riskscore[spark]'``) and, for
Spark 4, Java 17; PySpark is imported when :func:`score_dataframe` is called, not when this
module is. Each Arrow record batch is scored by :func:`riskscore._frames.score_chunk`, the
function ``Policy.score_many`` uses on an Arrow table, so rows come back exactly as in-process
scoring gives them. riskscore must be installed on the executors' Python.

The compiled policy is sent as a Spark broadcast variable: each executor's Python worker
unpickles it once and keeps it, with its per-date tables, for every batch and partition it
scores (nothing is re-read from disk). See docs/scale-out.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

from ._frames import result_schema, score_chunk
from ._scaleout import engine, prepare, refuse_text_lists, require
from .errors import CounterpartyError, FieldIssue

if TYPE_CHECKING:
    from .policy import Policy

require("pyspark", "spark")  # importing riskscore.spark needs the extra; pyspark itself loads on first use

__all__ = ["output_schema", "score_dataframe"]

_FIX = "give list fields as array columns (owners: array<struct<country: string, share: double>>), not text"


def output_schema(policy: Policy) -> Any:
    """The Spark ``StructType`` of :func:`score_dataframe`'s output for ``policy``."""
    types = engine("pyspark.sql.pandas.types", "spark")
    return types.from_arrow_schema(result_schema(policy))


def score_dataframe(policy: Policy, sdf: Any, as_of: date | str | None = None) -> Any:
    """Score every row of the Spark DataFrame ``sdf``; returns a lazy Spark DataFrame of results.

    ``sdf`` has the columns ``Policy.score_many`` reads from an Arrow table (counterparty
    fields, ``attributes.<name>``); the output has the columns of
    :meth:`riskscore.BatchResult.to_arrow` (schema :func:`output_schema`, given explicitly),
    one row per input row. Refused rows are rows with ``ok`` false and their ``error``
    (``errors="collect"``; an exception on an executor would reach the caller as a Spark error,
    not a riskscore one). ``as_of=None`` means today on the driver, fixed here, so every
    executor scores the same day. An unknown column or a list field typed as text raises
    :class:`~riskscore.CounterpartyError` here, before anything runs.
    """
    sql = engine("pyspark.sql", "spark")
    text = engine("pyspark.sql.types", "spark").StringType
    day = prepare(policy, as_of)
    if not isinstance(sdf, sql.DataFrame):
        raise CounterpartyError(
            [FieldIssue("", f"spark.score_dataframe takes a pyspark.sql.DataFrame, not {type(sdf).__name__}")]
        )
    refuse_text_lists([f.name for f in sdf.schema.fields if isinstance(f.dataType, text)], _FIX)
    pa = engine("pyarrow", "spark")
    score_chunk(policy, pa.table({c: pa.nulls(0) for c in sdf.columns}), day)  # unknown columns: refused now
    shipped = sdf.sparkSession.sparkContext.broadcast(policy)
    return sdf.mapInArrow(_ScoreBatches(shipped, day), output_schema(policy))


class _ScoreBatches:
    """The function ``mapInArrow`` runs on the executors: scores each record batch it is given.

    ``shipped.value`` is the policy: a broadcast's value, read once per Python worker (any
    object with a ``value`` attribute will do). A class rather than a closure so that it
    pickles by reference to this module.
    """

    __slots__ = ("as_of", "shipped")

    def __init__(self, shipped: Any, as_of: date) -> None:
        self.shipped = shipped
        self.as_of = as_of

    def __call__(self, batches: Iterator[Any]) -> Iterator[Any]:
        policy = self.shipped.value
        for batch in batches:
            yield score_chunk(policy, batch, self.as_of, errors="collect")
