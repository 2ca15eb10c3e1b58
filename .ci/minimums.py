"""Print exact pins (``name==X``) for the declared minimum of every run-time dependency.

Reads ``[project] dependencies`` of pyproject.toml; each must declare a lower bound with
``>=``, which becomes the pin. A dependency without one is an error: its minimum would be
untested.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path


def dependencies(text: str) -> list[str]:
    block = re.search(r"^dependencies\s*=\s*\[(.*?)^\]", text, re.M | re.S)
    if not block:
        raise SystemExit("pyproject.toml: [project] dependencies not found")
    return re.findall(r'^\s*"([^"]+)"', block[1], re.M)


def main() -> None:
    for spec in dependencies(Path(sys.argv[1]).read_text()):
        match = re.match(r"^([A-Za-z0-9_.\-]+)\s*(?:\[[^\]]*\])?\s*(.*)$", spec)
        assert match, spec
        name, constraints = match[1], match[2]
        low = re.search(r">=\s*([0-9][0-9A-Za-z.]*)", constraints)
        if not low:
            raise SystemExit(f"{name}: no '>=' lower bound to test")
        print(f"{name}=={low[1]}")


if __name__ == "__main__":
    main()
