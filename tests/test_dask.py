"""riskscore.dask: a Dask DataFrame scored on a 2-worker LocalCluster equals in-process scoring.

Needs the ``dask`` extra; skipped without it, unless ``RISKSCORE_REQUIRE_SCALEOUT=1`` (CI), which
turns the skip into a failure.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import scaleout_data as data

import riskscore
from riskscore import CounterpartyError


def _need(module: str) -> Any:
    if os.environ.get("RISKSCORE_REQUIRE_SCALEOUT") == "1":
        return importlib.import_module(module)  # CI: a missing engine fails instead of skipping
    return pytest.importorskip(module, reason=f"{module} is not installed (pip install -e '.[dask]')")


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """A LocalCluster of 2 worker processes, one thread each (started once for this module)."""
    distributed = _need("distributed")
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


@pytest.fixture(scope="module")
def ddf() -> Any:
    """The example portfolio (NaNs, refused rows) in 4 partitions, lists kept as lists."""
    dask = _need("dask")
    dd = _need("dask.dataframe")
    with dask.config.set({"dataframe.convert-string": False}):
        return dd.from_pandas(data.frame(), npartitions=4)


def test_cluster_results_equal_in_process_scoring(client: Any, ddf: Any, policy: riskscore.Policy) -> None:
    import pandas as pd

    from riskscore.dask import score_dataframe

    out = score_dataframe(policy, ddf, data.AS_OF)
    assert out.npartitions == 4
    got = out.compute()
    expected = policy.score_many(data.frame(), data.AS_OF, errors="collect").to_pandas()
    pd.testing.assert_frame_equal(got, expected, check_index_type=False)
    assert sorted(got.index[~got.ok]) == [40, 77, 90, 150, 299]  # refused rows kept, in place
    assert got.loc[77, "error"] == "incorporation: unknown country 'XX'"
    for i, record in enumerate(data.records()):  # and thus equal to score(), row by row
        if got.loc[i, "ok"]:
            result = policy.score(data.without_nan(record), data.AS_OF)
            assert (got.loc[i, "score"], got.loc[i, "tier"]) == (result.score, result.tier)


def test_meta_is_the_declared_output_and_nothing_runs_to_infer_it(ddf: Any, policy: riskscore.Policy) -> None:
    import pandas as pd

    from riskscore._frames import empty_result_frame
    from riskscore.dask import score_dataframe

    out = score_dataframe(policy, ddf, data.AS_OF)  # no client: building the graph computes nothing
    pd.testing.assert_series_equal(out.dtypes, empty_result_frame(policy).dtypes)
    assert out.divisions == ddf.divisions


def test_the_policy_is_one_graph_key_every_partition_depends_on(ddf: Any, policy: riskscore.Policy) -> None:
    from riskscore.dask import score_dataframe

    graph = dict(score_dataframe(policy, ddf, data.AS_OF).__dask_graph__())
    keys = [k for k in graph if f"riskscore-policy-{policy.fingerprint}" in str(k)]
    assert len(keys) == 1  # shipped once, not embedded in each task
    scored = [k for k in graph if isinstance(k, tuple) and str(k[0]).startswith("riskscore-score")]
    assert len(scored) == 4
    assert all(keys[0] in graph[k].dependencies for k in scored)


def test_same_results_in_a_second_run_and_for_today_fixed_on_the_client(
    client: Any, ddf: Any, policy: riskscore.Policy
) -> None:
    import pandas as pd

    from riskscore.dask import score_dataframe

    first = score_dataframe(policy, ddf, data.AS_OF).compute()
    pd.testing.assert_frame_equal(first, score_dataframe(policy, ddf, data.AS_OF).compute())
    today = score_dataframe(policy, ddf.partitions[0], None).compute()
    expected = policy.score_many(data.frame().iloc[: len(today)], None, errors="collect").to_pandas()
    pd.testing.assert_frame_equal(today, expected, check_index_type=False)


def test_lists_converted_to_text_by_dask_are_refused_up_front(policy: riskscore.Policy) -> None:
    dask = _need("dask")
    dd = _need("dask.dataframe")
    from riskscore.dask import score_dataframe

    with dask.config.set({"dataframe.convert-string": True}):
        ddf = dd.from_pandas(data.frame(), npartitions=2)
    with pytest.raises(CounterpartyError) as caught:
        score_dataframe(policy, ddf, data.AS_OF)
    assert [i.path for i in caught.value.issues] == ["operations", "owners", "trade_partners", "products"]
    assert all(i.code == "invalid" for i in caught.value.issues)
    assert "dataframe.convert-string" in str(caught.value)


def test_an_unknown_column_or_a_non_dask_input_is_refused_before_anything_runs(
    ddf: Any, policy: riskscore.Policy
) -> None:
    from riskscore.dask import score_dataframe

    with pytest.raises(CounterpartyError, match="unknown column 'segment'"):
        score_dataframe(policy, ddf.assign(segment="x"), data.AS_OF)
    with pytest.raises(CounterpartyError, match=r"takes a dask\.dataframe\.DataFrame, not DataFrame"):
        score_dataframe(policy, data.frame(), data.AS_OF)


def test_importing_riskscore_dask_without_dask_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "dask", None)  # as if dask were not installed
    monkeypatch.delitem(sys.modules, "riskscore.dask", raising=False)
    with pytest.raises(ImportError, match=r"counterparty-riskscore\[dask\]"):
        importlib.import_module("riskscore.dask")


@pytest.mark.parametrize("backend", ["numpy_nullable", "pyarrow"])
def test_a_parquet_dataset_read_by_dask_scores_as_in_process(
    client: Any, policy: riskscore.Policy, tmp_path: Any, backend: str
) -> None:
    import pandas as pd
    import pyarrow.parquet as pq

    dd = _need("dask.dataframe")
    from riskscore.dask import score_dataframe

    for i, part in enumerate((data.table().slice(0, 150), data.table().slice(150))):
        pq.write_table(part, tmp_path / f"part-{i}.parquet")
    ddf = dd.read_parquet(str(tmp_path), dtype_backend=backend)  # default options: lists stay lists
    got = score_dataframe(policy, ddf, data.AS_OF).compute().reset_index(drop=True)
    expected = policy.score_many(data.table(), data.AS_OF, errors="collect").to_pandas()
    pd.testing.assert_frame_equal(got, expected)
