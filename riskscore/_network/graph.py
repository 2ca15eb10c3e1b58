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
from .intern import IdIndex, as_bytes

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


def _codes(values: Any, names: tuple[str, ...], path: str, count: int) -> npt.NDArray[np.uint8]:
    """Kinds as uint8 codes: given as codes already, or as names (mapped per distinct value)."""
    if values is None:
        return np.zeros(count, dtype=np.uint8)
    arr = np.asarray(values)
    if arr.dtype.kind in "iu":
        if arr.size and (arr.min() < 0 or arr.max() >= len(names)):
            raise NetworkError(f"{path}: a kind code outside 0..{len(names) - 1}")
        return arr.astype(np.uint8)
    distinct, inverse = np.unique(arr.astype(str), return_inverse=True)
    lookup = {nm: i for i, nm in enumerate(names)}
    unknown = [str(d) for d in distinct if str(d) not in lookup]
    if unknown:
        raise NetworkError(f"{path}: unknown kind {unknown[0]!r} (one of {', '.join(names)})")
    return np.array([lookup[str(d)] for d in distinct], dtype=np.uint8)[inverse.reshape(-1)]


class Network:
    """An immutable portfolio graph. Build it with :meth:`from_tables` or an adapter
    (:func:`riskscore.network.read_ftm` and the others); query it with :meth:`at`."""

    __slots__ = (
        "_index",
        "countries",
        "country_no",
        "edges",
        "flag_names",
        "flags",
        "ids",
        "kind",
        "kind_start",
        "names",
        "sources",
    )

    ids: npt.NDArray[Any]
    kind: npt.NDArray[np.uint8]
    countries: tuple[str, ...]
    country_no: npt.NDArray[np.int16]
    names: tuple[str | None, ...] | None
    flag_names: tuple[str, ...]
    flags: npt.NDArray[np.uint64]
    sources: tuple[str, ...]
    edges: dict[str, npt.NDArray[Any]]
    kind_start: npt.NDArray[np.int64]
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
        ``share_hi`` (fractions, kept to a millionth; NaN or absent = unknown), ``valid_from``, ``valid_to``
        (dates or day ordinals; None = open), ``indirect``, ``joint`` (booleans), ``source``
        (an index into ``sources``, the provenance strings). An edge naming an id that is not in
        ``nodes`` is refused: a graph with dangling endpoints would hide facts. Edges are
        numbered after a stable sort by (kind, source); ``source`` names their records.
        """
        self = object.__new__(cls)
        try:
            index = IdIndex(nodes["id"])
        except (TypeError, ValueError) as exc:
            raise NetworkError(f"nodes.id: {exc}") from None
        n = index.ids.shape[0]
        ends = []
        for side in ("src", "dst"):
            try:
                rows, missing = index.numbers(edges[side])
            except TypeError as exc:
                raise NetworkError(f"edges.{side}: {exc}") from None
            if missing.any():
                bad = np.flatnonzero(missing)
                raise NetworkError(
                    f"edges[{int(bad[0])}].{side}: {bad.size} endpoints name ids with no node, e.g. "
                    f"{as_bytes(edges[side])[bad[0]].decode()!r}"
                )
            ends.append(rows)
        self.ids = index.ids
        self.kind = _codes(_col(nodes, "kind", None), NODE_KINDS, "nodes.kind", n)
        self.countries, self.country_no = _countries(_col(nodes, "country", None), n)
        given = _col(nodes, "name", None)
        self.names = None if given is None else tuple(given)
        if "flag_bits" in nodes:
            self.flag_names = tuple(nodes.get("flag_names", [f"flag{i}" for i in range(64)]))
            self.flags = np.asarray(nodes["flag_bits"], dtype=np.uint64)
        else:
            self.flag_names, self.flags = _flags(_col(nodes, "flags", [()] * n))
        self.sources = tuple(sources)
        self.edges = _edge_arrays(edges, ends[0], ends[1], n, len(self.sources))
        self.kind_start = np.searchsorted(self.edges["kind"], np.arange(len(EDGE_KINDS) + 1)).astype(np.int64)
        self._index = None
        return self

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    @property
    def n_edges(self) -> int:
        """How many edges (statements) the network holds, before any as-of filtering."""
        return int(self.edges["src"].shape[0])

    @property
    def nbytes(self) -> int:
        """Bytes the network's arrays hold (ids, kinds, countries, flags, every edge column)."""
        arrays = [self.ids, self.kind, self.country_no, self.flags, *self.edges.values()]
        return sum(a.nbytes for a in arrays) + (8 * len(self.names) if self.names is not None else 0)

    def number(self, node_id: str) -> int:
        """The node number of an id; :class:`NetworkError` when the id is not in the network."""
        if self._index is None:
            self._index = {v.decode(): i for i, v in enumerate(self.ids.tolist())}
        try:
            return int(self._index[node_id])
        except KeyError:
            raise NetworkError(f"no entity {node_id!r} in the network") from None

    def node_id(self, i: int) -> str:
        """The id of node ``i``."""
        return bytes(self.ids[i]).decode("utf-8")

    def label(self, i: int) -> str:
        """How explanations name node ``i``: its name and id (``'Volga Holding' (cp-9)``)."""
        name = self.names[i] if self.names is not None else None
        nid = self.node_id(i)
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
        hit = np.array([c in wanted or c.split("-")[0] in wanted for c in self.countries] + [False], dtype=np.bool_)
        mask: npt.NDArray[np.bool_] = hit[self.country_no]  # -1 (no country) reads the final False
        return mask

    def country(self, i: int) -> str | None:
        """The country (ISO 3166 code) of node ``i``, or None."""
        k = int(self.country_no[i])
        return self.countries[k] if k >= 0 else None

    def at(self, as_of: date) -> Any:
        """The graph in force on ``as_of``: a :class:`~._snapshot.Snapshot`."""
        from .snapshot import Snapshot

        return Snapshot(self, as_of)


def _col(table: Mapping[str, Any], key: str, default: Any) -> Any:
    value = table.get(key)
    return default if value is None else value


def _countries(values: Any, n: int) -> tuple[tuple[str, ...], npt.NDArray[np.int16]]:
    """Countries normalised once per distinct value: the codes and each node's number (-1: none)."""
    if values is None:
        return (), np.full(n, -1, dtype=np.int16)
    raw = values.tolist() if isinstance(values, np.ndarray) else list(values)
    seen: dict[Any, int] = {}
    codes: list[str] = []
    out = np.empty(len(raw), dtype=np.int16)
    for i, v in enumerate(raw):
        if v not in seen:
            code = _country(v, i)
            if code is None:
                seen[v] = -1
            else:
                if code not in codes:
                    codes.append(code)
                seen[v] = codes.index(code)
        out[i] = seen[v]
    return tuple(codes), out


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


PPM = 1_000_000
"""Shares are stored as exact integers of millionths (0.0001 %): sums are exact, and a
comparison with a threshold (50 % = 500,000) has no floating-point edge."""


def _ppm(values: Any, default: float, m: int) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.bool_]]:
    x = np.full(m, np.nan) if values is None else np.asarray(values, dtype=np.float64)
    nan = np.isnan(x)
    x = np.where(nan, default, x)
    bad = ~((x >= 0) & (x <= 1))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise NetworkError(f"edges[{i}].share: {x[i]!r} is not a share in 0..1")
    return np.rint(x * PPM).astype(np.uint32), nan


def _edge_arrays(edges: Mapping[str, Sequence[Any]], src: Any, dst: Any, n: int, n_sources: int) -> dict[str, Any]:
    """The edge columns, validated, sorted by (kind, source) (stable: input order within), with
    the reverse order by (kind, target) and the edges that state a holding more than once."""
    unknown = set(edges) - set(_EDGE_COLUMNS)
    if unknown:
        raise NetworkError(f"edges: unknown columns {sorted(unknown)}")
    m = len(src)
    lo, lo_nan = _ppm(edges.get("share_lo"), 0.0, m)
    hi, hi_nan = _ppm(edges.get("share_hi", edges.get("share_lo")), 1.0, m)
    if np.any(lo > hi):
        i = int(np.flatnonzero(lo > hi)[0])
        raise NetworkError(f"edges[{i}].share: share_lo is above share_hi")
    out = {
        "src": src.astype(np.int32),
        "dst": dst.astype(np.int32),
        "kind": _codes(_col(edges, "kind", None), EDGE_KINDS, "edges.kind", m),
        "share_lo": lo,
        "share_hi": hi,
        "share_known": ~(lo_nan & hi_nan),
        "valid_from": _days(edges.get("valid_from"), OPEN_FROM, m, "edges.valid_from"),
        "valid_to": _days(edges.get("valid_to"), OPEN_TO, m, "edges.valid_to"),
        "indirect": np.asarray(edges.get("indirect", np.zeros(m, bool)), dtype=bool),
        "joint": np.asarray(edges.get("joint", np.zeros(m, bool)), dtype=bool),
        "source": np.asarray(edges.get("source", np.full(m, -1)), dtype=np.int32),
    }
    if np.any(out["valid_from"] > out["valid_to"]):
        i = int(np.flatnonzero(out["valid_from"] > out["valid_to"])[0])
        raise NetworkError(f"edges[{i}]: valid_from is after valid_to")
    if n_sources and np.any(out["source"] >= n_sources):
        raise NetworkError("edges.source: an index past the sources list")
    big = np.int64(n)
    order = _stable_order(out["kind"].astype(np.int64) * big + out["src"], len(EDGE_KINDS) * n)
    out = {k: v[order] for k, v in out.items()}
    rev = _stable_order(out["kind"].astype(np.int64) * big + out["dst"], len(EDGE_KINDS) * n)
    out["rev_order"] = rev
    out["rev_dst"] = out["dst"][rev]
    out["dup_edges"] = _duplicates((out["kind"].astype(np.int64) * big + out["src"]) * big + out["dst"])
    for arr in out.values():
        arr.setflags(write=False)
    return out


def _duplicates(key: npt.NDArray[np.int64]) -> npt.NDArray[np.int32]:
    """Edges stating a holding (kind, source, target) that another edge states too, in order."""
    ranked = np.sort(key)
    again = ranked[1:][ranked[1:] == ranked[:-1]]
    if not again.size:
        return np.zeros(0, dtype=np.int32)
    again = np.unique(again)
    pos = np.minimum(np.searchsorted(again, key), again.size - 1)
    return np.flatnonzero(again[pos] == key).astype(np.int32)


def _stable_order(key: npt.NDArray[np.int64], bound: int) -> npt.NDArray[np.int32]:
    """A stable argsort of non-negative keys below ``bound``: one plain sort of the keys with
    the position packed into the low bits when both fit in 63 bits (about twice as fast)."""
    m = key.shape[0]
    pos_bits = max(1, int(m - 1).bit_length())
    if int(bound).bit_length() + pos_bits <= 63:
        packed = np.sort((key << np.int64(pos_bits)) | np.arange(m, dtype=np.int64))
        order: npt.NDArray[np.int32] = (packed & np.int64((1 << pos_bits) - 1)).astype(np.int32)
    else:
        order = np.argsort(key, kind="stable").astype(np.int32)
    return order


def _days(values: Any, default: int, m: int, path: str) -> npt.NDArray[np.int32]:
    if values is None:
        return np.full(m, default, dtype=np.int32)
    arr = np.asarray(values)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int32)
    return np.fromiter((_day(v, default, f"{path}[{i}]") for i, v in enumerate(values)), dtype=np.int32, count=m)
