"""The public namespace is ``riskscore.__all__``: the names the docs call public, and nothing leaked."""

from __future__ import annotations

import types

import pytest

import riskscore


def test_the_namespace_is_all_plus_submodules() -> None:
    public = {n for n in dir(riskscore) if not n.startswith("_")}
    submodules = {n for n in public if isinstance(getattr(riskscore, n), types.ModuleType)}
    assert public - submodules == set(riskscore.__all__)
    assert not {"annotations", "contextlib"} & public


@pytest.mark.parametrize("name", ["load_policy_bytes", "parse_counterparty_json", "BatchError", "Issue", "FieldIssue"])
def test_names_the_docs_call_public_are_exported(name: str) -> None:
    assert name in riskscore.__all__
    assert getattr(riskscore, name).__module__ == "riskscore"


def test_batch_error_is_a_counterparty_error() -> None:
    assert issubclass(riskscore.BatchError, riskscore.CounterpartyError)
    with pytest.raises(riskscore.BatchError) as info:
        riskscore.load_policy().score_many([{"id": "x", "incorporation": "Narnia"}], "2026-07-01")
    assert [e.index for e in info.value.errors] == [0]


def test_exported_parsers_work_from_the_top_level() -> None:
    cp = riskscore.parse_counterparty_json('{"id": "a", "incorporation": "DE"}')
    assert cp.incorporation == "DE"
    with pytest.raises(riskscore.CounterpartyError) as info:
        riskscore.parse_counterparty_json('{"id": "a", "incorporation": "Narnia"}')
    assert all(isinstance(i, riskscore.FieldIssue) for i in info.value.issues)
    with pytest.raises(riskscore.PolicyError) as bad:
        riskscore.load_policy_bytes(b"id: [")
    assert all(isinstance(i, riskscore.Issue) for i in bad.value.issues)
