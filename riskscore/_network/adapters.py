"""Input adapters, no dependency beyond the standard library: FollowTheMoney JSON lines,
BODS 0.4 statements, GLEIF Level 2 relationship records. Each returns a
:class:`~.graph.Network` and the notes of what it could not take as given (never a silent fix).

- FtM: Company, Organization, LegalEntity, Person, PublicBody are entities (``country`` /
  ``jurisdiction`` / ``mainCountry``, ``topics`` as flags); Ownership (``owner`` -> ``asset``,
  free-text ``percentage``, ``ownershipType: indirect`` as declared indirect), Control,
  Directorship, Payment and EconomicActivity (trade: payer/sender -> beneficiary/receiver) are
  edges; every other schema is skipped and counted (Intervals are not edges).
- BODS 0.4: entity and person records are nodes (an ``arrangement`` entity makes its holders'
  stakes joint); each interest of a relationship is an edge (``shareholding`` and
  ``votingRights`` ownership, ``appointmentOfBoard`` / ``otherInfluenceOrControl`` control),
  ``share.exact`` or ``minimum``/``maximum``, ``directOrIndirect: indirect`` declared indirect.
- GLEIF: ``IS_DIRECTLY_CONSOLIDATED_BY`` (start = child, end = parent) becomes a
  ``consolidation`` edge parent -> child with no share (the policy decides what accounting
  consolidation means); ``IS_ULTIMATELY_CONSOLIDATED_BY`` records are kept as declared indirect.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from .errors import NetworkError
from .graph import Network
from .shares import UNKNOWN, Share, parse_percentage, share_from_bounds

__all__ = ["read_bods", "read_ftm", "read_gleif"]

_FTM_NODES = {
    "Company": "company",
    "Organization": "organization",
    "LegalEntity": "unknown",
    "Person": "person",
    "PublicBody": "organization",
}
_FTM_EDGES = {
    "Ownership": ("owner", "asset", "ownership"),
    "Control": ("controller", "controlled", "control"),
    "Directorship": ("director", "organization", "directorship"),
    "Payment": ("payer", "beneficiary", "payment"),
    "EconomicActivity": ("sender", "receiver", "customer"),
}


class _Builder:
    def __init__(self) -> None:
        self.nodes: dict[str, dict[str, Any]] = {}
        self.edges: list[dict[str, Any]] = []
        self.sources: list[str] = []
        self.notes: list[str] = []

    def node(self, nid: str, **attrs: Any) -> None:
        self.nodes.setdefault(nid, {"kind": "unknown", "country": None, "name": None, "flags": set()})
        for k, v in attrs.items():
            if k == "flags":
                self.nodes[nid]["flags"] |= set(v)
            elif v is not None:
                self.nodes[nid][k] = v

    def edge(
        self,
        src: str,
        dst: str,
        kind: str,
        share: Share,
        source: str,
        *,
        start: date | None = None,
        end: date | None = None,
        indirect: bool = False,
        joint: bool = False,
    ) -> None:
        for end_id in (src, dst):
            if end_id not in self.nodes:
                self.notes.append(f"{source}: names {end_id!r}, which has no entity record (kept as unknown)")
                self.node(end_id)
        self.sources.append(source)
        self.edges.append(
            {
                "src": src,
                "dst": dst,
                "kind": kind,
                "share": share,
                "valid_from": start,
                "valid_to": end,
                "indirect": indirect,
                "joint": joint,
                "source": len(self.sources) - 1,
            }
        )

    def build(self) -> tuple[Network, list[str]]:
        ids = list(self.nodes)
        cols = {
            "id": ids,
            **{k: [self.nodes[i][k] for i in ids] for k in ("kind", "country", "name")},
            "flags": [sorted(self.nodes[i]["flags"]) for i in ids],
        }
        e = self.edges
        table = {
            "src": [x["src"] for x in e],
            "dst": [x["dst"] for x in e],
            "kind": [x["kind"] for x in e],
            "share_lo": [x["share"].lo if x["share"].known else float("nan") for x in e],
            "share_hi": [x["share"].hi if x["share"].known else float("nan") for x in e],
            **{k: [x[k] for x in e] for k in ("valid_from", "valid_to", "indirect", "joint", "source")},
        }
        return Network.from_tables(cols, table, self.sources), self.notes


def _date(text: Any, where: str, end: bool = False) -> date | None:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (a start takes the first day, an end the last)."""
    if not text:
        return None
    s = str(text)[:10]
    try:
        if len(s) == 4:
            return date(int(s), 12, 31) if end else date(int(s), 1, 1)
        if len(s) == 7:
            y, m = int(s[:4]), int(s[5:7])
            return (
                date(y + (m == 12), m % 12 + 1, 1).fromordinal(date(y + (m == 12), m % 12 + 1, 1).toordinal() - 1)
                if end
                else date(y, m, 1)
            )
        return date.fromisoformat(s)
    except ValueError:
        raise NetworkError(f"{where}: {text!r} is not a date") from None


def read_ftm(lines: Iterable[str | bytes | Mapping[str, Any]]) -> tuple[Network, list[str]]:
    """A network from FollowTheMoney entities (JSON lines or parsed dicts)."""
    b = _Builder()
    links = []
    skipped: dict[str, int] = {}
    for no, line in enumerate(lines, 1):
        rec = line if isinstance(line, Mapping) else json.loads(line) if str(line).strip() else None
        if rec is None:
            continue
        schema, props, rid = rec.get("schema"), rec.get("properties", {}), rec.get("id")
        if not isinstance(rid, str) or not isinstance(props, Mapping):
            raise NetworkError(f"line {no}: an FtM entity needs an 'id' and 'properties'")
        if schema in _FTM_NODES:
            country = next(
                iter(props.get("jurisdiction") or props.get("country") or props.get("mainCountry") or []), None
            )
            b.node(
                rid,
                kind=_FTM_NODES[schema],
                country=country.upper() if country else None,
                name=(props.get("name") or [rec.get("caption")])[0],
                flags=props.get("topics", []),
            )
        elif schema in _FTM_EDGES:
            links.append((no, rid, schema, props))
        else:
            skipped[str(schema)] = skipped.get(str(schema), 0) + 1
    for no, rid, schema, props in links:
        a, z, kind = _FTM_EDGES[schema]
        for src in props.get(a, []):
            for dst in props.get(z, []):
                pct = (props.get("percentage") or [None])[0] if kind == "ownership" else None
                try:
                    share = parse_percentage(pct) if kind == "ownership" else UNKNOWN
                except ValueError as exc:
                    raise NetworkError(f"line {no} ({rid}).percentage: {exc}") from None
                kind_ = "ownership" if kind == "ownership" else kind
                b.edge(
                    src,
                    dst,
                    kind_,
                    share,
                    f"FtM {rid}",
                    start=_date((props.get("startDate") or [None])[0], rid),
                    end=_date((props.get("endDate") or [None])[0], rid, end=True),
                    indirect="indirect" in [t.lower() for t in props.get("ownershipType", [])],
                )
    for schema, count in sorted(skipped.items()):
        b.notes.append(f"{count} FtM entities of schema {schema} are not read (not an entity or edge schema)")
    return b.build()


def read_bods(statements: Iterable[Mapping[str, Any]]) -> tuple[Network, list[str]]:
    """A network from BODS 0.4 statements (a parsed JSON array)."""
    b = _Builder()
    rels = []
    arrangements = set()
    for st in statements:
        rid, kind, det = str(st.get("recordId")), st.get("recordType"), st.get("recordDetails", {})
        if kind == "entity":
            et = (det.get("entityType") or {}).get("type")
            if et == "arrangement":
                arrangements.add(rid)
            b.node(
                rid,
                kind="arrangement" if et == "arrangement" else "company",
                name=det.get("name"),
                country=(det.get("jurisdiction") or {}).get("code"),
            )
        elif kind == "person":
            names = det.get("names") or [{}]
            b.node(
                rid,
                kind="person",
                name=names[0].get("fullName"),
                flags=["role.pep"] if (det.get("politicalExposure") or {}).get("status") == "isPep" else [],
            )
        elif kind == "relationship":
            rels.append((str(st.get("statementId")), det))
    for sid, det in rels:
        src, dst = det.get("interestedParty"), det.get("subject")
        if not isinstance(src, str):
            b.notes.append(f"BODS {sid}: interested party not identified ({src!r}); relationship not read")
            continue
        for k, it in enumerate(det.get("interests") or [{}]):
            typ = it.get("type")
            edge_kind = (
                "control"
                if typ in ("appointmentOfBoard", "otherInfluenceOrControl", "seniorManagingOfficial")
                else "ownership"
            )
            sh = it.get("share") or {}
            share = (
                share_from_bounds(sh.get("exact"), sh.get("minimum"), sh.get("maximum"))
                if edge_kind == "ownership"
                else UNKNOWN
            )
            b.edge(
                src,
                dst,
                edge_kind,
                share,
                f"BODS {sid} interest {k}",
                start=_date(it.get("startDate"), sid),
                end=_date(it.get("endDate"), sid, end=True),
                indirect=it.get("directOrIndirect") == "indirect",
                joint=dst in arrangements,
            )
    return b.build()


def read_gleif(responses: Iterable[Mapping[str, Any]]) -> tuple[Network, list[str]]:
    """A network from GLEIF API v1 relationship-record responses (parsed JSON documents)."""
    b = _Builder()
    seen = set()
    for doc in responses:
        data = doc.get("data")
        for rec in data if isinstance(data, list) else [data] if data else []:
            if rec.get("type") != "relationship-records" or rec.get("id") in seen:
                continue
            seen.add(rec.get("id"))
            rel = rec["attributes"]["relationship"]
            child, parent = rel["startNode"]["id"], rel["endNode"]["id"]
            b.node(child, kind="company")
            b.node(parent, kind="company")
            period: dict[str, Any] = next(
                (p for p in rel.get("periods", []) if p.get("type") == "RELATIONSHIP_PERIOD"), {}
            )
            b.edge(
                parent,
                child,
                "consolidation",
                UNKNOWN,
                f"GLEIF {rec['id'].split('|')[0]} {rel['type']}",
                start=_date(period.get("startDate"), rec["id"]),
                end=_date(period.get("endDate"), rec["id"], end=True),
                indirect=rel["type"] == "IS_ULTIMATELY_CONSOLIDATED_BY",
            )
    return b.build()
