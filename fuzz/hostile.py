"""Hostile inputs, each refused with a RiskscoreError: the table in SECURITY.md.

``python fuzz/hostile.py`` prints a Markdown table (input, how it was refused, time to
refuse); ``tests/test_hardening.py`` runs the same cases with a bound on the calls each makes.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import riskscore  # noqa: E402
from riskscore._yaml import load_bytes, load_text  # noqa: E402
from riskscore.cli import main as cli_main  # noqa: E402
from riskscore.counterparty import parse_counterparty, parse_counterparty_json  # noqa: E402
from riskscore.policy import load_policy_bytes, parse_as_of  # noqa: E402

SMALL_POLICY = (HERE / "seeds" / "policy" / "small.yaml").read_text()
FUZZ_ROOT = HERE / "root" / "default"


@dataclass(frozen=True)
class Case:
    """One hostile input: what it is, how to feed it, and the refusal expected."""

    group: str
    name: str
    run: Callable[[], object]
    error: type[riskscore.RiskscoreError]
    text: str
    limit: float = 1.0


def billion_laughs() -> str:
    """Nine levels of ten aliases each: 10**9 strings if expanded."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def with_override_condition(when: str) -> bytes:
    """The small fuzzing policy with one more override whose condition is ``when``."""
    extra = f"  - {{id: hostile, action: add, points: 1, rationale: r, when: {when}}}\n"
    return SMALL_POLICY.replace("overrides:\n", "overrides:\n" + extra, 1).encode()


def with_pattern(pattern: str) -> bytes:
    """The small fuzzing policy declaring its attributes, ``code`` typed by ``pattern``."""
    declared = (
        "attributes:\n  segment: {type: string, missing_points: 0}\n"
        f"  code: {{type: pattern, pattern: '{pattern}', missing_points: 0}}\n"
    )
    return SMALL_POLICY.replace("country_risk:", declared + "country_risk:", 1).encode()


def score_code(pattern: str, value: str) -> Callable[[], object]:
    """Score a counterparty whose attribute ``code`` is ``value`` under :func:`with_pattern`."""

    def run() -> object:
        policy = load_policy_bytes(with_pattern(pattern), root=FUZZ_ROOT)
        return policy.score({"id": "h", "incorporation": "DE", "attributes": {"code": value}}, as_of="2026-07-01")

    return run


def in_lists_folder(hostile: Callable[[Path], object]) -> Callable[[], object]:
    """Load the small policy over a copy of its lists folder to which ``hostile`` adds something."""

    def run() -> object:
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copytree(HERE / "root" / "lists", Path(tmp) / "lists")
            hostile(Path(tmp) / "lists")
            return load_policy_bytes(SMALL_POLICY.encode(), root=Path(tmp) / "default")

    return run


def many_files(folder: Path) -> None:
    for i in range(201):
        (folder / f"extra_{i:03}.yaml").write_bytes(b"")


def edit_list(old: str, new: str) -> Callable[[Path], object]:
    """Rewrite the small policy's test_high list, replacing ``old`` with ``new``."""

    def run(folder: Path) -> None:
        path = folder / "test_high.yaml"
        text = path.read_text()
        assert old in text, old
        path.write_text(text.replace(old, new, 1))

    return run


def big_lists(folder: Path) -> None:
    """Twenty list files of about 900 KB each: within the per-file limit, past the policy's."""
    body = "".join(f"  # {'x' * 90}\n" for _ in range(10_000))
    base = (folder / "test_high.yaml").read_text()
    for i in range(20):
        (folder / f"big_{i:02}.yaml").write_text(base.replace("id: test_high", f"id: big_{i:02}", 1) + body)


def batch_collect(records: list[dict[str, Any]]) -> Callable[[], object]:
    """``score_many(..., errors="collect")`` on the fuzzing policy; the first row error is raised."""

    def run() -> object:
        policy = load_policy_bytes(SMALL_POLICY.encode(), root=FUZZ_ROOT)
        batch = policy.score_many(records, "2024-07-01", errors="collect")
        if batch.errors:
            assert batch.ok.sum() == len(records) - len(batch.errors), "a bad row lost the batch"
            raise batch.errors[0]
        return batch

    return run


def cli_stdin_closed() -> object:
    """``riskscore score -`` with standard input closed (``<&-``)."""
    saved = sys.stdin
    err = io.StringIO()
    try:
        sys.stdin = None  # type: ignore[assignment]  # what Python gives a process started with fd 0 closed
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = cli_main(["score", "-", "--as-of", "2026-07-01"])
    finally:
        sys.stdin = saved
    if code != 1:
        return code
    raise riskscore.RiskscoreError(f"exit 1: {err.getvalue().strip()}")


def nested(depth: int) -> Any:
    """A list nested ``depth`` deep, built without recursion."""
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


def cp(**fields: Any) -> Callable[[], object]:
    """Parse a counterparty with these fields (plus an id)."""
    return lambda: parse_counterparty({"id": "h", **fields})


def cli(content: bytes) -> Callable[[], object]:
    """Run ``riskscore score`` on a file holding ``content``; a refusal raises like the library."""

    def run() -> object:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "input.json"
            path.write_bytes(content)
            err = io.StringIO()
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                code = cli_main(["score", str(path), "--as-of", "2026-07-01"])
            if code != 1:
                return code
            raise riskscore.RiskscoreError(f"exit 1: {err.getvalue().strip()}")

    return run


def owners(share: Any) -> Callable[[], object]:
    """A counterparty whose only owner has this share."""
    return cp(owners=[{"country": "DE", "share": share}])


E = riskscore.RiskscoreError
PE, CE = riskscore.PolicyError, riskscore.CounterpartyError

CASES: list[Case] = [
    # ---------------------------------------------------------------- declared attribute patterns
    Case(
        "rule file",
        "catastrophic attribute pattern (a+)+$",
        lambda: load_policy_bytes(with_pattern("(a+)+$"), root=FUZZ_ROOT),
        PE,
        "bad-pattern",
    ),
    Case(
        "counterparty",
        "worst allowed pattern on the longest matched value",
        score_code("[a-z]*[a-z]*[a-z]*!", "a" * 100),
        CE,
        "attributes.code: 'aaaa",
    ),
    Case("counterparty", "1,000-character value for a pattern attribute", score_code("[a-z]*", "a" * 1000), CE, "100"),
    # ---------------------------------------------------------------- rule files (YAML)
    Case(
        "rule file", "billion laughs (10^9 aliased strings)", lambda: load_text(billion_laughs(), "x"), PE, "too-large"
    ),
    Case(
        "rule file",
        "1 MB string aliased 30 times",
        lambda: load_text("a: &a '" + "x" * 1_000_000 + "'\nb: [" + ", ".join(["*a"] * 30) + "]\n", "x"),
        PE,
        "characters",
    ),
    Case("rule file", "recursive alias (&a [*a])", lambda: load_text("a: &a [*a]\n", "x"), PE, "too-deep"),
    Case(
        "rule file",
        "!!python/object/apply tag",
        lambda: load_text("a: !!python/object/apply:os.system ['id']\n", "x"),
        PE,
        "bad-tag",
    ),
    Case("rule file", "!!binary, !!set, local !tag", lambda: load_text("a: !!binary aGk=\n", "x"), PE, "bad-tag"),
    Case("rule file", "merge key <<", lambda: load_text("b: &b {x: 1}\nc: {<<: *b}\n", "x"), PE, "merge keys"),
    Case("rule file", "duplicate key", lambda: load_text("a: 1\na: 2\n", "x"), PE, "duplicate-key"),
    Case(
        "rule file",
        "10,000 nested [ (flow)",
        lambda: load_text("a: " + "[" * 10_000 + "]" * 10_000, "x"),
        PE,
        "too-deep",
    ),
    Case(
        "rule file",
        "2,000 nested mappings (block)",
        lambda: load_text("".join("  " * i + f"k{i}:\n" for i in range(2000)), "x"),
        PE,
        "too-deep",
    ),
    Case("rule file", "integer of 5,000 digits", lambda: load_text("a: " + "9" * 5000 + "\n", "x"), PE, "bad-number"),
    Case("rule file", "float 1.0e+999 (inf)", lambda: load_text("a: 1.0e+999\n", "x"), PE, "bad-number"),
    Case("rule file", ".nan / .inf", lambda: load_text("a: .nan\n", "x"), PE, "bad-number"),
    Case("rule file", "not UTF-8 (Latin-1)", lambda: load_bytes(b"title: caf\xe9\n", "x"), PE, "encoding"),
    Case("rule file", "NUL byte", lambda: load_text("a: \x00\n", "x"), PE, "x:1:4: yaml-syntax"),
    Case("rule file", "ANSI escape (ESC)", lambda: load_text("a: 1\nb: x\x1b[2J\n", "x"), PE, "x:2:5: yaml-syntax"),
    Case("rule file", "empty file", lambda: load_bytes(b"", "x"), PE, "empty-file"),
    Case("rule file", "comments only", lambda: load_bytes(b"# nothing\n", "x"), PE, "empty-file"),
    Case("rule file", "two YAML documents", lambda: load_text("a: 1\n---\nb: 2\n", "x"), PE, "multi-document"),
    Case("rule file", "6 MB file", lambda: load_bytes(b"a: '" + b"x" * 6_000_000 + b"'\n", "x"), PE, "too-large"),
    Case(
        "rule file",
        "list path with a NUL byte",
        lambda: load_policy_bytes(
            SMALL_POLICY.replace("lists: [../lists]", 'lists: ["a\\0b"]').encode(), root=FUZZ_ROOT
        ),
        PE,
        "missing-list",
    ),
    Case(
        "rule file",
        "list path of 5,000 characters",
        lambda: load_policy_bytes(
            SMALL_POLICY.replace("lists: [../lists]", "lists: [" + "a" * 5000 + "]").encode(), root=FUZZ_ROOT
        ),
        PE,
        "missing-list",
    ),
    Case(
        "rule file",
        "a FIFO named *.yaml in a lists folder",
        in_lists_folder(lambda d: os.mkfifo(d / "pipe.yaml")),
        PE,
        "not-a-file",
    ),
    Case(
        "rule file",
        "a link to /dev/null in a lists folder",
        in_lists_folder(lambda d: (d / "null.yaml").symlink_to("/dev/null")),
        PE,
        "not-a-file",
    ),
    Case(
        "rule file", "201 list files in a lists folder", in_lists_folder(many_files), PE, "MAX_POLICY_FILES", limit=5.0
    ),
    Case(
        "rule file",
        "a list date written as an integer (Unix time)",
        in_lists_folder(edit_list("{date: 2021-01-01, source: src_a}", "{date: 0, source: src_a}")),
        PE,
        "bad-date",
    ),
    Case(
        "rule file",
        "an impossible list date (2023-02-30)",
        in_lists_folder(edit_list("{date: 2023-01-01, source: src_b}", "{date: 2023-02-30, source: src_b}")),
        PE,
        "no-such-date",
    ),
    Case(
        "rule file",
        "a link to /dev/stdin in a lists folder",
        in_lists_folder(lambda d: (d / "stdin.yaml").symlink_to("/dev/stdin")),
        PE,
        "not-a-file",
    ),
    Case("rule file", "20 list files of 900 KB (policy-wide byte budget)", in_lists_folder(big_lists), PE, "too-large"),
    Case("as-of", "week date 2026-W27-3", lambda: parse_as_of("2026-W27-3"), riskscore.AsOfError, "not a date"),
    Case(
        "as-of", "impossible date 2027-02-30", lambda: parse_as_of("2027-02-30"), riskscore.AsOfError, "does not exist"
    ),
    Case("rule file", "policy that is a list", lambda: load_policy_bytes(b"[1, 2]\n", root=FUZZ_ROOT), PE, "dict"),
    # ---------------------------------------------------------------- conditions
    Case(
        "condition",
        "not nested 17 deep",
        lambda: load_policy_bytes(with_override_condition("{not: " * 17 + "{flag: pep}" + "}" * 17), root=FUZZ_ROOT),
        PE,
        "condition_too_deep",
    ),
    Case(
        "condition",
        "2,500 nodes (any of 50 all of 50)",
        lambda: load_policy_bytes(
            with_override_condition(
                "{any: [" + ",".join(["{all: [" + ",".join(["{flag: pep}"] * 50) + "]}"] * 50) + "]}"
            ),
            root=FUZZ_ROOT,
        ),
        PE,
        "condition_too_large",
    ),
    Case(
        "condition",
        "country_in naming 600 categories",
        lambda: load_policy_bytes(
            with_override_condition(
                "{country_in: {field: any, list: test_high, categories: ["
                + ",".join(f"c{i}" for i in range(600))
                + "]}}"
            ),
            root=FUZZ_ROOT,
        ),
        PE,
        "condition_too_large",
    ),
    Case(
        "condition",
        "unknown operator",
        lambda: load_policy_bytes(with_override_condition("{regex: '(a+)+$'}"), root=FUZZ_ROOT),
        PE,
        "a condition is a mapping with one operator",
    ),
    # ---------------------------------------------------------------- counterparties
    Case("counterparty", "share NaN", owners(float("nan")), CE, "owners[0].share: Input should be a finite number"),
    Case("counterparty", "share inf", owners(float("inf")), CE, "owners[0].share: Input should be a finite number"),
    Case("counterparty", "share -0.1", owners(-0.1), CE, "owners[0].share: Input should be greater than or equal to 0"),
    Case("counterparty", "share 1.5", owners(1.5), CE, "owners[0].share: Input should be less than or equal to 1"),
    Case(
        "counterparty", "share true / '0.5' / null", owners(True), CE, "owners[0].share: Input should be a valid number"
    ),
    Case("counterparty", "share 10**400", owners(10**400), CE, "owners[0].share"),
    Case(
        "counterparty",
        "shares summing to 1.1",
        cp(trade_partners=[{"country": "RU", "share": 0.6}, {"country": "CN", "share": 0.5}]),
        CE,
        "trade_partners: the shares sum to 1.1, more than 1",
    ),
    Case("counterparty", "unknown country", cp(incorporation="Narnia"), CE, "incorporation: unknown country 'Narnia'"),
    Case(
        "counterparty", "ambiguous country", cp(incorporation="Congo"), CE, "incorporation: ambiguous country 'Congo'"
    ),
    Case(
        "counterparty",
        "country of 1,000,000 characters",
        cp(incorporation="x" * 1_000_000),
        CE,
        "incorporation: unknown country (1000000 characters",
    ),
    Case(
        "counterparty",
        "1,000 distinct unknown countries",
        cp(operations=[f"Nowhere{i}" for i in range(1000)]),
        CE,
        "operations[999]: not checked: more than 20 unknown countries",
    ),
    Case(
        "counterparty",
        "numeric country 10**5000",
        cp(incorporation=10**5000),
        CE,
        "incorporation: unknown country: numeric codes",
    ),
    Case(
        "counterparty",
        "malformed HS code (odd, letters, 1 MB)",
        cp(products=["12345", "85A1", "1" * 1_000_000]),
        CE,
        "products[2]: malformed HS code '1111",
    ),
    Case(
        "counterparty",
        "1,001 operations",
        cp(operations=["DE"] * 1001),
        CE,
        "operations: List should have at most 1000 items",
    ),
    Case(
        "counterparty",
        "1,000,000 products",
        cp(products=["85"] * 1_000_000),
        CE,
        "products: List should have at most 1000 items",
    ),
    Case(
        "counterparty",
        "100,000 attributes",
        cp(attributes={f"k{i}": i for i in range(100_000)}),
        CE,
        "attributes: 100000 attributes; at most 100",
    ),
    Case(
        "counterparty",
        "attribute nested 100,000 deep",
        cp(attributes={"x": nested(100_000)}),
        CE,
        "attributes.x: attribute values are text",
    ),
    Case(
        "counterparty",
        "attribute integer 10**5000",
        cp(attributes={"x": 10**5000}),
        CE,
        "attributes.x: integer out of range",
    ),
    Case(
        "counterparty",
        "attribute text of 1 MB",
        cp(attributes={"x": "y" * 1_000_000}),
        CE,
        "attributes.x: text of 1000000 characters",
    ),
    Case(
        "counterparty",
        "attribute name of 1 MB",
        cp(attributes={"k" * 1_000_000: 1}),
        CE,
        "attributes.kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...: String should have at most 100 characters",
    ),
    Case(
        "counterparty", "id 10**5000", lambda: parse_counterparty({"id": 10**5000}), CE, "id: integer id out of range"
    ),
    Case("counterparty", "pep 'no' (lax boolean)", cp(pep="no"), CE, "pep: Input should be a valid boolean"),
    Case(
        "counterparty", "owners as a mapping", cp(owners={"country": "DE"}), CE, "owners: Input should be a valid list"
    ),
    Case("counterparty", "unknown field", cp(colour="red"), CE, "colour: unknown field"),
    Case("counterparty", "not a mapping", lambda: parse_counterparty(["DE"]), CE, "expected a mapping"),
    Case(
        "counterparty",
        "required field missing (policy sets no missing_points)",
        lambda: load_policy_bytes(SMALL_POLICY.replace("missing_points: 30, ", "").encode(), root=FUZZ_ROOT).score(
            {"id": "h"}, as_of="2024-07-01"
        ),
        CE,
        "incorporation: required by rule 'geo_inc'",
    ),
    # ---------------------------------------------------------------- counterparty JSON and the CLI
    Case(
        "JSON",
        "NaN literal",
        lambda: parse_counterparty_json('{"id": "h", "owners": [{"country": "DE", "share": NaN}]}'),
        CE,
        "NaN is not valid JSON",
    ),
    Case(
        "JSON",
        "integer of 5,000 digits",
        lambda: parse_counterparty_json('{"id": ' + "9" * 5000 + "}"),
        CE,
        "integer of 5000 digits",
    ),
    Case(
        "JSON",
        "nested 100,000 deep",
        lambda: parse_counterparty_json('{"id": "h", "attributes": {"x": ' + "[" * 100_000 + "]" * 100_000 + "}}"),
        CE,
        "nested deeper than 16",
    ),
    Case(
        "JSON",
        "unclosed string of 500,000 escaped quotes (was quadratic)",
        lambda: parse_counterparty_json('{"id": "' + '\\"' * 500_000),
        CE,
        "invalid JSON",
    ),
    Case("JSON", "not UTF-8", lambda: parse_counterparty_json(b'{"id": "caf\xe9"}'), CE, "not valid UTF-8"),
    Case(
        "JSON",
        "2 MB of JSON",
        lambda: parse_counterparty_json('{"id": "' + "x" * 2_000_000 + '"}'),
        CE,
        "JSON text over",
    ),
    Case(
        "batch",
        "score_many: a share of 10**400 in one row of three (errors=collect)",
        batch_collect(
            [
                {"id": "a", "incorporation": "DE"},
                {"id": "b", "incorporation": "DE", "owners": [{"country": "DE", "share": 10**400}]},
                {"id": "c", "incorporation": "PL"},
            ]
        ),
        CE,
        "owners[0].share",
    ),
    Case("CLI", "score: a 3 MiB line of NUL bytes", cli(b"\x00" * (3 << 20) + b"\n"), E, "too-large"),
    Case("CLI", "score: standard input closed", cli_stdin_closed, E, "io-error"),
    Case(
        "CLI",
        "score: JSON nested 100,000 deep",
        cli(b"[" * 100_000 + b"]" * 100_000),
        E,
        "invalid JSON: nested too deeply",
    ),
    Case("CLI", "score: integer of 5,000 digits", cli(b'{"id": ' + b"9" * 5000 + b"}"), E, "invalid JSON"),
    Case("CLI", "score: file not UTF-8", cli(b'{"id": "caf\xe9"}'), E, "not valid UTF-8"),
    Case(
        "CLI",
        "score: NaN share",
        cli(b'{"id": "h", "owners": [{"country": "DE", "share": NaN}]}'),
        E,
        "record 0: owners[0].share",
    ),
]


def measure(case: Case) -> tuple[BaseException | None, float]:
    """Run a case; return the exception raised (None if it was accepted) and the seconds taken."""
    start = time.perf_counter()
    try:
        case.run()
    except Exception as exc:
        return exc, time.perf_counter() - start
    return None, time.perf_counter() - start


def _cell(text: str) -> str:
    text = " ".join(text.split())
    return (text[:110] + "...") if len(text) > 113 else text


def main() -> int:
    """Print the table; exit 1 if a case was accepted or refused the wrong way."""
    print("| input | refused with | time to refuse |")
    print("|---|---|---|")
    bad = 0
    for case in CASES:
        exc, seconds = measure(case)
        ok = isinstance(exc, case.error) and case.text in str(exc)
        bad += not ok
        what = f"`{type(exc).__name__}`: {_cell(str(exc))}" if exc is not None else "ACCEPTED"
        print(f"| {case.group}: {case.name} | {what}{'' if ok else ' **UNEXPECTED**'} | {seconds * 1000:.1f} ms |")
    print(json.dumps({"cases": len(CASES), "unexpected": bad}))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
