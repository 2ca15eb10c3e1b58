"""Read a network file for the command line: FollowTheMoney, BODS 0.4 or GLEIF Level 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .adapters import read_bods, read_ftm, read_gleif
from .errors import NetworkError
from .graph import Network
from .tables import read_tables

__all__ = ["read_network_file"]


def _json_records(path: Path, text: str) -> list[Any]:
    """A JSON array (or one object) or JSON Lines, as a list of records."""
    stripped = text.lstrip()
    try:
        if stripped.startswith("["):
            data = json.loads(text)
            return list(data)
        if stripped.startswith("{") and "\n{" not in stripped:
            return [json.loads(text)]
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    except json.JSONDecodeError as exc:
        raise NetworkError(f"{path}: line {exc.lineno}: not valid JSON ({exc.msg})") from None


def read_network_file(path: Path, fmt: str | None = None) -> tuple[Network, list[str]]:
    """The network in ``path`` and the adapter's normalisation warnings (naming the records).

    ``fmt``: ``ftm``, ``bods``, ``gleif`` or ``tables`` (a folder holding ``nodes.csv`` and
    ``edges.csv``); by default ``tables`` for a folder, FollowTheMoney for ``.jsonl`` and
    ``.ndjson`` files and BODS otherwise."""
    if fmt == "tables" or (fmt is None and path.is_dir()):
        return read_tables(path / "nodes.csv", path / "edges.csv")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise NetworkError(f"{path}: cannot read the network file ({exc})") from None
    fmt = fmt or ("ftm" if path.suffix in (".jsonl", ".ndjson") else "bods")
    if fmt == "ftm":
        return read_ftm(text.splitlines())
    records = _json_records(path, text)
    return read_bods(records) if fmt == "bods" else read_gleif(records)
