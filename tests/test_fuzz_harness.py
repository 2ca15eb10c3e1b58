"""The fuzzing harness: every seed passes its oracle, and the oracle catches a non-RiskscoreError."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parent.parent


def _harness() -> ModuleType:
    os.environ["RISKSCORE_FUZZ_NO_ATHERIS"] = "1"  # no instrumentation inside the test run
    spec = importlib.util.spec_from_file_location("riskscore_fuzz_harness", REPO / "fuzz" / "harness.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


harness = _harness()


def test_every_seed_passes_the_oracle() -> None:
    seeds = list(harness.seeds())
    assert {name.split("-")[0] for name, _ in seeds} == {"policy", "list", "counterparty"}
    for _, data in seeds:
        harness.test_one_input(data)


def test_the_oracle_lets_a_non_riskscore_error_through(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr(harness, "load_bytes", broken)
    with pytest.raises(KeyError):
        harness.test_one_input(b"\x01id: x\n")


def test_the_oracle_checks_result_invariants() -> None:
    result = harness._default_policy().score({"id": "i", "incorporation": "KP"}, as_of="2026-07-01")
    harness.check_result(result)
    with pytest.raises(harness.InvariantError):
        harness.check_result(result.model_copy(update={"score_before_overrides": 1.0}))
