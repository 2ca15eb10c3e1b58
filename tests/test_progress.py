"""Progress on a terminal: a throttled line on stderr for long commands, silent when piped."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from riskscore import _progress
from riskscore._progress import counted, progress
from riskscore.cli import main

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "counterparties.jsonl"


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_silent_unless_the_stream_is_a_terminal() -> None:
    piped, tty = io.StringIO(), _Tty()
    for stream in (piped, tty):
        with progress(10, "rows", stream=stream) as bar:
            bar.advance(4)
            bar.advance(6)
    assert piped.getvalue() == ""
    assert tty.getvalue().startswith("\rrows: 10/10 (100%)") and tty.getvalue().endswith("\n")


def test_forced_on_and_off() -> None:
    on, off = io.StringIO(), _Tty()
    with progress(None, "rows", True, stream=on) as bar:
        bar.advance(3, note="1 refused")
    with progress(None, "rows", False, stream=off) as bar:
        bar.advance(3)
    assert on.getvalue().startswith("\rrows: 3, 1 refused, ") and off.getvalue() == ""


def test_eta_while_running_and_the_line_is_redrawn_in_place(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter(float(t) for t in range(100))
    monkeypatch.setattr(_progress.time, "monotonic", lambda: next(clock))
    out = _Tty()
    with progress(100, "cases", stream=out) as bar:  # 1 s per call of the clock
        bar.advance(10)
        assert bar.line().startswith("cases: 10/100 (10%), ") and "ETA " in bar.line()
    frames = out.getvalue().split("\r")[1:]
    assert len(frames) == 2 and "ETA" in frames[0] and frames[-1].endswith("\n")


def test_the_line_is_ended_when_the_block_raises() -> None:
    out = _Tty()
    with pytest.raises(KeyError), progress(None, "rows", stream=out) as bar:
        bar.advance()
        raise KeyError("x")
    assert out.getvalue().endswith("\n")


def test_counted_yields_everything_and_closes() -> None:
    out = _Tty()
    bar = _progress.start(None, "rows", stream=out)
    assert list(counted(range(5), bar)) == [0, 1, 2, 3, 4]
    assert bar.done == 5 and out.getvalue().count("\n") == 1
    bar.close()  # a second close writes nothing
    assert out.getvalue().count("\n") == 1


def test_no_progress_in_captured_cli_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(EXAMPLES), "--as-of", "2026-07-01", "--format", "jsonl", "--progress"]) == 0
    assert "\rscored: 8" in capsys.readouterr().err
    assert main(["test", str(REPO / "rules" / "tests" / "geography.cases.yaml"), "--progress"]) == 0
    assert "\rcases: " in capsys.readouterr().err
    default = str(REPO / "rules" / "default")
    assert main(["diff", default, default, str(EXAMPLES), "--as-of", "2026-07-01", "--progress"]) == 0
    assert "\rdiffed: 8, " in capsys.readouterr().err
    assert main(["score", str(EXAMPLES), "--as-of", "2026-07-01", "--no-progress"]) == 0
    assert "\r" not in capsys.readouterr().err


def _run_on(stderr_tty: bool, *args: str) -> tuple[str, str]:
    """Run the CLI with stdout piped and stderr on a pseudo-terminal (or a pipe)."""
    cmd = [sys.executable, "-m", "riskscore.cli", *args]
    if not stderr_tty:
        done = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=REPO)
        return done.stdout, done.stderr
    leader, follower = pty.openpty()
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=follower, cwd=REPO) as proc:
        os.close(follower)
        stdout = proc.stdout.read() if proc.stdout else b""
        chunks = []
        while True:
            try:
                data = os.read(leader, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        assert proc.wait() == 0
    os.close(leader)
    return stdout.decode(), b"".join(chunks).decode()


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_progress_on_a_terminal_and_not_when_piped() -> None:
    args = ("score", str(EXAMPLES), "--as-of", "2026-07-01", "--format", "jsonl")
    out_tty, err_tty = _run_on(True, *args)
    out_pipe, err_pipe = _run_on(False, *args)
    assert "\rscored: 8, 0 refused, " in err_tty
    assert "\r" not in err_pipe and "scored:" not in err_pipe
    assert out_tty == out_pipe and "\r" not in out_tty  # stdout is the same either way
    report_tty = _run_on(True, "report", str(EXAMPLES), "--as-of", "2026-07-01", "-o", os.devnull)[1]
    report_pipe = _run_on(False, "report", str(EXAMPLES), "--as-of", "2026-07-01", "-o", os.devnull)[1]
    assert "\rreported: 8" in report_tty and "reported:" not in report_pipe
