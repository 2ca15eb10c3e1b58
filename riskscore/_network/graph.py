"""The portfolio graph: entities and dated, sourced edges, columnar.

Nodes: id, kind, country, name and flags (a bit per flag name: ``sanction``, ``role.pep``,
a screening hit...). Edges: int32 endpoints, a kind, the share as an interval (``share_lo``,
``share_hi``, ``share_known``), validity days (inclusive; open ends allowed), whether the
stake is declared indirect (never added to the chain that implies it) or held jointly, and
provenance (the record it came from). :meth:`Network.at` gives the :class:`~._snapshot.Snapshot`
in force on a date, where overlapping statements are de-duplicated and problems reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from ..countries import normalize_country
from ..errors import CountryError
from .errors import NetworkError
from .intern import intern_ids

__all__ = ["EDGE_KINDS", "NODE_KINDS", "OPEN_FROM", "OPEN_TO", "Network"]

EDGE_KINDS = ("ownership", "control", "directorship", "consolidation", "supplier", "customer", "payment", "family")
NODE_KINDS = ("unknown", "company", "person", "organization", "arrangement", "vessel")
OPEN_FROM = np.iinfo(np.int32).min
OPEN_TO = np.iinfo(np.int32).max
_EDGE_COLUMNS = (
    "src",
    "dst",
    "kind",
    "share_lo",
    "share_hi",
    "share_known",
    "valid_from",
    "valid_to",
    "indirect",
    "joint",
    "source",
)


def _day(value: Any, default: int, path: str) -> int:
    if value is None:
        return default
    if isinstance(value, date):
        return value.toordinal()
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    raise NetworkError(f"{path}: {value!r} is not a date")


def _codes(values: Sequence[Any], names: tuple[str, ...], path: str) -> npt.NDArray[np.uint8]:
    lookup = {n: i for i, n in enumerate(names)}
    try:
        return np.fromiter((lookup[v] for v in values), dtype=np.uint8, count=len(values))
    except KeyError as exc:
        raise NetworkError(f"{path}: unknown kind {exc.args[0]!r} (one of {', '.join(names)})") from None


class Network:
    """An immutable portfolio graph. Build it with :meth:`from_tables` or an adapter
    (:func:`riskscore.network.read_ftm` and the others); query it with :meth:`at`."""

    __slots__ = ("_index", "country", "edges", "flag_names", "flags", "ids", "kind", "name", "sources")

    ids: npt.NDArray[Any]
    kind: npt.NDArray[np.uint8]
    country: tuple[str | None, ...]
    name: tuple[str | None, ...]
    flag_names: tuple[str, ...]
    flags: npt.NDArray[np.uint64]
    sources: tuple[str, ...]
    edges: dict[str, npt.NDArray[Any]]
    _index: dict[str, int] | None

    def __init__(self) -> None:
        raise TypeError("use Network.from_tables(...) or an adapter")

    @classmethod
    def from_tables(
        cls, nodes: Mapping[str, Sequence[Any]], edges: Mapping[str, Sequence[Any]], sources: Sequence[str] = ()
    ) -> Network:
        """Build from a node table and an edge table (columns as sequences or numpy arrays).

        ``nodes``: ``id`` (required), ``kind``, ``country`` (any form :func:`normalize_country`
        reads, or None), ``name``, ``flags`` (an iterable of flag names per node).
        ``edges``: ``src``, ``dst`` (ids), ``kind`` (one of :data:`EDGE_KINDS`), ``share_lo``,
        ``share_hi`` (fractions; NaN or absent = unknown), ``valid_from``, ``valid_to``
        (dates or day ordinals; None = open), ``indirect``, ``joint`` (booleans), ``source``
        (an index into ``sources``, the provenance strings). An edge naming an id that is not in
        ``nodes`` is refused: a graph with dangling endpoints would hide facts.
        """
        self = object.__new__(cls)
        ids = nodes["id"]
        n = len(ids)
        m = len(edges["src"])
        distinct, (node_no, src, dst) = intern_ids(ids, edges["src"], edges["dst"])
        named = len(np.unique(node_no))
        if named != n:
            raise NetworkError(f"nodes.id: {n - named} duplicate ids")
        if len(distinct) != n:
            missing = sorted({b.decode() for b in distinct.tolist()} - {str(i) for i in ids})[:5]
            raise NetworkError(f"edges: endpoints name ids with no node: {', '.join(missing)}")
        perm = np.empty(n, dtype=np.int32)
        perm[node_no] = np.arange(n, dtype=np.int32)  # hash order -> node table order
        self.ids = np.asarray(ids)
        self.kind = _codes(_col(nodes, "kind", ["unknown"] * n), NODE_KINDS, "nodes.kind")
        self.country = tuple(_country(c, i) for i, c in enumerate(_col(nodes, "country", [None] * n)))
        self.name = tuple(_col(nodes, "name", [None] * n))
        self.flag_names, self.flags = _flags(_col(nodes, "flags", [()] * n))
        self.sources = tuple(sources)
        self.edges = _edge_arrays(edges, perm[src], perm[dst], m, len(self.sources))
        self._index = None
        return self

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    @property
    def n_edges(self) -> int:
        """How many edges (statements) the network holds, before any as-of filtering."""
        return int(self.edges["src"].shape[0])

    def number(self, node_id: str) -> int:
        """The node number of an id; :class:`NetworkError` when the id is not in the network."""
        if self._index is None:
            self._index = {str(v): i for i, v in enumerate(self.ids.tolist())}
        try:
            return int(self._index[node_id])
        except KeyError:
            raise NetworkError(f"no entity {node_id!r} in the network") from None

    def label(self, i: int) -> str:
        """How explanations name node ``i``: its name and id (``'Volga Holding' (cp-9)``)."""
        name = self.name[i]
        nid = str(self.ids[i])
        return f"{name!r} ({nid})" if name else nid

    def flagged(self, *flags: str) -> npt.NDArray[np.bool_]:
        """A mask of the nodes carrying any of these flags (an unknown flag name matches nothing)."""
        bits = np.uint64(0)
        for f in flags:
            if f in self.flag_names:
                bits |= np.uint64(1) << np.uint64(self.flag_names.index(f))
        mask: npt.NDArray[np.bool_] = (self.flags & bits) != 0
        return mask

    def in_countries(self, codes: Iterable[str]) -> npt.NDArray[np.bool_]:
        """A mask of the nodes whose country (or its parent, for a subdivision) is in ``codes``."""
        wanted = set(codes)
        return np.fromiter(
            (c is not None and (c in wanted or c.split("-")[0] in wanted) for c in self.country),
            dtype=np.bool_,
            count=len(self.country),
        )

    def at(self, as_of: date) -> Any:
        """The graph in force on ``as_of``: a :class:`~._snapshot.Snapshot`."""
        from .snapshot import Snapshot

        return Snapshot(self, as_of)


def _col(table: Mapping[str, Any], key: str, default: Sequence[Any]) -> Sequence[Any]:
    value = table.get(key)
    return default if value is None else list(value) if not isinstance(value, (list, tuple)) else value


def _country(value: Any, i: int) -> str | None:
    if value is None or value == "":
        return None
    try:
        return normalize_country(value)
    except CountryError as exc:
        raise NetworkError(f"nodes[{i}].country: {exc}") from None


def _flags(values: Sequence[Iterable[str]]) -> tuple[tuple[str, ...], npt.NDArray[np.uint64]]:
    names = sorted({f for fs in values for f in fs})
    if len(names) > 64:
        raise NetworkError(f"nodes.flags: {len(names)} distinct flags, at most 64")
    bit = {f: np.uint64(1) << np.uint64(i) for i, f in enumerate(names)}
    out = np.zeros(len(values), dtype=np.uint64)
    for i, fs in enumerate(values):
        for f in fs:
            out[i] |= bit[f]
    return tuple(names), out


def _edge_arrays(edges: Mapping[str, Sequence[Any]], src: Any, dst: Any, m: int, n_sources: int) -> dict[str, Any]:
    unknown = set(edges) - set(_EDGE_COLUMNS)
    if unknown:
        raise NetworkError(f"edges: unknown columns {sorted(unknown)}")
    lo = np.asarray(edges.get("share_lo", np.full(m, np.nan)), dtype=np.float64)
    hi = np.asarray(edges.get("share_hi", lo), dtype=np.float64)
    known = ~(np.isnan(lo) & np.isnan(hi))
    lo = np.where(np.isnan(lo), 0.0, lo)
    hi = np.where(np.isnan(hi), 1.0, hi)
    bad = ~((lo >= 0) & (lo <= hi) & (hi <= 1))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise NetworkError(f"edges[{i}].share: {lo[i]}..{hi[i]} is not a share in 0..1 (lo <= hi)")
    out = {
        "src": src.astype(np.int32),
        "dst": dst.astype(np.int32),
        "kind": _codes(_col(edges, "kind", ["ownership"] * m), EDGE_KINDS, "edges.kind"),
        "share_lo": lo,
        "share_hi": hi,
        "share_known": known,
        "valid_from": _days(edges.get("valid_from"), OPEN_FROM, m, "edges.valid_from"),
        "valid_to": _days(edges.get("valid_to"), OPEN_TO, m, "edges.valid_to"),
        "indirect": np.asarray(edges.get("indirect", np.zeros(m, bool)), dtype=bool),
        "joint": np.asarray(edges.get("joint", np.zeros(m, bool)), dtype=bool),
        "source": np.asarray(edges.get("source", np.full(m, -1)), dtype=np.int32),
    }
    if np.any(out["valid_from"] > out["valid_to"]):
        i = int(np.flatnonzero(out["valid_from"] > out["valid_to"])[0])
        raise NetworkError(f"edges[{i}]: valid_from is after valid_to")
    if np.any(out["source"] >= n_sources) and n_sources:
        raise NetworkError("edges.source: an index past the sources list")
    for arr in out.values():
        arr.setflags(write=False)
    return out


def _days(values: Any, default: int, m: int, path: str) -> npt.NDArray[np.int32]:
    if values is None:
        return np.full(m, default, dtype=np.int32)
    arr = np.asarray(values)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int32)
    return np.fromiter((_day(v, default, f"{path}[{i}]") for i, v in enumerate(values)), dtype=np.int32, count=m)
