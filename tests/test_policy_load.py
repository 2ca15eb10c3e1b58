"""Loading policies: every mistake is reported with file:line, key path and a suggestion."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from conftest import TEST_LIST, TEST_POLICY, PolicyFactory, write_policy

import riskscore
import riskscore.policy as policy_module
from riskscore import PolicyError
from riskscore.policy import MAX_POLICY_BYTES, MAX_POLICY_FILES, MAX_POLICY_NODES

REPO = Path(__file__).resolve().parent.parent


def errors(tmp_path: Path, policy: str) -> PolicyError:
    path = write_policy(tmp_path, policy=policy)
    with pytest.raises(PolicyError) as info:
        riskscore.load_policy(path)
    return info.value


def test_typo_in_a_key_gives_file_line_and_suggestion(tmp_path: Path) -> None:
    err = errors(
        tmp_path, TEST_POLICY.replace("  - id: partners\n    weight: 0.5", "  - id: partners\n    wieght: 0.5")
    )
    issue = next(i for i in err.issues if i.code == "extra_forbidden")
    assert issue.file is not None and issue.file.endswith("policy.yaml")
    assert (issue.line, issue.column, issue.key_path) == (19, 5, "factors[1].wieght")
    assert issue.suggestion == "weight"
    assert (
        "policy.yaml:19:5: extra_forbidden at 'factors[1].wieght': unknown key 'wieght' (did you mean 'weight'?)"
        in str(err)
    )


def test_all_problems_are_reported_together(tmp_path: Path) -> None:
    bad = TEST_POLICY.replace("weight: 0.5", "weight: 0.6", 1).replace("list: test_high", "list: test_hihg")
    bad = bad.replace('reason: "exposure {exposure}"', 'reason: "exposure {exposre}"')
    err = errors(tmp_path, bad)
    codes = {i.code: i for i in err.issues}
    assert {"unknown-list", "weights-sum", "bad-placeholder"} <= set(codes)
    assert codes["unknown-list"].suggestion == "test_high" and codes["unknown-list"].line == 8
    assert codes["bad-placeholder"].suggestion == "exposure"
    assert "sum to 1.1" in codes["weights-sum"].message


@pytest.mark.parametrize(
    ("overrides", "code", "text"),
    [
        (
            "- {id: o, when: {flag: pep}, action: floor, tier: hihg, rationale: r}\n",
            "unknown-tier",
            "unknown tier 'hihg'",
        ),
        ("- {id: o, when: {flag: pep}, action: floor, tier: high}\n", "missing", "missing required key 'rationale'"),
        ("- {id: o, when: {flag: pep}, action: floor, tier: high, rationale: ''}\n", "string_too_short", ""),
        ("- {id: o, when: {gte: [{factor: geoo}, 1]}, action: prohibit, rationale: r}\n", "unknown-factor", "geoo"),
        ("- {id: o, when: {bogus: 1}, action: prohibit, rationale: r}\n", "condition", "one operator"),
        ("- {id: o, when: {flag: pep}, action: cap, rationale: r}\n", "value_error", "cap takes a score"),
        (
            "- {id: o, when: {flag: pep}, action: cap, score: 5, points: 1, rationale: r}\n",
            "value_error",
            "cap does not take points",
        ),
        (
            "- {id: o, when: {flag: pep}, action: add, points: 5, tier: high, rationale: r}\n",
            "value_error",
            "add does not take tier",
        ),
        (
            "- {id: o, when: {product_in: {list: test_high}}, action: prohibit, rationale: r}\n",
            "list-kind",
            "country list",
        ),
    ],
)
def test_override_mistakes(make_policy: PolicyFactory, overrides: str, code: str, text: str) -> None:
    with pytest.raises(PolicyError) as info:
        make_policy(overrides=overrides)
    issue = next(i for i in info.value.issues if i.code == code)
    assert issue.line is not None
    assert text in str(info.value)


def test_duplicate_ids_and_unreachable_tier_order(tmp_path: Path) -> None:
    bad = TEST_POLICY.replace("id: exposure", "id: geo_country").replace("{id: high, min: 40}", "{id: high, min: 10}")
    codes = {i.code for i in errors(tmp_path, bad).issues}
    assert {"duplicate-id", "tier-order"} <= codes


def test_factor_reference_must_be_defined_earlier_in_rules(tmp_path: Path) -> None:
    bad = TEST_POLICY.replace(
        """      - id: geo_country
        kind: country_risk""",
        """      - id: early
        kind: condition
        when: {gte: [{factor: partners}, 1]}
        points: 5
        reason: r
      - id: geo_country
        kind: country_risk""",
    )
    issue = next(i for i in errors(tmp_path, bad).issues if i.code == "unknown-factor")
    assert "not defined earlier" in issue.message


def test_unknown_authority_is_refused_with_suggestion(tmp_path: Path) -> None:
    err = errors(tmp_path, TEST_POLICY.replace("lists: [lists]", "lists: [lists]\nauthorities: [TSET]"))
    assert err.issues[0].code == "unknown-authority" and err.issues[0].suggestion == "TEST"


def test_missing_list_folder_and_missing_file(tmp_path: Path) -> None:
    err = errors(tmp_path, TEST_POLICY.replace("lists: [lists]", "lists: [nowhere]"))
    assert err.issues[0].code == "missing-list" and err.issues[0].line == 4
    with pytest.raises(PolicyError, match="io-error"):
        riskscore.load_policy(tmp_path / "absent.yaml")


def test_broken_list_file_is_reported_with_its_own_file_and_line(tmp_path: Path) -> None:
    path = write_policy(tmp_path)
    list_file = tmp_path / "lists" / "test_high.yaml"
    list_file.write_text(list_file.read_text().replace("reviewed: 2024-01-01", "reviewd: 2024-01-01"))
    with pytest.raises(PolicyError) as info:
        riskscore.load_policy(path)
    issue = next(i for i in info.value.issues if i.code == "extra_forbidden")
    assert issue.file == str(list_file) and issue.line == 7 and issue.suggestion == "reviewed"


def test_default_policy_loads_from_folder_and_validates(tmp_path: Path) -> None:
    target = tmp_path / "copy"
    shutil.copytree(REPO / "rules", target)
    policy = riskscore.load_policy(target / "default")
    assert policy.id == "riskscore-default"
    assert policy.tiers == ["low", "medium", "high", "prohibited"]
    assert set(policy.authorities) == {"EU", "Egmont", "FATF", "UK", "UN", "US"}


def test_fingerprint_is_stable_and_tracks_content(tmp_path: Path) -> None:
    target = tmp_path / "copy"
    shutil.copytree(REPO / "rules", target)
    first = riskscore.load_policy(target / "default").fingerprint
    assert riskscore.load_policy(target / "default").fingerprint == first == riskscore.load_policy().fingerprint
    grey = target / "lists" / "fatf_increased_monitoring.yaml"
    grey.write_text(grey.read_text().replace("2024-10-25", "2024-10-26", 1))
    assert riskscore.load_policy(target / "default").fingerprint != first


def test_a_compiled_policy_cannot_be_changed_through_its_views(policy: riskscore.Policy) -> None:
    cp = {"id": "x", "incorporation": "TR", "owners": [], "trade_partners": []}
    before = policy.score(cp, as_of="2026-07-01")
    policy.model.factors.clear()
    policy.model.overrides.clear()
    assert policy.score(cp, as_of="2026-07-01") == before
    with pytest.raises(AttributeError):
        policy.path = Path("/elsewhere")  # type: ignore[misc]


@pytest.mark.parametrize("bad", ["rules\x00/policy.yaml", "x" * 5000])
def test_unusable_policy_paths_are_refused_cleanly(bad: str) -> None:
    with pytest.raises(PolicyError, match="io-error"):
        riskscore.load_policy(bad)


# ---------------------------------------------------------------- lists of authorities not applied
ACME_LIST = TEST_LIST.replace("id: test_high", "id: acme_internal").replace("authority: TEST", "authority: ACME")
ACME_LIST = ACME_LIST.replace("AA_CODE", "PL")


def acme_policy(tmp_path: Path, policy: str, list_text: str = ACME_LIST) -> Path:
    path = write_policy(tmp_path, policy=policy.replace("lists: [lists]", "lists: [lists]\nauthorities: [TEST]"))
    (tmp_path / "lists" / "acme_internal.yaml").write_text(list_text)
    return path


def test_a_list_whose_authority_is_not_applied_is_refused_not_scored_zero(tmp_path: Path) -> None:
    with_acme = TEST_POLICY.replace(
        "    - {list: test_high, points: 40, category_points: {severe: 100}}\n",
        "    - {list: test_high, points: 40, category_points: {severe: 100}}\n    - {list: acme_internal, points: 90}\n",
    )
    with pytest.raises(PolicyError) as info:
        riskscore.load_policy(acme_policy(tmp_path, with_acme))
    (issue,) = info.value.issues
    assert (issue.code, issue.key_path, issue.line) == ("unapplied-list", "country_risk.lists[1].list", 10)
    assert "'acme_internal'" in issue.message and "ACME" in issue.message


def test_a_condition_mixing_applied_and_unapplied_lists_is_refused(tmp_path: Path) -> None:
    mixed = TEST_POLICY.replace(
        "OVERRIDES\n",
        "overrides:\n  - {id: o, when: {country_in: {field: any, list: [test_high, acme_internal]}}, "
        "action: floor, tier: high, rationale: Any link to a listed country is high.}\n",
    )
    with pytest.raises(PolicyError) as info:
        riskscore.load_policy(acme_policy(tmp_path, mixed))
    (issue,) = info.value.issues
    assert (issue.code, issue.key_path) == ("unapplied-list", "overrides[0].when.country_in.list")
    assert issue.line == 27 and "'acme_internal'" in issue.message and "ACME" in issue.message


def test_a_list_applied_through_also_issued_by_is_accepted(tmp_path: Path) -> None:
    adopted = ACME_LIST.replace("authority: ACME", "authority: ACME\nalso_issued_by: [TEST]")
    with_acme = TEST_POLICY.replace(
        "    - {list: test_high, points: 40, category_points: {severe: 100}}\n",
        "    - {list: test_high, points: 40, category_points: {severe: 100}}\n    - {list: acme_internal, points: 90}\n",
    )
    policy = riskscore.load_policy(acme_policy(tmp_path, with_acme, adopted))
    assert set(policy.lists) == {"test_high", "acme_internal"} and policy.authorities == ["TEST"]


# ---------------------------------------------------------------- the fingerprint hashes content only
def test_the_fingerprint_does_not_depend_on_how_lists_is_spelled(tmp_path: Path) -> None:
    write_policy(tmp_path)
    folder = tmp_path / "policy"
    folder.mkdir()
    lists = tmp_path / "lists"
    spellings = ["../lists", "../lists/", str(lists), "../lists/test_high.yaml", "../policy/../lists"]
    prints = set()
    for spelling in spellings:
        text = TEST_POLICY.replace("lists: [lists]", f"lists: [{spelling!r}]").replace("OVERRIDES\n", "")
        (folder / "policy.yaml").write_text(text)
        prints.add(riskscore.load_policy(folder).fingerprint)
    assert len(prints) == 1
    (lists / "test_high.yaml").write_text(TEST_LIST.replace("AA_CODE", "PL").replace("title: Source A", "title: A2"))
    assert riskscore.load_policy(folder).fingerprint not in prints


# ---------------------------------------------------------------- regular files only
def _writer_that_closes(fifo: Path) -> threading.Thread:
    """A writer that opens ``fifo`` as soon as a reader does and closes it (so no read blocks for ever)."""
    thread = threading.Thread(target=lambda: os.close(os.open(fifo, os.O_WRONLY)), daemon=True)
    thread.start()
    return thread


def _release(fifo: Path, writer: threading.Thread) -> None:
    fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # lets a still-waiting writer through
    writer.join(timeout=30)
    os.close(fd)


@pytest.mark.parametrize("link", [False, True], ids=["fifo", "symlink-to-fifo"])
def test_a_fifo_in_a_lists_folder_is_refused_not_read(tmp_path: Path, link: bool) -> None:
    path = write_policy(tmp_path)
    fifo = tmp_path / ("pipe" if link else "lists/pipe.yaml")
    os.mkfifo(fifo)
    if link:
        (tmp_path / "lists" / "pipe.yaml").symlink_to(fifo)
    writer = _writer_that_closes(fifo)
    try:
        with pytest.raises(PolicyError) as info:
            riskscore.load_policy(path)
    finally:
        _release(fifo, writer)
    (issue,) = info.value.issues
    assert (issue.code, issue.key_path, issue.line) == ("not-a-file", "lists[0]", 4)
    assert "pipe.yaml" in issue.message


def test_a_device_named_as_a_list_or_as_the_policy_is_refused(tmp_path: Path) -> None:
    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / "null.yaml").symlink_to("/dev/null")
    path = write_policy(tmp_path)
    with pytest.raises(PolicyError) as info:
        riskscore.load_policy(path)
    assert [(i.code, i.key_path) for i in info.value.issues] == [("not-a-file", "lists[0]")]
    with pytest.raises(PolicyError) as info:
        riskscore.load_policy("/dev/null")
    assert info.value.issues[0].code == "not-a-file"


def test_a_link_to_stdin_in_a_lists_folder_does_not_swallow_piped_counterparties(tmp_path: Path) -> None:
    path = write_policy(tmp_path)
    (tmp_path / "lists" / "stdin.yaml").symlink_to("/dev/stdin")
    record = '{"id": "pl", "incorporation": "PL", "owners": [], "trade_partners": []}\n'
    run = subprocess.run(
        [sys.executable, "-m", "riskscore.cli", "score", "-", "--policy", str(path), "--as-of", "2026-07-01"],
        input=record,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1 and "not-a-file" in run.stderr and "stdin.yaml" in run.stderr


def test_an_unreadable_lists_folder_is_an_io_error_not_unknown_lists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_policy(tmp_path)
    locked = tmp_path / "lists"
    real_scandir = os.scandir

    def scandir(target: Any = ".") -> Any:  # chmod 000 does not stop root, so deny here
        if Path(target) == locked:
            raise PermissionError(13, "Permission denied", str(target))
        return real_scandir(target)

    monkeypatch.setattr(os, "scandir", scandir)
    with pytest.raises(PolicyError) as info:
        riskscore.load_policy(path)
    (issue,) = info.value.issues
    assert (issue.code, issue.key_path, issue.line) == ("io-error", "lists[0]", 4)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a chmod 000 folder anyway (see the monkeypatched test)")
def test_a_chmod_000_lists_folder_is_an_io_error(tmp_path: Path) -> None:
    path = write_policy(tmp_path)
    (tmp_path / "lists").chmod(0)
    try:
        with pytest.raises(PolicyError) as info:
            riskscore.load_policy(path)
    finally:
        (tmp_path / "lists").chmod(0o755)
    assert info.value.issues[0].code == "io-error"


def test_one_folder_layout_skips_the_policy_and_cases_files(tmp_path: Path) -> None:
    (tmp_path / "policy.yaml").write_text(
        TEST_POLICY.replace("lists: [lists]", "lists: [.]").replace("OVERRIDES\n", "")
    )
    (tmp_path / "test_high.yaml").write_text(TEST_LIST.replace("AA_CODE", "PL"))
    (tmp_path / "geo.cases.yaml").write_text("policy: policy.yaml\ncases: []\n")
    policy = riskscore.load_policy(tmp_path)
    assert list(policy.lists) == ["test_high"]
    assert policy.score({"id": "pl", "incorporation": "PL"}, as_of="2025-01-01").score > 0


# ---------------------------------------------------------------- the size of a whole policy
def test_a_policy_naming_too_many_list_files_is_refused_before_reading_them(tmp_path: Path) -> None:
    path = write_policy(tmp_path)
    for i in range(MAX_POLICY_FILES):
        (tmp_path / "lists" / f"extra_{i:03}.yaml").write_bytes(b"")
    with pytest.raises(PolicyError) as info:
        riskscore.load_policy(path)
    (issue,) = info.value.issues
    assert (issue.code, issue.key_path) == ("too-large", "lists") and str(MAX_POLICY_FILES) in issue.message


def _padded_list(i: int, pad: int) -> str:
    text = TEST_LIST.replace("id: test_high", f"id: padded_{i}").replace("AA_CODE", "PL")
    return text + ("# " + "x" * 1000 + "\n") * (pad // 1003)


def test_the_bytes_of_all_list_files_together_are_bounded(tmp_path: Path) -> None:
    path = write_policy(tmp_path)
    each = 4 * 1024 * 1024  # every file is under the per-file limit; four of them pass the policy's
    for i in range(4):
        (tmp_path / "lists" / f"padded_{i}.yaml").write_text(_padded_list(i, each))
    with pytest.raises(PolicyError) as info:
        riskscore.load_policy(path)
    (issue,) = info.value.issues
    assert issue.code == "too-large" and "MAX_POLICY_BYTES" in issue.message


def test_the_yaml_nodes_of_all_files_together_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(policy_module, "MAX_POLICY_NODES", 2_000)  # a small budget keeps the test's work small
    path = write_policy(tmp_path)
    sources = "".join(f"  - {{id: s{k}, title: t}}\n" for k in range(300))  # about 900 nodes per file
    for i in range(3):
        text = TEST_LIST.replace("id: test_high", f"id: many_{i}").replace("AA_CODE", "PL")
        (tmp_path / "lists" / f"many_{i}.yaml").write_text(text.replace("sources:\n", "sources:\n" + sources, 1))
    with pytest.raises(PolicyError) as info:
        riskscore.load_policy(path)
    (issue,) = info.value.issues
    assert issue.code == "too-large" and "2000 YAML nodes" in issue.message
    assert issue.file is not None and issue.file.endswith("many_2.yaml") and issue.line is not None


def test_the_bundled_policy_is_well_inside_the_policy_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    files = [*(REPO / "rules" / "lists").glob("*.yaml"), REPO / "rules" / "default" / "policy.yaml"]
    assert len(files) < MAX_POLICY_FILES // 10 and sum(f.stat().st_size for f in files) < MAX_POLICY_BYTES // 50
    monkeypatch.setattr(policy_module, "MAX_POLICY_NODES", MAX_POLICY_NODES // 20)
    assert riskscore.load_policy().fingerprint  # it fits in a twentieth of the node budget
