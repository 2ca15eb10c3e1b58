"""Print every CPython interpreter on this machine that satisfies ``requires-python``, oldest first.

Looks under pyenv's versions folder and for ``python3.N`` on PATH; one interpreter per minor
version. CI tests the newest releases on the first and the last line, and the declared minimum
versions on the first.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def required() -> tuple[int, int]:
    text = (ROOT / "pyproject.toml").read_text()
    match = re.search(r'^requires-python\s*=\s*">=\s*(\d+)\.(\d+)"', text, re.M)
    if not match:
        raise SystemExit("pyproject.toml: requires-python '>=X.Y' not found")
    return int(match[1]), int(match[2])


def candidates() -> list[str]:
    found: list[str] = []
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    if pyenv.is_dir():
        found += [str(p) for p in sorted(pyenv.glob("*/bin/python3")) if p.exists()]
    for minor in range(8, 20):
        exe = shutil.which(f"python3.{minor}")
        if exe:
            found.append(exe)
    found.append(sys.executable)
    return found


def version(exe: str) -> tuple[int, int] | None:
    try:
        out = subprocess.run(
            [exe, "-c", "import sys; print(sys.implementation.name, *sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return None
    return (int(out[1]), int(out[2])) if out and out[0] == "cpython" else None


def main() -> None:
    floor = required()
    by_minor: dict[tuple[int, int], str] = {}
    for exe in candidates():
        v = version(exe)
        if v is not None and v >= floor:
            by_minor.setdefault(v, exe)
    if not by_minor:
        raise SystemExit(f"no CPython >= {floor[0]}.{floor[1]} found")
    for v in sorted(by_minor):
        print(by_minor[v])


if __name__ == "__main__":
    main()
