"""The audit report in a real browser: headless Chromium renders it, the DOM holds what an
auditor looks for, the console stays silent, and a screenshot is kept.

Chromium is driven by its own command line, no browser-automation package: ``--dump-dom``
prints the DOM after the page has loaded, ``--enable-logging=stderr`` writes every console
message (and every Content-Security-Policy refusal, i.e. any attempted fetch) as a
``:CONSOLE`` line, ``--screenshot`` saves a PNG. The screenshot goes to ``$RISKSCORE_ARTIFACTS``
(default: pytest's temporary folder). The tests skip where no Chromium is found (Debian's
``chromium``, or the path in ``$RISKSCORE_CHROMIUM``), unless ``RISKSCORE_REQUIRE_CHROMIUM=1``
(CI) turns the skip into a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

import riskscore
from riskscore.report import html as report_html

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-07-01"
HANG_GUARD = 180  # seconds: not a timing assertion, only so a wedged browser cannot hang CI


def _chromium() -> str:
    found = os.environ.get("RISKSCORE_CHROMIUM") or next(
        (p for name in ("chromium", "chromium-browser", "google-chrome") if (p := shutil.which(name))), None
    )
    if found:
        return found
    reason = "headless Chromium not found (apt-get install chromium, or set RISKSCORE_CHROMIUM)"
    if os.environ.get("RISKSCORE_REQUIRE_CHROMIUM") == "1":
        pytest.fail(reason + "; RISKSCORE_REQUIRE_CHROMIUM=1")
    pytest.skip(reason)


def _run(chromium: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
             "--hide-scrollbars", f"--user-data-dir={profile}", "--enable-logging=stderr", "--log-level=0"]  # fmt: skip
    return subprocess.run(
        [chromium, *flags, *args], capture_output=True, text=True, timeout=HANG_GUARD, check=True, cwd=profile
    )


def _console(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


class _Dom(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = Path(os.environ.get("RISKSCORE_ARTIFACTS") or tmp_path_factory.mktemp("artifacts"))
    where.mkdir(parents=True, exist_ok=True)
    return where


def _report(tmp_path: Path, records: list[dict[str, object]], name: str) -> tuple[Path, list[riskscore.Result]]:
    policy = riskscore.load_policy()
    results = [policy.score(r, AS_OF) for r in records]
    named = [(res, str(r.get("name")) if r.get("name") else None) for res, r in zip(results, records, strict=True)]
    path = tmp_path / name
    path.write_text(report_html(named, policy), encoding="utf-8")
    return path, results


def test_report_renders_in_chromium(tmp_path: Path, artifacts: Path) -> None:
    chromium = _chromium()
    record = json.loads((ROOT / "examples" / "counterparties.jsonl").read_text().splitlines()[1])
    record["name"] = "<script>console.error('pwned')</script> \"Anadolu\" Elektronik A.S."
    page, (result,) = _report(tmp_path, [record], "report-tr-exp-002.html")
    done = _run(chromium, tmp_path, "--dump-dom", page.as_uri())
    assert _console(done.stderr) == []  # no console message, no refused fetch, the name did not run
    dom = _Dom()
    dom.feed(done.stdout)
    text = "".join(dom.text)
    source = result.contributions[0].sources[0]
    for needed in (result.counterparty_id, "50", result.tier, result.fingerprint[:16], source.title, record["name"]):
        assert str(needed) in text, needed
    assert "svg" in dom.tags and dom.tags.count("rect") >= 2 * len(result.factors)
    assert "script" not in dom.tags
    shot = artifacts / "report-tr-exp-002.png"
    shot.unlink(missing_ok=True)
    shown = _run(chromium, tmp_path, "--window-size=1100,3200", f"--screenshot={shot}", page.as_uri())
    assert _console(shown.stderr) == []
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000  # not a blank page
    print(f"screenshot: {shot}")


def test_batch_report_renders_in_chromium(tmp_path: Path, artifacts: Path) -> None:
    chromium = _chromium()
    records = [json.loads(line) for line in (ROOT / "examples" / "counterparties.jsonl").read_text().splitlines()]
    page, results = _report(tmp_path, records, "report-batch.html")
    done = _run(chromium, tmp_path, "--dump-dom", page.as_uri())
    assert _console(done.stderr) == []
    dom = _Dom()
    dom.feed(done.stdout)
    text = "".join(dom.text)
    assert all(r.counterparty_id in text for r in results) and "Tier counts" in text
    assert dom.tags.count("section") == len(results) + 1 and dom.tags.count("svg") == len(results) + 1
    shot = artifacts / "report-batch.png"
    shot.unlink(missing_ok=True)
    _run(chromium, tmp_path, "--window-size=1100,2000", f"--screenshot={shot}", page.as_uri())
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    print(f"screenshot: {shot}")


def test_console_check_can_fail(tmp_path: Path) -> None:
    """The console check sees a page's console output and a refused fetch (it is not vacuous)."""
    chromium = _chromium()
    page = tmp_path / "noisy.html"
    page.write_text(
        '<!DOCTYPE html><meta http-equiv="Content-Security-Policy" content="default-src \'none\'">'
        '<img src="data:,x" alt=""><p>x</p>',
        encoding="utf-8",
    )
    done = _run(chromium, tmp_path, "--dump-dom", page.as_uri())
    assert len(_console(done.stderr)) == 1 and "Content Security Policy" in done.stderr
