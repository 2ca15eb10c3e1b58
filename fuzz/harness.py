"""Fuzzing harness: policy files, list files and counterparties from bytes.

The oracle: every input either loads/scores or raises :class:`riskscore.RiskscoreError`.
Any other exception is a bug, and so is a score that breaks an invariant (outside 0..100,
contributions not adding up, a result that does not survive a JSON round trip).

The first byte of an input picks the target, the rest is its body:

- ``0`` a policy file, loaded with :func:`riskscore.policy.load_policy_bytes` against the
  small lists in ``fuzz/root/lists`` (the bundled lists are too slow to load per input),
  then, if it loads, used to score the example counterparties;
- ``1`` a list file, validated as :class:`riskscore.JurisdictionList`;
- ``2`` a counterparty as JSON, parsed with
  :func:`riskscore.counterparty.parse_counterparty_json` and scored with the bundled policy.

Run it through ``fuzz/run.py`` (bounded; atheris when installed, a deterministic random
mutation loop otherwise), or directly under atheris::

    pip install -e '.[fuzz]'
    python fuzz/harness.py /tmp/corpus -max_total_time=300     # after fuzz/run.py --corpus-only /tmp/corpus
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

atheris = None
if not os.environ.get("RISKSCORE_FUZZ_NO_ATHERIS"):  # the random engine needs no instrumentation
    try:  # instrument riskscore and PyYAML for coverage feedback when atheris is present
        import atheris
    except ImportError:
        atheris = None

import numpy  # noqa: E402, F401  (imported before instrumentation: too large to instrument usefully)
import pycountry  # noqa: E402, F401
import pydantic  # noqa: E402, F401

if atheris is not None:
    with atheris.instrument_imports(include=["riskscore", "yaml"]):
        import yaml  # noqa: F401

        import riskscore
        from riskscore._yaml import load_bytes
        from riskscore.counterparty import parse_counterparty_json
        from riskscore.lists import JurisdictionList
        from riskscore.policy import load_policy_bytes, validate_located
else:
    import riskscore
    from riskscore._yaml import load_bytes
    from riskscore.counterparty import parse_counterparty_json
    from riskscore.lists import JurisdictionList
    from riskscore.policy import load_policy_bytes, validate_located

TARGETS = ("policy", "list", "counterparty")
ROOT = HERE / "root" / "default"
AS_OF = "2026-07-01"
EXAMPLES = [json.loads(line) for line in (REPO / "examples" / "counterparties.jsonl").read_text().splitlines() if line]
_POLICY: riskscore.Policy | None = None


class InvariantError(AssertionError):
    """A result broke an invariant of the scoring model."""


def _default_policy() -> riskscore.Policy:
    global _POLICY
    if _POLICY is None:
        _POLICY = riskscore.load_policy()
    return _POLICY


def check_result(result: riskscore.Result) -> None:
    """Invariants every result must hold."""
    if not 0.0 <= result.score <= 100.0 or not 0.0 <= result.score_before_overrides <= 100.0:
        raise InvariantError(f"score out of range: {result.score}")
    total = round(math.fsum(c.weighted for c in result.contributions), 9)
    if total != result.score_before_overrides and not (total > 100 and result.score_before_overrides == 100):
        raise InvariantError(f"contributions add up to {total}, not {result.score_before_overrides}")
    if riskscore.Result.model_validate_json(result.model_dump_json()) != result:
        raise InvariantError("result does not survive a JSON round trip")
    if not result.explain() or not result.explain(markdown=True):
        raise InvariantError("empty explanation")


def run_target(target: str, body: bytes) -> None:
    """Run one input; RiskscoreError is an accepted outcome, anything else propagates."""
    try:
        if target == "policy":
            policy = load_policy_bytes(body, root=ROOT, name="fuzz-policy.yaml")
            for record in EXAMPLES[:3]:
                with contextlib.suppress(riskscore.CounterpartyError):  # the policy may require a missing field
                    check_result(policy.score(record, as_of="2024-07-01"))
        elif target == "list":
            lst = validate_located(JurisdictionList, load_bytes(body, "fuzz-list.yaml"))
            if lst.review_horizon < lst.reviewed:
                raise InvariantError("review horizon before the review date")
            for entry in lst.entries[:20]:  # the queries scoring makes
                for period in entry.periods[:3]:
                    lst.status(entry.code, period.listed.date)
                if lst.kind == "product":
                    lst.product_entries(entry.code)
        else:
            check_result(_default_policy().score(parse_counterparty_json(body), as_of=AS_OF))
    except riskscore.RiskscoreError:
        pass


def test_one_input(data: bytes) -> None:
    """The fuzzing entry point: the first byte picks the target."""
    if data:
        run_target(TARGETS[data[0] % len(TARGETS)], data[1:])


def seeds() -> Iterator[tuple[str, bytes]]:
    """The seed corpus: shipped files, example lines and hostile samples, each with its target byte."""
    for path in sorted((HERE / "seeds" / "policy").glob("*")):
        yield f"policy-{path.name}", b"\x00" + path.read_bytes()
    yield "policy-default", b"\x00" + (REPO / "rules" / "default" / "policy.yaml").read_bytes()
    for path in sorted((REPO / "rules" / "lists").glob("*.yaml")) + sorted((HERE / "seeds" / "list").glob("*")):
        yield f"list-{path.name}", b"\x01" + path.read_bytes()
    for i, line in enumerate((REPO / "examples" / "counterparties.jsonl").read_bytes().splitlines()):
        yield f"counterparty-example-{i}", b"\x02" + line
    for path in sorted((HERE / "seeds" / "counterparty").glob("*")):
        yield f"counterparty-{path.name}", b"\x02" + path.read_bytes()


def write_corpus(folder: Path) -> int:
    """Write the seed corpus into ``folder`` (one file per seed); return the count."""
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for name, data in seeds():
        (folder / name).write_bytes(data)
        count += 1
    return count


def main() -> None:
    """Run under atheris (libFuzzer arguments: corpus folders, -max_total_time, -runs ...)."""
    if atheris is None:
        raise SystemExit("atheris is not installed: pip install -e '.[fuzz]', or use fuzz/run.py")
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
