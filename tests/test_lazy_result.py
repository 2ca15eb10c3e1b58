"""A scored Result writes its contributions and input digest when first read: every way of
reading it gives the content an eagerly built Result has, across threads and processes."""

from __future__ import annotations

import copy
import pickle
import threading
from typing import Any

import pytest
from portfolio_data import AS_OF, portfolio
from pydantic import BaseModel

import riskscore
from riskscore import Counterparty, Result

RECORDS = portfolio(40, seed=11)


@pytest.fixture(scope="module")
def policy() -> riskscore.Policy:
    return riskscore.load_policy()


def _eager(policy: riskscore.Policy, record: dict[str, Any]) -> Result:
    """The same result built from a validated Result (no lazy parts)."""
    return Result.model_validate_json(policy.score(record, as_of=AS_OF).model_dump_json())


def _pending(result: Result) -> bool:
    return "contributions" not in result.__dict__


def test_a_fresh_result_leaves_its_explanation_unwritten(policy: riskscore.Policy) -> None:
    result = policy.score(RECORDS[0], as_of=AS_OF)
    assert _pending(result)
    assert result.score >= 0 and result.tier in policy.tiers and result.factors  # at once
    assert result.input_digest.startswith("sha256:")
    assert not _pending(result)


@pytest.mark.parametrize(
    "read",
    [
        lambda r: r.model_dump(mode="json"),
        lambda r: Result.model_validate_json(r.model_dump_json()).model_dump(mode="json"),
        lambda r: pickle.loads(pickle.dumps(r)).model_dump(mode="json"),
        lambda r: copy.copy(r).model_dump(mode="json"),
        lambda r: copy.deepcopy(r).model_dump(mode="json"),
        lambda r: r.model_copy().model_dump(mode="json"),
        lambda r: dict(r)["contributions"],
        lambda r: repr(r),
        lambda r: r.explain(detail="verbose"),
        lambda r: [c.model_dump() for c in r.contributions],
    ],
    ids=["dump", "json", "pickle", "copy", "deepcopy", "model_copy", "iter", "repr", "explain", "attribute"],
)
def test_every_way_of_reading_gives_the_eager_content(policy: riskscore.Policy, read: Any) -> None:
    for record in RECORDS[:10]:
        lazy, eager = policy.score(record, as_of=AS_OF), _eager(policy, record)
        assert read(lazy) == read(eager)
        assert lazy == eager and eager == lazy


def test_a_result_inside_another_model_is_serialised_whole(policy: riskscore.Policy) -> None:
    class Envelope(BaseModel):
        result: Result

    lazy = policy.score(RECORDS[1], as_of=AS_OF)
    dumped = Envelope(result=lazy).model_dump(mode="json")["result"]
    assert dumped == _eager(policy, RECORDS[1]).model_dump(mode="json")
    assert dumped["contributions"] and dumped["input_digest"].startswith("sha256:")


def test_threads_reading_one_result_see_the_same_objects(policy: riskscore.Policy) -> None:
    for record in RECORDS[:5]:
        result = policy.score(record, as_of=AS_OF)
        barrier = threading.Barrier(8)
        seen: list[Any] = []

        def read(result: Result = result, barrier: threading.Barrier = barrier, seen: list[Any] = seen) -> None:
            barrier.wait()
            seen.append((result.contributions, result.input_digest))

        threads = [threading.Thread(target=read) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert all(c is seen[0][0] and d == seen[0][1] for c, d in seen)
        assert result.contributions is seen[0][0]


def test_changing_the_input_after_scoring_changes_no_result(policy: riskscore.Policy) -> None:
    record = copy.deepcopy(next(r for r in RECORDS if r.get("owners")))
    want = _eager(policy, record)
    as_dict = policy.score(record, as_of=AS_OF)
    model = Counterparty.model_validate(record)
    as_model = policy.score(model, as_of=AS_OF)
    record["owners"][0]["country"] = "KP"  # the caller's dict, after scoring
    model.owners.append(model.owners[0])  # type: ignore[union-attr]  # the caller's model's list
    assert as_dict == want and as_model == want
    assert as_model.input_digest == want.input_digest == as_dict.input_digest


def test_a_validated_result_has_nothing_pending(policy: riskscore.Policy) -> None:
    eager = _eager(policy, RECORDS[2])
    assert not _pending(eager)
    assert eager.contributions == policy.score(RECORDS[2], as_of=AS_OF).contributions
    with pytest.raises(AttributeError):
        eager.no_such_field  # noqa: B018  # unknown names still raise AttributeError
    with pytest.raises(TypeError):
        hash(eager)
