"""Bounded fuzzing run: ``python fuzz/run.py --seconds 45``.

Uses atheris (coverage-guided libFuzzer; ``pip install -e '.[fuzz]'``) when it is
installed, otherwise a deterministic random-mutation loop with the same oracle (see
``fuzz/harness.py``). Prints one summary line::

    fuzz: engine=atheris seconds=45.0 executions=123456 failures=0

and exits 1 if any input raised an exception other than RiskscoreError, broke a result
invariant, or ran past ``--timeout`` seconds. Failing inputs are saved under ``--artifacts``.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from types import FrameType

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# Tokens the mutators splice in: YAML and JSON structure, hostile constructs, edge numbers.
TOKENS = [
    b"&a ",
    b"*a",
    b"<<: *a",
    b"!!python/object/apply:os.system ['true']",
    b"!!binary aGk=",
    b"!foo ",
    b"[",
    b"]",
    b"{",
    b"}",
    b": ",
    b"- ",
    b"\n  ",
    b"? ",
    b"---\n",
    b"...\n",
    b"'",
    b'"',
    b"#",
    b"|\n",
    b">-\n",
    b".nan",
    b".inf",
    b"NaN",
    b"Infinity",
    b"-1",
    b"1e308",
    b"1.0e+999",
    b"9" * 40,
    b"0.1",
    b"1.5",
    b"-0.0",
    b"null",
    b"true",
    b"NO",
    b"~",
    b"\x00",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\\ud800",
    b"\t",
    b"all: [",
    b"any: [",
    b"not: ",
    b"gte: [",
    b"{factor: geo}",
    b"{score: weighted}",
    b"{attribute: x}",
    b"country_in: {field: any, list: test_high}",
    b"product_in: {list: test_goods}",
    b"missing: owners",
    b'"share": ',
    b'"country": "RU"',
    b'"UA-43"',
    b'"owners": [',
    b'"attributes": {"k": ',
    b'"products": ["85"]',
]


class _Timeout(Exception):
    pass


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise _Timeout


def mutate(data: bytes, rng: random.Random, pool: list[bytes]) -> bytes:
    """One to four random edits; the first (target) byte is kept unless the edit is a splice."""
    head, body = data[:1], bytearray(data[1:])
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(7)
        pos = rng.randint(0, len(body))
        if op == 0 and body:
            body[min(pos, len(body) - 1)] ^= 1 << rng.randrange(8)
        elif op == 1:
            body[pos:pos] = bytes([rng.randrange(256)])
        elif op == 2 and body:
            del body[pos : pos + rng.randint(1, 64)]
        elif op == 3 and body:
            end = min(len(body), pos + rng.randint(1, 256))
            body[pos:pos] = body[pos:end] * rng.randint(1, 8)
        elif op == 4:
            body[pos:pos] = rng.choice(TOKENS)
        elif op == 5:
            other = rng.choice(pool)
            if other[:1] == head and len(other) > 1:
                start = rng.randrange(1, len(other))
                body[pos:] = other[start : start + rng.randint(1, 512)]
        else:
            for match in list(re.finditer(rb"-?[0-9]+(\.[0-9]+)?", bytes(body)))[:1]:
                body[match.start() : match.end()] = rng.choice([b"0", b"-1", b"1.0000000001", b"1e999", b"9" * 30])
    return head + bytes(body[:200_000])


def run_random(seconds: float, seed: int, timeout: float, artifacts: Path) -> tuple[int, int]:
    """The fallback engine: mutate seeds at random for ``seconds``; return (executions, failures)."""
    os.environ["RISKSCORE_FUZZ_NO_ATHERIS"] = "1"
    import harness

    pool = [data for _, data in harness.seeds()]
    rng = random.Random(seed)
    signal.signal(signal.SIGALRM, _alarm)
    executions = failures = 0
    deadline = time.monotonic() + seconds
    queue = list(pool)  # every seed runs once first, unmutated
    while time.monotonic() < deadline:
        data = queue.pop() if queue else mutate(rng.choice(pool), rng, pool)
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            harness.test_one_input(data)
        except Exception as exc:
            failures += 1
            artifacts.mkdir(parents=True, exist_ok=True)
            out = artifacts / f"crash-{executions}"
            out.write_bytes(data)
            kind = "timeout" if isinstance(exc, _Timeout) else type(exc).__name__
            sys.stderr.write(f"FAIL ({kind}) saved {out}\n{traceback.format_exc(limit=8)}\n")
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        executions += 1
    return executions, failures


def run_atheris(seconds: float, timeout: float, artifacts: Path) -> tuple[int, int]:
    """Run libFuzzer through atheris in a subprocess; return (executions, failures)."""
    os.environ["RISKSCORE_FUZZ_NO_ATHERIS"] = "1"  # this process only writes the corpus
    import harness

    del os.environ["RISKSCORE_FUZZ_NO_ATHERIS"]

    work = Path(tempfile.mkdtemp(prefix="riskscore-fuzz-"))
    corpus = work / "corpus"
    harness.write_corpus(corpus)
    dictionary = work / "tokens.dict"
    dictionary.write_text("".join('"' + "".join(f"\\x{b:02x}" for b in t) + '"\n' for t in TOKENS))
    artifacts.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable,
        str(HERE / "harness.py"),
        str(corpus),
        f"-max_total_time={int(seconds)}",
        f"-timeout={int(timeout)}",
        "-rss_limit_mb=3072",
        "-max_len=65536",
        f"-dict={dictionary}",
        f"-artifact_prefix={artifacts}/",
        "-print_final_stats=1",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, errors="replace", check=False)
    log = proc.stderr + proc.stdout
    found = re.search(r"stat::number_of_executed_units:\s*(\d+)", log) or re.search(r"Done (\d+) runs", log)
    executions = int(found.group(1)) if found else 0
    if proc.returncode != 0:
        sys.stderr.write(log[-6000:])
        return executions, 1
    return executions, 0


def main() -> int:
    """Parse arguments, run the chosen engine, print the summary, return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=45.0, help="length of the run (default 45)")
    parser.add_argument("--engine", choices=("auto", "atheris", "random"), default="auto")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random engine (default 0)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds one input may take (default 10)")
    parser.add_argument("--artifacts", type=Path, default=Path(tempfile.gettempdir()) / "riskscore-fuzz-artifacts")
    parser.add_argument("--corpus-only", type=Path, default=None, help="write the seed corpus here and exit")
    args = parser.parse_args()
    if args.corpus_only is not None:
        import harness

        print(f"wrote {harness.write_corpus(args.corpus_only)} seeds to {args.corpus_only}")
        return 0
    engine = args.engine
    if engine == "auto":
        try:
            import atheris  # noqa: F401

            engine = "atheris"
        except ImportError:
            engine = "random"
    start = time.monotonic()
    if engine == "atheris":
        executions, failures = run_atheris(args.seconds, args.timeout, args.artifacts)
    else:
        executions, failures = run_random(args.seconds, args.seed, args.timeout, args.artifacts)
    elapsed = time.monotonic() - start
    print(f"fuzz: engine={engine} seconds={elapsed:.1f} executions={executions} failures={failures}")
    return 1 if failures or not executions else 0


if __name__ == "__main__":
    sys.exit(main())
