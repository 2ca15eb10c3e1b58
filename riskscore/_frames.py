"""Scoring one pandas or Arrow chunk: the pure function the Dask and Spark adapters map.

``score_chunk(policy, chunk, as_of)`` scores a ``pandas.DataFrame``, ``pyarrow.Table`` or
``pyarrow.RecordBatch`` and returns the results as the same kind of object, one row per
input row in input order (a DataFrame keeps the chunk's index); :func:`result_schema` and
:func:`empty_result_frame` give the output's schema for zero rows (Spark's ``mapInArrow``
schema, Dask's ``meta``). The columns are those of :meth:`riskscore.BatchResult.to_arrow`
(see :mod:`riskscore._export`); refused rows have ``ok`` false and their ``error``.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from ._export import batch_to_arrow, batch_to_pandas, empty_frame, schema
from ._intake import frame_kind
from .errors import CounterpartyError, FieldIssue

if TYPE_CHECKING:
    from .policy import Policy

__all__ = ["empty_result_frame", "result_schema", "score_chunk"]


def result_schema(policy: Policy) -> Any:
    """The ``pyarrow.Schema`` of :func:`score_chunk`'s output for ``policy`` (metadata: policy id,
    version and fingerprint; a scored chunk adds ``riskscore.as_of`` and ``riskscore.warnings``)."""
    return schema(policy._engine)


def empty_result_frame(policy: Policy) -> Any:
    """A zero-row ``pandas.DataFrame`` with the columns and dtypes of :func:`score_chunk`'s output."""
    return empty_frame(policy._engine)


def score_chunk(
    policy: Policy, chunk: Any, as_of: date | str | None, errors: Literal["raise", "collect"] = "collect"
) -> Any:
    """Score one chunk; returns a DataFrame, Table or RecordBatch as ``chunk`` is one.

    ``errors="collect"`` (the default here) keeps refused rows as rows with ``ok`` false and
    their ``error``; ``"raise"`` raises :class:`~riskscore.batch.BatchError`. Deterministic: the
    same chunk, policy and date give the same output in any process.
    """
    from .policy import parse_as_of

    kind = frame_kind(chunk)
    if kind is None:
        raise CounterpartyError(
            [
                FieldIssue(
                    "",
                    f"score_chunk takes a pandas DataFrame or a pyarrow Table or RecordBatch, "
                    f"not {type(chunk).__name__}",
                )
            ]
        )
    batch = policy.score_many(chunk, parse_as_of(as_of), errors=errors)
    if kind == "pandas":
        return batch_to_pandas(batch, chunk.index)
    return batch_to_arrow(batch, "batch" if kind == "arrow_batch" else "table")
