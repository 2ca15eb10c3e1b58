"""Score a Dask DataFrame: :func:`score_dataframe` maps one pure function over the partitions.

Needs the optional ``dask`` extra (``pip install 'counterparty-riskscore[dask]'``); Dask is
imported when :func:`score_dataframe` is called, not when this module is. Each partition is
scored by :func:`riskscore._frames.score_chunk`, the function ``Policy.score_many`` uses on a
pandas DataFrame, so a partition's rows come back exactly as in-process scoring gives them.

The compiled policy enters the task graph once, as a single key (``riskscore-policy-<fingerprint>``)
every partition task depends on: the distributed scheduler sends it to each worker once and
the worker keeps it in memory, with its per-date tables, for all the partitions it scores
(nothing is re-read from disk, nothing is pickled per partition). See docs/scale-out.md.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from ._frames import empty_result_frame, score_chunk
from ._scaleout import engine, prepare, refuse_text_lists, require
from .errors import CounterpartyError, FieldIssue

if TYPE_CHECKING:
    from .policy import Policy

require("dask", "dask")  # importing riskscore.dask needs the extra; dask itself loads on first use

__all__ = ["score_dataframe"]

_FIX = (
    "Dask converted the lists to their printed form (its 'dataframe.convert-string' option); build the Dask "
    "DataFrame inside dask.config.set({'dataframe.convert-string': False}), or read it from Parquet or Arrow "
    "with list columns"
)


def score_dataframe(policy: Policy, ddf: Any, as_of: date | str | None = None) -> Any:
    """Score every row of the Dask DataFrame ``ddf``; returns a lazy Dask DataFrame of results.

    ``ddf`` has the columns ``Policy.score_many`` reads from a pandas DataFrame (counterparty
    fields, ``attributes.<name>``); each output partition has the columns and dtypes of
    :meth:`riskscore.BatchResult.to_pandas` (``meta`` is given explicitly, nothing is computed
    to infer it) and keeps its input partition's index and divisions. Refused rows are rows
    with ``ok`` false and their ``error`` (``errors="collect"``): filter them with
    ``out[~out.ok]``. ``as_of=None`` means today on the calling machine, fixed here, so every
    worker scores the same day. An unknown column or a list field typed as text raises
    :class:`~riskscore.CounterpartyError` here, before anything runs.
    """
    dask = engine("dask", "dask")
    dd = engine("dask.dataframe", "dask")
    day = prepare(policy, as_of)
    if not isinstance(ddf, dd.DataFrame):
        raise CounterpartyError(
            [FieldIssue("", f"dask.score_dataframe takes a dask.dataframe.DataFrame, not {type(ddf).__name__}")]
        )
    refuse_text_lists([str(c) for c, dtype in ddf.dtypes.items() if _is_text(dtype)], _FIX)
    pandas = engine("pandas", "dask")
    score_chunk(policy, pandas.DataFrame(columns=list(ddf.columns)), day)  # unknown columns: refused now
    shipped = dask.delayed(policy, name=f"riskscore-policy-{policy.fingerprint}")
    return ddf.map_partitions(
        _score_partition, shipped, day, meta=empty_result_frame(policy), align_dataframes=False, token="riskscore-score"
    )


def _score_partition(chunk: Any, policy: Policy, as_of: date) -> Any:
    """One partition's results (runs on a worker; ``policy`` is the worker's one copy)."""
    return score_chunk(policy, chunk, as_of, errors="collect")


def _is_text(dtype: Any) -> bool:
    """True for pandas' string dtypes (``str``, ``string[python|pyarrow]``, Arrow strings), not ``object``."""
    pd = engine("pandas", "dask")
    if isinstance(dtype, pd.StringDtype):
        return True
    if isinstance(dtype, pd.ArrowDtype):
        pa = engine("pyarrow", "dask")
        return bool(pa.types.is_string(dtype.pyarrow_dtype) or pa.types.is_large_string(dtype.pyarrow_dtype))
    return False
