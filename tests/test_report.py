"""The audit report (riskscore report): content, escaping, determinism, batches and limits."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import PolicyFactory

import riskscore
from riskscore import _html
from riskscore.cli import main
from riskscore.report import AuditReport
from riskscore.report import html as report_html

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "counterparties.jsonl"
AS_OF = "2026-07-01"
HOSTILE = {
    "id": 'x"><script>alert(1)</script>',
    "name": "<script>alert('name')</script> & \"Quote's\" Ltd",
    "incorporation": "TR",
    "owners": [{"country": "RU", "share": 0.6, "name": "<img src=x onerror=alert(2)>"}],
    "trade_partners": [{"country": "RU", "share": 0.5}],
}


def _records() -> list[dict[str, object]]:
    return [json.loads(line) for line in EXAMPLES.read_text().splitlines()]


class _Tags(HTMLParser):
    """Every start tag and the text, as a browser's tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(page: str) -> _Tags:
    parser = _Tags()
    parser.feed(page)
    return parser


def test_one_counterparty_has_every_part(policy: riskscore.Policy) -> None:
    result = policy.score(_records()[1], AS_OF)  # tr-exp-002: contributions, an override, sources
    page = report_html([(result, "Anadolu Elektronik A.S.")], policy)
    text = "".join(_parse(page).text)
    for needed in (
        "tr-exp-002", "Anadolu Elektronik A.S.", "Reproducibility", result.fingerprint, "2026-07-01",
        f"riskscore {result.engine_version}", "pycountry", "Contributions", "Overrides applied",
        "chpl_to_russia_belarus_floor_high", "Sources", "enhanced due diligence, senior approval",
    ):  # fmt: skip
        assert needed in text, needed
    assert "HIGH" in text.upper() and ">50<" in page.replace(" ", "")
    for c in result.contributions:
        assert c.reason in text
    titles = {s.title for c in result.contributions for s in c.sources}
    assert titles and all(t in text for t in titles)
    assert "listed 2022-06-28" in text and "confirmed" in text  # date at its precision, confidence mark
    assert page.count("<svg") == 1 and "weighted points per factor" in page


def test_sources_are_footnoted_once(policy: riskscore.Policy) -> None:
    result = policy.score(_records()[3], AS_OF)  # ir-004: many rules cite the same entries
    page = report_html([result], policy)
    distinct = {s for c in result.contributions for s in c.sources} | {s for o in result.overrides for s in o.sources}
    cited = sum(len(c.sources) for c in result.contributions) + sum(len(o.sources) for o in result.overrides)
    footnotes = re.findall(r'<li id="cp-1-s(\d+)"', page)
    assert len(footnotes) == len(distinct) < cited
    assert footnotes == [str(n) for n in range(1, len(distinct) + 1)]


def test_factor_chart_has_a_bar_per_factor(policy: riskscore.Policy) -> None:
    result = policy.score(_records()[0], AS_OF)
    page = report_html([result], policy)
    svg = page[page.index("<svg") : page.index("</svg>")]
    tips = re.findall(r"<title>([^<]*)</title>", svg)
    assert [t.split(" (weight")[0] for t in tips] == [f.id for f in policy.model.factors]
    weighted = {c.factor: 0.0 for c in result.contributions}
    for c in result.contributions:
        weighted[c.factor] += c.weighted
    assert f"incorporation (weight 0.3): {_html.num(weighted['incorporation'])}" in tips


def test_user_text_is_escaped(policy: riskscore.Policy) -> None:
    result = policy.score(HOSTILE, AS_OF)
    page = report_html([(result, str(HOSTILE["name"]))], policy)
    parsed = _parse(page)
    assert not [t for t, _ in parsed.tags if t in ("script", "img")]
    assert not any(k.startswith("on") for _, attrs in parsed.tags for k in attrs)
    text = "".join(parsed.text)
    assert HOSTILE["id"] in text and HOSTILE["name"] in text  # shown as text, whole
    assert "&lt;script&gt;alert(&#x27;name&#x27;)&lt;/script&gt; &amp; &quot;Quote&#x27;s&quot; Ltd" in page


def test_an_attribute_value_in_a_fact_is_escaped(make_policy: PolicyFactory) -> None:
    rule = "- id: flagged\n  when: {prefix: [{attribute: note}, ['<']]}\n  action: add\n  points: 5\n  rationale: r\n"
    policy = make_policy(overrides=rule)
    result = policy.score({"id": "a", "incorporation": "PL", "attributes": {"note": "<script>x</script>"}}, AS_OF)
    assert result.overrides and "<script>" in result.overrides[0].facts[0]
    page = report_html([result], policy)
    assert "<script" not in page and "&lt;script&gt;x&lt;/script&gt;" in page


def test_a_control_character_in_a_name_is_shown_not_obeyed(policy: riskscore.Policy) -> None:
    result = policy.score({"id": "cp-ctl", "incorporation": "DE"}, AS_OF)
    page = report_html([(result, "evil\x1b[2J\u202ename")], policy)
    assert "evil\\x1b[2J\\u202ename" in page and "\x1b" not in page and "\u202e" not in page


def test_same_input_gives_the_same_bytes(policy: riskscore.Policy) -> None:
    records = _records()
    first = report_html([policy.score(r, AS_OF) for r in records], policy)
    again = report_html([riskscore.load_policy().score(r, AS_OF) for r in records], riskscore.load_policy())
    assert first == again


def test_same_report_in_another_process(tmp_path: Path) -> None:
    out = [tmp_path / "a.html", tmp_path / "b.html"]
    for path, seed in zip(out, ("1", "2"), strict=True):
        cmd = [sys.executable, "-m", "riskscore.cli", "report", str(EXAMPLES), "--as-of", AS_OF, "-o", str(path)]
        subprocess.run(cmd, check=True, env={"PYTHONHASHSEED": seed, "PATH": ""}, cwd=ROOT)
    assert out[0].read_bytes() == out[1].read_bytes()


def test_batch_report_counts_links_and_sections(policy: riskscore.Policy) -> None:
    records = _records()
    results = [policy.score(r, AS_OF) for r in records]
    page = report_html([(r, str(d.get("name"))) for r, d in zip(results, records, strict=True)], policy)
    parsed = _parse(page)
    sections = [a["id"] for t, a in parsed.tags if t == "section" and (a.get("class") or "") == "cp"]
    assert sections == [f"cp-{i}" for i in range(1, len(records) + 1)]
    links = [a["href"] for t, a in parsed.tags if t == "a" and (a.get("href") or "").startswith("#cp-")]
    assert [h for h in links if "-s" not in h] == [f"#cp-{i}" for i in range(1, len(records) + 1)]
    summary = page[page.index('id="summary"') : page.index('id="cp-1"')]
    for tier in policy.tiers:
        count = sum(r.tier == tier for r in results)
        assert re.search(
            rf">{tier}</span></td><td class=\"n\">[^<]*</td><td>[^<]*</td><td class=\"n\">{count}</td>", summary
        )
    assert f"{len(records)} scored, 0 refused" in summary
    assert summary.count("<svg") == 1  # the score histogram


def test_batch_limits_are_stated_and_counts_stay_whole(policy: riskscore.Policy) -> None:
    results = [policy.score(r, AS_OF) for r in _records()]
    page = report_html(results, policy, max_details=2, max_rows=3)
    assert page.count('<section class="cp"') == 2
    assert "the first 3 of 8 counterparties" in page and "first 2 counterparties" in page
    assert "8 scored, 0 refused" in page
    assert sum(int(n) for n in re.findall(r'</td><td class="n">(\d+)</td><td class="n">[^<]*%</td>', page)) == 8


def test_refusals_are_listed(policy: riskscore.Policy) -> None:
    report = AuditReport(policy)
    report.add(policy.score(_records()[0], AS_OF))
    report.refuse("in.jsonl:2:1", "bad-counterparty", "record 1: incorporation: unknown country '<Atlantis>'", "b<1>")
    page = report.html()
    assert "Refused records (1)" in page and "in.jsonl:2:1" in page and "&lt;Atlantis&gt;" in page
    assert "1 scored, 1 refused" in page


def test_progress_hook_is_called_per_item(policy: riskscore.Policy) -> None:
    seen: list[int] = []
    report_html([policy.score(r, AS_OF) for r in _records()[:3]], policy, progress=seen.append)
    assert seen == [1, 2, 3]


def test_result_of_another_policy_is_flagged(policy: riskscore.Policy, make_policy: PolicyFactory) -> None:
    other = make_policy()
    result = other.score({"id": "cp-other", "incorporation": "PL"}, AS_OF)
    page = report_html([result], policy)
    assert "differs from this report&#x27;s policy" in page


def test_input_digest_shown_when_the_result_has_one(policy: riskscore.Policy) -> None:
    result = policy.score(_records()[0], AS_OF)
    if "input_digest" not in type(result).model_fields:
        assert "input digest" in report_html([result], policy) and "not recorded" in report_html([result], policy)
        pytest.skip("Result has no input_digest on this branch (added by Policy.verify)")
    digest = getattr(result, "input_digest")  # noqa: B009
    assert digest and digest in report_html([result], policy)


def test_cli_writes_a_file_and_selects_by_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.html"
    assert main(["report", str(EXAMPLES), "--as-of", AS_OF, "--id", "kp-003", "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert "Risk assessment: kp-003" in page and "Korea Trading Corp" in page and 'id="summary"' not in page
    assert main(["report", str(EXAMPLES), "--as-of", AS_OF, "--id", "nobody"]) == 1
    assert "no counterparty with id 'nobody'" in capsys.readouterr().err


def test_cli_reports_refused_records(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "ok", "incorporation": "DE"}\n{"id": "bad", "incorporation": "Atlantis"}\nnot json\n')
    assert main(["report", str(src), "--as-of", AS_OF]) == 1  # refusals fail the run, as in score
    captured = capsys.readouterr()
    assert "Refused records (2)" in captured.out and "in.jsonl:2:1" in captured.out and "bad-json" in captured.out
    assert "2 record(s) refused" in captured.err


def test_html_helpers_escape_and_keep_markup() -> None:
    assert _html.escape('<a href="x">') == "&lt;a href=&quot;x&quot;&gt;"
    assert _html.escape(_html.Markup("<b>")) == "<b>"
    assert _html.Markup("<br>") + "<i>" == "<br>&lt;i&gt;" and "<i>" + _html.Markup("<br>") == "&lt;i&gt;<br>"
    assert _html.tag("td", "1<2", class_="n", title='"') == '<td class="n" title="&quot;">1&lt;2</td>'
    assert [_html.num(x) for x in (33.375, 4.0, -0.0001, 0.5, 1 / 3)] == ["33.375", "4", "0", "0.5", "0.333"]


def test_histogram_bars_and_edges() -> None:
    svg = _html.histogram([2, 0, 5], [-10, 0, 10, 20], label="deltas", x_label="<delta>")
    assert svg.count("<rect") == 3 and "[-10, 0): 2" in svg and "[10, 20]: 5" in svg and "&lt;delta&gt;" in svg
    marked = _html.histogram([2, 0, 5], [-10, 0, 10, 20], label="deltas", marks=[(0, "<no change>"), (99, "out")])
    assert marked.count("stroke-dasharray") == 1 and "&lt;no change&gt;" in marked and ">out<" not in marked
    with pytest.raises(ValueError, match="3 counts need 4 edges"):
        _html.histogram([1, 2, 3], [0, 1], label="x")


def test_page_forbids_fetches_and_scripts() -> None:
    page = _html.page("<t>", _html.Markup("<p>x</p>"))
    assert page.startswith("<!DOCTYPE html>") and "<title>&lt;t&gt;</title>" in page
    assert "default-src 'none'" in page and "<script" not in page
