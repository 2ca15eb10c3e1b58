"""pandas DataFrames and Arrow tables in and out of score_many (issue 12, item 2).

Needs the optional ``pandas`` and ``pyarrow`` extras; CI installs both and sets
``RISKSCORE_REQUIRE_FRAMES=1`` so that these tests fail rather than skip there.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import TEST_POLICY, write_policy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from portfolio_data import COUNTRIES, portfolio

import riskscore
from riskscore import CounterpartyError
from riskscore._frames import empty_result_frame, result_schema, score_chunk
from riskscore.batch import BatchError

if os.environ.get("RISKSCORE_REQUIRE_FRAMES"):
    import pandas as pd
    import pyarrow as pa
else:
    pd = pytest.importorskip("pandas", reason="the optional pandas extra is not installed")
    pa = pytest.importorskip("pyarrow", reason="the optional pyarrow extra is not installed")

AS_OF = "2026-07-01"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "portfolio.jsonl"
NULLABLE = ("incorporation", "operations", "owners", "trade_partners", "products")


def with_nulls(records: list[dict[str, Any]], every: int = 7) -> tuple[list[dict[str, Any]], Any]:
    """The records with a None in every nullable field now and then, and the same as a DataFrame
    in which those nulls are None, NaN or pd.NA (as pandas users have them)."""
    recs = [dict(r) for r in records]
    for i, rec in enumerate(recs):
        for k, name in enumerate(NULLABLE):
            if (i + k) % every == 0:
                rec[name] = None
    df = pd.DataFrame(recs)
    names = [None if i % 3 else f"Company {i}" for i in range(len(df))]
    df["name"] = names
    for rec, name in zip(recs, names, strict=True):
        rec["name"] = name
    kinds = [None, np.nan, pd.NA]
    for name in NULLABLE:
        column = df[name].astype(object)
        for n, i in enumerate(np.flatnonzero(df[name].isna().to_numpy())):
            column.iloc[i] = kinds[n % 3]
        df[name] = column
    return recs, df


def expected(policy: riskscore.Policy, record: dict[str, Any], as_of: str = AS_OF) -> dict[str, Any]:
    """The output row that ``policy.score(record)`` implies."""
    try:
        r = policy.score(record, as_of)
    except CounterpartyError as exc:
        return {"ok": False, "error": "; ".join(str(i) for i in exc.issues), "error_path": exc.path}
    row: dict[str, Any] = {
        "id": r.counterparty_id,
        "ok": True,
        "score": r.score,
        "tier": r.tier,
        "score_before_overrides": r.score_before_overrides,
        "tier_before_overrides": r.tier_before_overrides,
        "fired_rules": [c.rule_id for c in r.contributions],
        "overrides": [o.override_id for o in r.overrides],
        "warnings": [f"{w.code}:{w.list_id}" for w in r.warnings],
        "error": None,
    }
    row.update({f"factor_{k}": v for k, v in r.factors.items()})
    return row


def plain(value: Any) -> Any:
    """A cell as a Python value: arrays as lists, a missing text (NaN in a pandas string column) as None."""
    if isinstance(value, (list, np.ndarray)):
        return list(value)
    return None if value is pd.NA or (isinstance(value, float) and value != value and value is not None) else value


def assert_rows(policy: riskscore.Policy, records: list[dict[str, Any]], out: Any, as_of: str = AS_OF) -> None:
    """Every row of the output DataFrame equals what score() gives for its record."""
    assert len(out) == len(records)
    got_rows = out.to_dict(orient="records")
    for i, (rec, got) in enumerate(zip(records, got_rows, strict=True)):
        want = expected(policy, rec, as_of)
        have = {k: plain(v) for k, v in got.items() if k in want}
        assert have == want, f"row {i}: {rec}"


@pytest.fixture(scope="module")
def book() -> tuple[list[dict[str, Any]], Any]:
    recs = [json.loads(line) for line in EXAMPLES.read_text().splitlines()] + portfolio(3000)
    return with_nulls(recs)


def test_a_dataframe_with_nulls_everywhere_scores_as_score_does_row_by_row(
    policy: riskscore.Policy, book: tuple[list[dict[str, Any]], Any]
) -> None:
    recs, df = book
    assert all(df[name].isna().sum() > 100 for name in NULLABLE)
    batch = policy.score_many(df, AS_OF)
    assert batch.mode == "vectorised" and not batch.errors
    assert_rows(policy, recs, batch.to_pandas())


def test_the_same_book_as_an_arrow_table_and_record_batch(
    policy: riskscore.Policy, book: tuple[list[dict[str, Any]], Any]
) -> None:
    recs, df = book
    table = pa.Table.from_pandas(df, preserve_index=False)
    out = policy.score_many(table, AS_OF).to_arrow()
    assert_rows(policy, recs, out.to_pandas())
    batch = table.slice(100, 50).combine_chunks().to_batches()[0]
    assert_rows(policy, recs[100:150], score_chunk(policy, batch, AS_OF).to_pandas())
    assert isinstance(score_chunk(policy, batch, AS_OF), pa.RecordBatch)


def test_a_chunked_table_and_dictionary_encoded_countries(policy: riskscore.Policy) -> None:
    recs = portfolio(500)
    table = pa.Table.from_pylist(recs)
    chunked = pa.concat_tables([table.slice(0, 123), table.slice(123)])
    inc = pa.chunked_array([c.dictionary_encode() for c in chunked.column("incorporation").chunks])
    chunked = chunked.set_column(chunked.schema.get_field_index("incorporation"), "incorporation", inc)
    assert_rows(policy, recs, policy.score_many(chunked, AS_OF).to_pandas())


def test_refused_rows_keep_their_index_and_error(policy: riskscore.Policy) -> None:
    recs = portfolio(40)
    recs[3]["incorporation"] = "Atlantis"
    recs[5]["owners"] = [{"country": "DE", "share": float("nan")}]
    recs[8]["pep"] = None
    recs[9]["trade_partners"] = [{"country": "DE", "share": 0.7}, {"country": "FR", "share": 0.6}]
    df = pd.DataFrame(recs, index=[f"row-{i}" for i in range(40)])
    with pytest.raises(BatchError) as info:
        policy.score_many(df, AS_OF)
    assert [e.index for e in info.value.errors] == [3, 5, 8, 9]
    assert "[5].owners[0].share" in str(info.value)
    out = policy.score_many(df, AS_OF, errors="collect").to_pandas()
    assert list(out.index) == list(df.index)
    refused = out[~out["ok"]]
    assert list(refused.index) == ["row-3", "row-5", "row-8", "row-9"]
    assert list(refused["id"]) == ["cp-0003", "cp-0005", "cp-0008", "cp-0009"]  # who was refused
    assert list(refused["error_path"]) == ["incorporation", "owners[0].share", "pep", "trade_partners"]
    assert "unknown country 'Atlantis'" in refused.loc["row-3", "error"]
    assert refused["score"].isna().all() and refused["tier"].isna().all()
    assert_rows(policy, recs, out.reset_index(drop=True))
    arrow = policy.score_many(pa.Table.from_pylist(recs), AS_OF, errors="collect").to_arrow()
    assert arrow.column("ok").to_pylist() == out["ok"].tolist()
    assert arrow.column("score").null_count == 4 and arrow.column("fired_rules").null_count == 4


def test_a_required_field_left_null_is_refused_not_scored_low(make_policy: Any) -> None:
    strict = make_policy(policy=TEST_POLICY.replace("        missing_points: 0\n", ""))
    df = pd.DataFrame({"id": ["a", "b"], "incorporation": ["DE", np.nan], "trade_partners": [[], None]})
    out = strict.score_many(df, "2022-01-01", errors="collect").to_pandas()
    assert out["ok"].tolist() == [True, False]
    assert (
        out.loc[1, "error"] == "trade_partners: required by rule 'exposure' of the policy (it sets no missing_points)"
    )
    scored = make_policy().score_many(df, "2022-01-01").to_pandas()  # this one sets missing_points: 30
    assert scored.loc[1, "factor_geo"] == 30.0 == make_policy().score({"id": "b"}, "2022-01-01").factors["geo"]


def test_wrong_types_are_refused_with_the_column_and_row(policy: riskscore.Policy) -> None:
    df = pd.DataFrame({"id": ["a", "b", "c"], "incorporation": ["DE", "FR", "PL"], "pep": ["no", False, True]})
    out = policy.score_many(df, AS_OF, errors="collect").to_pandas()
    assert out["ok"].tolist() == [False, True, True] and out.loc[0, "error_path"] == "pep"
    with pytest.raises(BatchError, match=r"\[0\]\.pep"):
        policy.score_many(df, AS_OF)
    odd = pd.DataFrame({"id": ["a", "b"], "incorporation": pd.Series([1.5, 276], dtype=object)})  # 276: DE
    got = policy.score_many(odd, AS_OF, errors="collect").to_pandas()
    assert got["ok"].tolist() == [False, True] and got.loc[0, "error_path"] == "incorporation"
    assert got.loc[1, "score"] == policy.score({"id": "b", "incorporation": "DE"}, AS_OF).score
    with pytest.raises(CounterpartyError, match="unknown column 'incorporaton'") as info:
        policy.score_many(pd.DataFrame({"id": ["a"], "incorporaton": ["DE"]}), AS_OF, errors="collect")
    assert info.value.path == "incorporaton"
    with pytest.raises(CounterpartyError, match="no 'id' column") as info:
        policy.score_many(pd.DataFrame(portfolio(3)).set_index("id"), AS_OF, errors="collect")
    assert info.value.path == "id"


@pytest.mark.parametrize(
    "thing",
    [
        pytest.param(lambda: pd.Series([{"id": "a"}]), id="Series"),
        pytest.param(lambda: {"id": "a", "incorporation": "DE"}, id="one mapping"),
        pytest.param(lambda: "cp.jsonl", id="text"),
        pytest.param(lambda: pa.array([{"id": "a"}]), id="Arrow array"),
    ],
)
def test_inputs_that_would_iterate_wrongly_are_refused(policy: riskscore.Policy, thing: Any) -> None:
    with pytest.raises(CounterpartyError, match="score_many cannot read"):
        policy.score_many(thing(), AS_OF, errors="collect")


def test_empty_frames_give_the_empty_schema(policy: riskscore.Policy) -> None:
    empty = policy.score_many(pd.DataFrame({"id": [], "incorporation": []}), AS_OF)
    assert len(empty) == 0
    frame = empty.to_pandas()
    expected_empty = empty_result_frame(policy)
    assert list(frame.columns) == list(expected_empty.columns)
    assert frame.dtypes.to_dict() == expected_empty.dtypes.to_dict()
    table = policy.score_many(pa.table({"id": pa.array([], pa.string())}), AS_OF).to_arrow()
    assert table.num_rows == 0 and table.schema.equals(result_schema(policy), check_metadata=False)


def test_outputs_carry_fingerprint_as_of_and_warnings_and_round_trip(policy: riskscore.Policy) -> None:
    recs = portfolio(200)
    batch = policy.score_many(pd.DataFrame(recs), "2031-01-01")  # lists are past their review date then
    assert batch.warnings and batch.fingerprint == policy.fingerprint
    frame, table = batch.to_pandas(), batch.to_arrow()
    assert frame.attrs["riskscore.fingerprint"] == policy.fingerprint
    assert frame.attrs["riskscore.as_of"] == "2031-01-01"
    meta = table.schema.metadata
    assert meta[b"riskscore.fingerprint"].decode() == policy.fingerprint
    assert [w["code"] for w in json.loads(meta[b"riskscore.warnings"])] == [w.code for w in batch.warnings]
    assert frame.loc[0, "warnings"] == [f"{w.code}:{w.list_id}" for w in policy.score(recs[0], "2031-01-01").warnings]
    assert_rows(policy, recs, frame, "2031-01-01")
    back = table.to_pandas()
    for column in frame.columns:
        assert [plain(v) for v in back[column]] == [plain(v) for v in frame[column]]
    assert table.schema.equals(result_schema(policy), check_metadata=False)
    assert frame.dtypes.to_dict() == empty_result_frame(policy).dtypes.to_dict()
    assert score_chunk(policy, pd.DataFrame(recs), "2031-01-01").equals(frame)


def test_unknown_status_warnings_per_row(make_policy: Any) -> None:
    policy = make_policy()
    recs = portfolio(300)
    as_of = "2019-06-01"  # before the test list's recorded history
    out = policy.score_many(pd.DataFrame(recs), as_of).to_pandas()
    assert any(any(w.startswith("unknown-status") for w in ws) for ws in out["warnings"])
    assert_rows(policy, recs, out, as_of)


DECLARED = """\
attributes:
  cash_intensive: {type: boolean, required: true}
  mcc: {type: string, missing_points: 0}
  turnover: {type: number, missing_points: 10}
"""
CUSTOM_RULES = """\
  - id: custom
    weight: 0.2
    rules:
      - {id: cash, kind: condition, when: {eq: [{attribute: cash_intensive}, true]}, points: 60, reason: "{facts}"}
      - {id: mcc_set, kind: condition, when: {in: [{attribute: mcc}, ["7995", "6051"]]}, points: 70, reason: "{facts}"}
      - {id: big, kind: condition, when: {gte: [{attribute: turnover}, 1000]}, points: 5, reason: "{facts}"}
tiers:"""


def attribute_policy(tmp_path: Path, declared: str = DECLARED) -> riskscore.Policy:
    text = TEST_POLICY.replace("weight: 0.5", "weight: 0.4").replace("tiers:", CUSTOM_RULES, 1)
    return riskscore.load_policy(
        write_policy(tmp_path, policy=text.replace("country_risk:", declared + "country_risk:"))
    )


def test_custom_attributes_as_columns_with_nan_as_missing(tmp_path: Path) -> None:
    policy = attribute_policy(tmp_path)
    df = pd.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "incorporation": ["DE", "PL", None, "HU"],
            "cash_intensive": [True, False, None, False],  # bare: the policy declares it
            "attributes.mcc": ["7995", None, "5411", np.nan],
            "turnover": [5000.0, np.nan, 10.0, 2000.0],
        }
    )
    recs = [
        {"id": "a", "incorporation": "DE", "attributes": {"cash_intensive": True, "mcc": "7995", "turnover": 5000.0}},
        {"id": "b", "incorporation": "PL", "attributes": {"cash_intensive": False, "mcc": None, "turnover": None}},
        {"id": "c", "incorporation": None, "attributes": {"cash_intensive": None, "mcc": "5411", "turnover": 10.0}},
        {"id": "d", "incorporation": "HU", "attributes": {"cash_intensive": False, "mcc": None, "turnover": 2000.0}},
    ]
    for frame in (df, pa.Table.from_pandas(df, preserve_index=False)):
        out = policy.score_many(frame, "2022-01-01", errors="collect")
        got = out.to_pandas() if isinstance(frame, pd.DataFrame) else out.to_arrow().to_pandas()
        assert_rows(policy, recs, got, "2022-01-01")
        assert got["ok"].tolist() == [True, True, False, True]  # c: a required attribute is null
        assert got.loc[2, "error_path"] == "attributes.cash_intensive"
    (tmp_path / "u").mkdir()
    untyped = riskscore.load_policy(write_policy(tmp_path / "u"))  # declares nothing: bare names are refused
    with pytest.raises(CounterpartyError, match=r"name it 'attributes\.turnover'"):
        untyped.score_many(df.drop(columns=["cash_intensive"]), "2022-01-01")


def test_a_policy_scored_row_by_row_reads_frames_too(tmp_path: Path) -> None:
    text = TEST_POLICY.replace("weight: 0.5", "weight: 0.4").replace("tiers:", CUSTOM_RULES, 1)
    policy = riskscore.load_policy(write_policy(tmp_path, policy=text))  # reads attributes it does not declare
    df = pd.DataFrame({"id": ["a", "b"], "attributes.mcc": ["7995", None], "attributes.cash_intensive": [True, None]})
    batch = policy.score_many(df, "2022-01-01", errors="collect")
    assert batch.mode == "per-row"
    recs = [
        {"id": "a", "attributes": {"mcc": "7995", "cash_intensive": True}},
        {"id": "b", "attributes": {"mcc": None, "cash_intensive": None}},
    ]
    assert_rows(policy, recs, batch.to_pandas(), "2022-01-01")


def test_batch_rows_of_a_frame_are_the_results_of_score(policy: riskscore.Policy) -> None:
    recs, df = with_nulls(portfolio(30), every=3)
    batch = policy.score_many(df, AS_OF)
    for i in (0, 1, 2, 29):
        assert batch[i] == policy.score(recs[i], AS_OF)


def test_a_missing_extra_is_named(policy: riskscore.Policy, monkeypatch: pytest.MonkeyPatch) -> None:
    batch = policy.score_many(portfolio(3), AS_OF)
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"counterparty-riskscore\[pandas\]"):
        batch.to_pandas()
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(ImportError, match=r"counterparty-riskscore\[pyarrow\]"):
        batch.to_arrow()


def test_pandas_without_pyarrow_reads_the_same(policy: riskscore.Policy, monkeypatch: pytest.MonkeyPatch) -> None:
    recs, df = with_nulls(portfolio(400))
    recs[7]["incorporation"] = df.loc[7, "incorporation"] = "Atlantis"
    want = policy.score_many(df, AS_OF, errors="collect").to_pandas()
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    got = policy.score_many(df, AS_OF, errors="collect").to_pandas()
    assert got.equals(want)
    assert_rows(policy, recs, got)


_country = st.sampled_from([*COUNTRIES, "Germany", "de", "Atlantis", None])
_share = st.one_of(st.floats(0, 1), st.just(float("nan")), st.just(1.5), st.none())
_item = st.fixed_dictionaries({"country": _country, "share": _share})
_list = st.one_of(st.none(), st.lists(_item, max_size=3))
_record = st.fixed_dictionaries(
    {
        "id": st.sampled_from(["a", "b", " c "]),
        "incorporation": _country,
        "operations": st.one_of(st.none(), st.lists(_country, max_size=3)),
        "owners": _list,
        "trade_partners": _list,
        "products": st.one_of(
            st.none(), st.lists(st.sampled_from(["8471", "85", "847989", "12345", None]), max_size=2)
        ),
        "pep": st.one_of(st.booleans(), st.none()),
        "sanctions_hit": st.booleans(),
    }
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(_record, min_size=1, max_size=12))
def test_property_any_frame_scores_or_refuses_as_score_does(
    policy: riskscore.Policy, recs: list[dict[str, Any]]
) -> None:
    df = pd.DataFrame(recs)
    assert_rows(policy, recs, policy.score_many(df, AS_OF, errors="collect").to_pandas())
    try:
        table = pa.Table.from_pylist(recs)
    except (pa.ArrowException, TypeError):
        return
    assert_rows(policy, recs, policy.score_many(table, AS_OF, errors="collect").to_arrow().to_pandas())


def test_only_the_odd_rows_are_read_as_records(policy: riskscore.Policy, monkeypatch: pytest.MonkeyPatch) -> None:
    import riskscore._intake as intake

    recs, df = with_nulls(portfolio(2000))
    df.loc[5, "incorporation"] = recs[5]["incorporation"] = "Atlantis"
    df.at[1500, "owners"] = recs[1500]["owners"] = [{"country": "DE", "share": 2.0}]
    read: list[int] = []
    records = intake.records
    monkeypatch.setattr(intake, "records", lambda frame, *args: read.append(len(frame)) or records(frame, *args))
    for frame in (df, pa.Table.from_pandas(df, preserve_index=False)):
        read.clear()
        out = policy.score_many(frame, AS_OF, errors="collect")
        assert sum(read) == 2 and [e.index for e in out.errors] == [5, 1500]


def test_an_arrow_table_read_in_parts_scores_as_read_whole(
    policy: riskscore.Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    import riskscore._intake as intake

    _, df = with_nulls(portfolio(2000))
    df.loc[5, "incorporation"] = "Atlantis"
    df.at[1500, "owners"] = [{"country": "DE", "share": 2.0}]
    table = pa.Table.from_pandas(df, preserve_index=False)
    whole = policy.score_many(table, AS_OF, errors="collect").to_arrow()
    monkeypatch.setattr(intake, "ARROW_CHUNK", 700)  # parts of 700, 700 and 600 rows, one refused row in two
    parts = policy.score_many(table, AS_OF, errors="collect")
    assert [e.index for e in parts.errors] == [5, 1500]
    assert parts.to_arrow().equals(whole)


def test_columns_from_pandas_and_arrow_read_nulls_as_missing(policy: riskscore.Policy) -> None:
    recs, df = with_nulls(portfolio(300))
    want = policy.score_many(recs, AS_OF)
    for cols in (riskscore.Columns.from_pandas(df), riskscore.Columns.from_arrow(pa.Table.from_pandas(df))):
        assert len(cols) == 300
        assert np.array_equal(policy.score_many(cols, AS_OF).scores, want.scores)
    df.loc[4, "incorporation"] = "Atlantis"
    with pytest.raises(CounterpartyError, match="#4: incorporation: unknown country 'Atlantis'"):
        riskscore.Columns.from_pandas(df)


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string()])
def test_arrow_ids_are_checked_as_score_checks_them(policy: riskscore.Policy, kind: Any) -> None:
    """Ids are checked from the Arrow buffers: null, empty and over 200 characters are refused,
    surrounding whitespace (ASCII or not) is stripped, exactly as score() does; a multi-byte or
    200-character id is fine; a sliced table reads its own rows."""
    ids = ["ok", None, "", " lead", "trail\t", "\u00a0nbsp", "ideo\u3000", "é" * 200, "é" * 201, "x" * 201]
    ids += ["Zürich-1", "日本", "a b", "\x1fctl", " "]
    recs = [{"id": i, "incorporation": "DE"} for i in ids]
    table = pa.table({"id": pa.array(ids, kind), "incorporation": pa.array(["DE"] * len(ids))})
    for start in (0, 3):
        got = policy.score_many(table.slice(start), AS_OF, errors="collect")
        want: list[str | None] = []
        for rec in recs[start:]:
            try:
                want.append(policy.score(rec, AS_OF).counterparty_id)
            except CounterpartyError:
                want.append(None)
        assert got.ids == want
        assert {e.index for e in got.errors} == {k for k, w in enumerate(want) if w is None}
    assert want[:5] == ["lead", "trail", "nbsp", "ideo", "é" * 200] and want[-2:] == ["\x1fctl", None]
