"""A policy's network facts on one network and date: values per counterparty, with proofs.

The loader declares each fact of the policy's ``network:`` section as an attribute
(:func:`derived_attributes`); :class:`NetworkFacts` computes every fact for every node once
(one fixed point or one exposure pass per fact), then :meth:`NetworkFacts.inject` gives a
counterparty its facts as attributes, so ``score`` and ``score_many`` read them through the
one attribute path both evaluators share, and :meth:`NetworkFacts.annotate` adds each fact's
proof (the contributing edges, shares, dates, sources and owners' statuses) to the
contributions and overrides that read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from ._network.exposure import Exposure, damped_sum, hop_distance, look_through
from ._network.graph import Network
from ._network.ownership import Closure, Method, _share, _source, _when
from ._network.snapshot import Note, Snapshot
from ._network.spec import STATUSES, NetworkFact
from .errors import CounterpartyError, FieldIssue
from .lists import JurisdictionList, Status
from .policy_model import AttributeSpec, PolicyModel
from .result import Result

__all__ = ["NetworkFacts", "derived_attributes", "fact_readers"]

MAX_PROOF_LINES = 40


def derived_attributes(network: Mapping[str, NetworkFact]) -> dict[str, AttributeSpec]:
    """The attribute declaration of each network fact (an enum status or a number)."""
    out = {}
    for name, fact in network.items():
        kind: dict[str, Any] = {"type": "enum", "values": STATUSES} if fact.is_status else {"type": "number"}
        out[name] = AttributeSpec(
            **kind,
            required=fact.required,
            missing_points=fact.missing_points,
            description=fact.description or f"derived from the network ({fact.method})",
        )
    return out


def fact_readers(model: PolicyModel) -> dict[str, tuple[str, ...]]:
    """Per rule id and override id: the network facts its condition reads."""
    from . import conditions as cond

    names = set(model.network or ())
    out: dict[str, tuple[str, ...]] = {}
    for _, key, when in model.conditions():
        read = tuple(dict.fromkeys(n for _, n in cond.attribute_reads(when) if n in names))
        if read:
            out[key] = read
    return out


def _seeds(
    fact: NetworkFact, net: Network, as_of: date, lists: Mapping[str, JurisdictionList]
) -> tuple[npt.NDArray[np.bool_], list[str]]:
    mask = net.flagged(*fact.seeds.flags) if fact.seeds.flags else np.zeros(len(net), dtype=np.bool_)
    listed, unknown = set(), []
    for code in net.countries:
        for list_id in fact.seeds.lists:
            status = {m.status for m in lists[list_id].inherited(code, as_of)}
            if Status.LISTED in status:
                listed.add(code)
            elif Status.UNKNOWN in status:
                if fact.seeds.unknown_status == "seed":
                    listed.add(code)  # fail closed: a status the list cannot answer seeds
                unknown.append(f"{code} on {list_id}")
    if listed:
        mask = mask | net.in_countries(listed)
    return mask, unknown


class _Fact:
    """One fact computed for every node."""

    __slots__ = ("closure", "dist", "exposure", "name", "spec", "unknown", "values", "via")

    def __init__(self, name: str, spec: NetworkFact, snap: Snapshot, seeds: npt.NDArray[np.bool_], unknown: list[str]):
        self.name, self.spec, self.unknown = name, spec, unknown
        self.closure: Closure | None = None
        self.exposure: Exposure | None = None
        self.dist: npt.NDArray[np.int16] | None = None
        self.via: npt.NDArray[np.int32] | None = None
        upper = spec.unknown_share != "ignore"
        if spec.is_status:
            self.closure = Closure(snap, seeds, Method(spec.method, spec.threshold, spec.unknown_share))
        elif spec.method == "look_through":
            self.exposure = look_through(snap, seeds, spec.hops)
            self.values = self.exposure.upper if upper else self.exposure.value
        elif spec.method == "hop_distance":
            self.dist, self.via = hop_distance(snap, seeds, spec.edge_kinds, spec.hops, spec.min_share, upper)
            self.values = np.where(self.dist >= 0, self.dist, spec.hops + 1).astype(np.float64)
        else:
            self.exposure = damped_sum(snap, seeds.astype(np.float64), spec.edge_kinds, spec.alpha, spec.hops, upper)
            self.values = self.exposure.value

    def value(self, i: int) -> str | float:
        if self.closure is not None:
            return self.closure.status(i)
        return float(self.values[i])

    def proof(self, snap: Snapshot, i: int) -> list[str]:
        """The evidence for node ``i``'s value, as indented lines (capped; ``partial`` when cut)."""
        value = self.value(i)
        if self.closure is not None:
            proof = self.closure.proof(i)
            lo, hi = proof.aggregate
            held = f"{lo * 100:.4g} %" if lo == hi else f"{lo * 100:.4g}-{hi * 100:.4g} %"
            lines = [f"network: {self.name} = {value}: {proof.test}; held by listed or caught holders {held}"]
            lines += _stakes(proof, "  ")
            notes = [n for n in self.closure.notes if n.code in ("rule-not-in-force", "rule-unverified")]
        else:
            lines = [f"network: {self.name} = {_shown(value)}: {self._label()}", *self._path(snap, i)]
            notes = []
        notes += [n for n in snap.notes if set(n.edges) & set(self._edges(snap, i))]
        lines += [f"  note ({n.code}): {n.message}" for n in notes]
        if self.unknown and self.spec.seeds.unknown_status == "seed":
            how = "counted as seeds (fail closed)"
            shown = ", ".join(self.unknown[:5]) + (
                f" and {len(self.unknown) - 5} more" if len(self.unknown) > 5 else ""
            )
            lines.append(f"  list status unknown on the date, {how}: {shown}")
        if len(lines) > MAX_PROOF_LINES:
            lines = [*lines[: MAX_PROOF_LINES - 1], "  ... (proof cut at its size limit: partial)"]
        return lines

    def _label(self) -> str:
        if self.exposure is not None:
            return self.exposure.label
        return f"hops to the nearest seed over edges with share >= {self.spec.min_share * 100:g} %"

    def _edges(self, snap: Snapshot, i: int) -> list[int]:
        if self.exposure is not None:
            return self.exposure.path(snap, i, forward=self.spec.method == "damped_sum")
        if self.dist is None or self.via is None:
            return []
        e, out, node = snap.net.edges, [], i
        for _ in range(max(int(self.dist[i]), 0)):
            edge = int(self.via[node])
            if edge < 0:
                break
            out.append(edge)
            node = int(e["src"][edge])
        return out

    def _path(self, snap: Snapshot, i: int) -> list[str]:
        e, net = snap.net.edges, snap.net
        edges = self._edges(snap, i)
        if not edges:
            return ["  no path to a seed within reach"]
        head = "  the strongest path:" if self.exposure is not None else "  the path:"
        out = []
        for edge in edges:
            kind = net_kind(int(e["kind"][edge]))
            src = _source(snap, edge)
            out.append(
                f"  {net.label(int(e['src'][edge]))} -> {net.label(int(e['dst'][edge]))}: {kind} "
                f"{_share(e, edge)}, {_when(e['valid_from'][edge], e['valid_to'][edge])}"
                + (f", source {src}" if src else "")
            )
        return [head, *out]


def _stakes(proof: Any, indent: str) -> list[str]:
    out = []
    for st in proof.stakes:
        src = f", source {st.source}" if st.source else ""
        out.append(f"{indent}<- {st.share} held by {st.holder} [{st.holder_status}], {st.valid}{src}")
        if st.holder_proof is not None:
            out += _stakes(st.holder_proof, indent + "  ")
    if proof.partial:
        out.append(f"{indent}... (proof cut at its depth or size limit: partial)")
    return out


def net_kind(k: int) -> str:
    """An edge kind's name."""
    from ._network.graph import EDGE_KINDS

    return EDGE_KINDS[k]


def _shown(value: str | float) -> str:
    return value if isinstance(value, str) else f"{value:.6g}"


class NetworkFacts:
    """Every network fact of a policy for every node of one network on one date."""

    __slots__ = ("as_of", "facts", "net", "notes", "snap")

    def __init__(
        self, specs: Mapping[str, NetworkFact], net: Network, as_of: date, lists: Mapping[str, JurisdictionList]
    ) -> None:
        self.net, self.as_of = net, as_of
        self.snap = net.at(as_of)
        self.facts = {
            name: _Fact(name, spec, self.snap, *_seeds(spec, net, as_of, lists)) for name, spec in specs.items()
        }
        self.notes: tuple[Note, ...] = tuple(self.snap.notes)

    def node(self, cp_id: str, index: int | None = None) -> int:
        """The node number of a counterparty id; refuses an id that is not a node."""
        try:
            return self.net.number(cp_id)
        except Exception:
            raise CounterpartyError(
                [FieldIssue("id", f"{cp_id!r} is not a node of the network: its network facts cannot be derived")],
                index=index,
            ) from None

    def inject(self, record: Mapping[str, Any], index: int | None = None) -> dict[str, Any]:
        """The record with its network facts as attributes (a counterparty giving one is refused)."""
        node = self.node(str(record.get("id")), index)
        given = dict(record.get("attributes") or {})
        clash = sorted(set(given) & set(self.facts))
        if clash:
            raise CounterpartyError(
                [FieldIssue(f"attributes.{clash[0]}", "derived from the network; do not give it as well")], index=index
            )
        given.update({name: fact.value(node) for name, fact in self.facts.items()})
        out = {**record, "attributes": given}
        for field, kinds in (("owners", ("ownership",)), ("trade_partners", ("supplier", "customer"))):
            items = record.get(field)
            if isinstance(items, list) and any(isinstance(x, Mapping) and "entity" in x for x in items):
                out[field] = [self._resolve(field, k, x, node, kinds, index) for k, x in enumerate(items)]
        return out

    def _resolve(self, field: str, k: int, item: Any, node: int, kinds: tuple[str, ...], index: int | None) -> Any:
        """An owner or partner named by entity id, with its country (and name, and share when an
        exact edge states it) from the network; refused when the network cannot answer."""
        if not isinstance(item, Mapping) or "entity" not in item:
            return item
        where = f"{field}[{k}].entity"

        def refuse(message: str) -> CounterpartyError:
            return CounterpartyError([FieldIssue(where, message)], index=index)

        entity = item["entity"]
        try:
            other = self.net.number(str(entity))
        except Exception:
            raise refuse(f"{entity!r} is not a node of the network") from None
        country = self.net.country(other)
        if item.get("country") is None and country is None:
            raise refuse(f"{entity!r} has no country in the network; give `country` too")
        out = {k2: v for k2, v in item.items() if k2 != "entity"}
        out.setdefault("country", country)
        if field == "owners" and out.get("name") is None:
            names = self.net.names
            out["name"] = (names[other] if names is not None else None) or self.net.node_id(other)
        if out.get("share") is None:
            out["share"] = self._edge_share(other, node, kinds, where, index)
        return out

    def _edge_share(self, other: int, node: int, kinds: tuple[str, ...], where: str, index: int | None) -> float:
        e = self.snap.net.edges
        owned = kinds == ("ownership",)  # an owner's edge enters the counterparty; a partner's leaves it
        for kind in kinds:
            for edge in self.snap.gather(kind, np.array([node], dtype=np.int32), reverse=owned):
                if int(e["src" if owned else "dst"][edge]) == other:
                    if bool(e["share_known"][edge]) and e["share_lo"][edge] == e["share_hi"][edge]:
                        return float(e["share_lo"][edge]) / 1_000_000
                    raise CounterpartyError(
                        [FieldIssue(where.replace(".entity", ".share"), "the network states no exact share; give it")],
                        index=index,
                    )
        raise CounterpartyError(
            [FieldIssue(where.replace(".entity", ".share"), "no share given and no edge of the network states one")],
            index=index,
        )

    def proof(self, name: str, cp_id: str) -> list[str]:
        """The proof lines of one fact for one counterparty."""
        return self.facts[name].proof(self.snap, self.node(cp_id))

    def annotate(self, result: Result, readers: Mapping[str, tuple[str, ...]], cp_id: str) -> Result:
        """``result`` with the proof of each network fact added to the facts of every
        contribution and override whose condition read it."""
        if not readers:
            return result
        node = self.node(cp_id)
        memo: dict[str, list[str]] = {}

        def lines(names: tuple[str, ...]) -> list[str]:
            out = []
            for name in names:
                if name not in memo:
                    memo[name] = self.facts[name].proof(self.snap, node)
                out += memo[name]
            return out

        contributions = [
            c.model_copy(update={"facts": [*c.facts, *lines(readers[c.rule_id])]}) if c.rule_id in readers else c
            for c in result.contributions
        ]
        overrides = [
            o.model_copy(update={"facts": [*o.facts, *lines(readers[o.override_id])]})
            if o.override_id in readers
            else o
            for o in result.overrides
        ]
        return result.model_copy(update={"contributions": contributions, "overrides": overrides})
