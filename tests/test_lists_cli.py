"""``riskscore lists`` and ``riskscore lists diff``, in the checkout and from an installed wheel."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write_policy
from test_amendments import HYPOTHETICAL, amend, user_policy

import riskscore
from riskscore._lists_cli import list_changes
from riskscore.cli import main
from riskscore.lists import Status

REPO = Path(__file__).resolve().parent.parent


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:  # type: ignore[type-arg]
    capsys.readouterr()
    assert main([*argv, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_lists_reports_every_applied_list_with_its_review_status(capsys: pytest.CaptureFixture[str]) -> None:
    policy = riskscore.load_policy()
    report = run_json(capsys, "lists", "--as-of", "2026-11-01")
    rows = {r["list"]: r for r in report["lists"]}
    assert set(rows) == set(policy.lists)
    for list_id, lst in policy.lists.items():
        row = rows[list_id]
        assert row["authority"] == lst.authority and row["entries"] == len(lst.entries)
        assert row["review_due"] == lst.review_horizon.isoformat()
        assert row["stale"] is (lst.review_horizon.isoformat() < "2026-11-01")
        assert row["last_change"] is None or row["last_change"] <= "2026-11-01"


def test_last_change_and_staleness_follow_as_of(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_policy(tmp_path)  # PL listed 2021-01-01, delisted 2023-01-01, listed 2024-06-01; reviewed 2024-01-01
    early = run_json(capsys, "lists", "--policy", str(path), "--as-of", "2023-06-01")["lists"][0]
    late = run_json(capsys, "lists", "--policy", str(path), "--as-of", "2025-06-01")["lists"][0]
    assert (early["last_change"], early["stale"], early["listed_on_as_of"]) == ("2023-01-01", False, 1)
    assert (late["last_change"], late["stale"], late["listed_on_as_of"]) == ("2024-06-01", True, 2)


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_lists_text_and_markdown(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lists", "--as-of", "2026-11-01", "--format", fmt]) == 0
    out = capsys.readouterr().out
    assert "fatf_increased_monitoring" in out and "lists, " in out
    assert ("| list | authority |" in out) is (fmt == "markdown")


def test_lists_diff_between_dates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = amend(
        tmp_path,
        """\
        - {code: DE, action: list, date: 2025-03-01, source: stmt, confidence: confirmed}
        - {code: HU, action: recategorise, date: 2025-03-01, category: moderate, source: stmt, confidence: secondary}
        - {code: PL, action: delist, date: 2025-03-01, source: stmt, confidence: confirmed}
        """,
    )
    report = run_json(capsys, "lists", "diff", "--policy", str(path), "--from", "2025-01-01", "--to", "2025-06-30")
    [item] = report["lists"]
    got = {
        (c["code"], c["action"], c["date"], c["category"], c["previous_category"], c["amendment"])
        for c in item["changes"]
    }
    assert got == {
        ("DE", "added", "2025-03-01", None, None, True),
        ("HU", "recategorised", "2025-03-01", "moderate", "severe", True),
        ("PL", "removed", "2025-03-01", None, None, True),
    }
    outside = run_json(capsys, "lists", "diff", "--policy", str(path), "--from", "2025-03-01", "--to", "2025-06-30")
    assert outside["lists"] == []  # --from is exclusive: "changes after D1"
    for fmt in ("text", "markdown"):
        assert (
            main(
                ["lists", "diff", "--policy", str(path), "--from", "2025-01-01", "--to", "2025-06-30", "--format", fmt]
            )
            == 0
        )
        out = capsys.readouterr().out
        assert "recategorised severe -> moderate" in out and "3 change(s) in 1 list(s)" in out


def test_the_bundled_diff_agrees_with_the_list_statuses(capsys: pytest.CaptureFixture[str]) -> None:
    """Every code whose status differs between the two dates is reported as changed in between."""
    from datetime import date

    d1, d2 = date(2024, 1, 1), date(2026, 7, 1)
    report = run_json(capsys, "lists", "diff", "--from", d1.isoformat(), "--to", d2.isoformat())
    reported = {(item["list"], c["code"]) for item in report["lists"] for c in item["changes"]}
    for list_id, lst in riskscore.load_policy().lists.items():
        for entry in lst.entries:
            a, b = lst.status(entry.code, d1), lst.status(entry.code, d2)
            if (a.status is Status.LISTED) != (b.status is Status.LISTED):
                assert (list_id, entry.code) in reported
        assert {c.list_id for c in list_changes(lst)} <= {list_id}


def test_lists_diff_between_two_list_sets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = user_policy(tmp_path, HYPOTHETICAL)
    report = run_json(capsys, "lists", "diff", "--against", str(folder))
    assert report["only_in_policy"] == [] and report["only_in_against"] == []
    [item] = report["lists"]
    [change] = item["changes"]
    assert item["list"] == "fatf_increased_monitoring"
    assert (change["code"], change["action"], change["date"], change["only_in"]) == (
        "AQ",
        "added",
        "2026-10-23",
        "against",
    )


@pytest.mark.parametrize(
    "argv", [["lists", "diff"], ["lists", "--from", "2025-01-01"], ["lists", "--against", "x"], ["lists", "nope"]]
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2


def test_lists_and_lists_diff_from_an_installed_wheel(tmp_path: Path) -> None:
    """Built and installed outside the checkout, `bundled` and both commands find the shipped lists."""
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "wheel", "--no-deps", str(REPO), "-w", str(tmp_path / "dist")], check=True)
    [wheel] = (tmp_path / "dist").glob("*.whl")
    site = tmp_path / "site"
    subprocess.run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)], check=True)
    folder = user_policy(tmp_path, HYPOTHETICAL)
    env = {**os.environ, "PYTHONPATH": str(site)}

    def cli(*argv: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "riskscore.cli", *argv], cwd=tmp_path, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    where = cli("--help") and subprocess.run(
        [sys.executable, "-c", "import riskscore; print(riskscore.__file__)"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert where.startswith(str(site))  # the installed copy, not the checkout
    shown = json.loads(cli("lists", "--policy", str(folder), "--as-of", "2026-11-01", "--format", "json"))
    assert {r["list"]: r["amendment_changes"] for r in shown["lists"]}["fatf_increased_monitoring"] == 1
    diff = json.loads(cli("lists", "diff", "--against", str(folder), "--format", "json"))
    assert [c["code"] for item in diff["lists"] for c in item["changes"]] == ["AQ"]
    assert "fatf_increased_monitoring" in cli("lists", "diff", "--from", "2026-01-01", "--to", "2026-07-01")
