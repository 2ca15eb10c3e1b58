"""Node and edge tables as a network: CSV files, pandas DataFrames, Arrow tables or mappings.

``nodes``: ``id`` (required), ``kind``, ``country``, ``name``, ``flags`` (names separated by
``;`` in a CSV cell, or a list). ``edges``: ``src``, ``dst``, ``kind`` (one of
:data:`~riskscore.network.EDGE_KINDS`), ``share`` (a percentage as exports write it: ``51``,
``60%``, ``25-50``; empty = unknown), ``valid_from``, ``valid_to`` (``YYYY``, ``YYYY-MM`` or
``YYYY-MM-DD``), ``indirect``, ``joint`` (``true``/``false``) and ``source`` (provenance text;
default: the table's row). Every value is checked; a problem names the table, row and column.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from .adapters import _Builder, _date
from .errors import NetworkError
from .graph import Network
from .shares import parse_percentage

__all__ = ["read_tables"]

_TRUE, _FALSE = {"true", "1", "yes"}, {"false", "0", "no", ""}
_NODE_COLUMNS = {"id", "kind", "country", "name", "flags"}
_EDGE_COLUMNS = {"src", "dst", "kind", "share", "valid_from", "valid_to", "indirect", "joint", "source"}


def _rows(table: Any, what: str) -> Iterator[dict[str, Any]]:
    """The table's rows as dicts (a CSV path, a DataFrame, an Arrow table or a column mapping)."""
    if isinstance(table, (str, Path)):
        try:
            with open(table, newline="", encoding="utf-8") as f:
                yield from csv.DictReader(f)
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise NetworkError(f"{what} {table}: cannot read the CSV file ({exc})") from None
        return
    if hasattr(table, "to_pylist"):  # pyarrow Table / RecordBatch
        yield from table.to_pylist()
        return
    if hasattr(table, "to_dict") and hasattr(table, "columns"):  # pandas DataFrame
        import math

        for row in table.to_dict("records"):
            yield {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}
        return
    if isinstance(table, Mapping):
        keys = list(table)
        yield from (dict(zip(keys, values, strict=True)) for values in zip(*(table[k] for k in keys), strict=True))
        return
    raise NetworkError(f"{what}: expected a CSV path, a pandas DataFrame, an Arrow table or a mapping of columns")


def _bool(value: Any, where: str) -> bool:
    if isinstance(value, bool) or value is None:
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise NetworkError(f"{where}: {value!r} is not true or false")


def _check_columns(row: Mapping[str, Any], allowed: set[str], what: str) -> None:
    unknown = sorted(set(row) - allowed)
    if unknown:
        raise NetworkError(f"{what}: unknown column {unknown[0]!r} (columns: {', '.join(sorted(allowed))})")


def read_tables(nodes: Any, edges: Any) -> tuple[Network, list[str]]:
    """A network from a node table and an edge table, with the normalisation notes."""
    b = _Builder()
    for i, row in enumerate(_rows(nodes, "nodes")):
        if i == 0:
            _check_columns(row, _NODE_COLUMNS, "nodes")
        nid = row.get("id")
        if not nid:
            raise NetworkError(f"nodes[{i}].id: missing")
        flags = row.get("flags") or ()
        if isinstance(flags, str):
            flags = [f.strip() for f in flags.split(";") if f.strip()]
        b.node(
            str(nid),
            kind=row.get("kind") or None,
            country=row.get("country") or None,
            name=row.get("name") or None,
            flags=flags,
        )
    for i, row in enumerate(_rows(edges, "edges")):
        if i == 0:
            _check_columns(row, _EDGE_COLUMNS, "edges")
        where = f"edges[{i}]"
        src, dst, kind = row.get("src"), row.get("dst"), row.get("kind")
        if not src or not dst or not kind:
            raise NetworkError(f"{where}: src, dst and kind are required")
        share = row.get("share")
        try:
            parsed = parse_percentage(None if share == "" else share)
        except ValueError as exc:
            raise NetworkError(f"{where}.share: {exc}") from None
        b.edge(
            str(src),
            str(dst),
            str(kind),
            parsed,
            str(row.get("source") or f"{where}"),
            start=_date(row.get("valid_from"), f"{where}.valid_from"),
            end=_date(row.get("valid_to"), f"{where}.valid_to", end=True),
            indirect=_bool(row.get("indirect"), f"{where}.indirect"),
            joint=_bool(row.get("joint"), f"{where}.joint"),
        )
    return b.build()
