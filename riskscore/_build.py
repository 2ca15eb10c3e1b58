"""Records to :class:`riskscore.Columns`: validated counterparties, and chunks of records that
take the fast path of :mod:`riskscore._fastcols` or, where it refuses, the validator."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from itertools import chain
from operator import attrgetter
from typing import Any

import numpy as np

from ._columnar import Columns, _nones
from ._fastcols import _fast_dicts, _Slow
from ._numbering import COUNTRIES, I64, PRODUCTS, Obj
from ._ragged import Ragged
from .counterparty import Counterparty, parse_counterparty
from .errors import CounterpartyError


def _attribute_columns(cps: Sequence[Counterparty], keep: Collection[str] | None) -> dict[str, Obj]:
    """Attribute columns of validated counterparties: the names in ``keep`` (None: every name given)."""
    names = keep if keep is not None else dict.fromkeys(k for cp in cps for k in cp.attributes)
    out: dict[str, Obj] = {}
    for key in names:
        column = _nones(len(cps))
        column[:] = [cp.attributes.get(key) for cp in cps]
        if keep is None or any(v is not None for v in column.tolist()):
            out[key] = column
    return out


def _from_models(cps: list[Counterparty], keep: Collection[str] | None = None) -> Columns:
    """Columns from validated counterparties (no checks needed); ``keep``: attribute names to keep."""
    n = len(cps)
    g = attrgetter

    def ragged(key: str, with_shares: bool) -> Ragged:
        lists = list(map(g(key), cps))
        if not with_shares:
            return Ragged.build(lists, COUNTRIES if key != "products" else PRODUCTS)
        flat = list(chain.from_iterable(x or () for x in lists))
        rag = Ragged.build([None if x is None else list(map(g("country"), x)) for x in lists], COUNTRIES)
        return Ragged(rag.values, rag.offsets, rag.missing, np.array(list(map(g("share"), flat)), np.float64))

    owners = ragged("owners", True)
    flat_owners = list(chain.from_iterable(c.owners or () for c in cps))
    names = [o.name for o in flat_owners] if any(o.name for o in flat_owners) else None
    return Columns(
        list(map(g("id"), cps)),
        np.fromiter(map(COUNTRIES.__getitem__, map(g("incorporation"), cps)), np.int32, n),
        ragged("operations", False),
        owners,
        ragged("trade_partners", True),
        ragged("products", False),
        np.fromiter(map(g("pep"), cps), np.bool_, n),
        np.fromiter(map(g("sanctions_hit"), cps), np.bool_, n),
        names,
        _attribute_columns(cps, keep),
    )


def _slow(recs: Sequence[Any], start: int, errors: list[CounterpartyError]) -> list[Counterparty]:
    good: list[Counterparty] = []
    for k, rec in enumerate(recs):
        try:
            good.append(parse_counterparty(rec, start + k))
        except CounterpartyError as exc:
            exc.index = start + k
            errors.append(exc)
            good.append(None)  # type: ignore[arg-type]
    return good


CHUNK = 8192


def build_columns(
    records: Sequence[Any], attributes: Collection[str] | None = None
) -> tuple[Columns, list[CounterpartyError], I64]:
    """Validate and convert records to columns, keeping the custom ``attributes`` named (None: all).

    Returns the columns of the valid records, the errors of the others (``index`` set), and
    for each column row the index of its record.
    """
    parts: list[Columns] = []
    rows: list[I64] = []
    errors: list[CounterpartyError] = []

    def run(lo: int, hi: int) -> None:
        chunk = records[lo:hi]
        types = set(map(type, chunk))
        if types == {dict}:
            try:
                parts.append(_fast_dicts(chunk, attributes))  # type: ignore[arg-type]
                rows.append(np.arange(lo, hi, dtype=np.int64))
                return
            except _Slow:
                pass
        elif types == {Counterparty}:
            parts.append(_from_models(chunk, attributes))  # type: ignore[arg-type]
            rows.append(np.arange(lo, hi, dtype=np.int64))
            return
        if hi - lo > 16:
            mid = (lo + hi) // 2
            run(lo, mid)
            run(mid, hi)
            return
        parsed = _slow(chunk, lo, errors)
        keep = [k for k, cp in enumerate(parsed) if cp is not None]
        if keep:
            parts.append(_from_models([parsed[k] for k in keep], attributes))
            rows.append(np.array(keep, np.int64) + lo)

    for lo in range(0, len(records), CHUNK):
        run(lo, min(lo + CHUNK, len(records)))
    if not parts:
        empty = Ragged(np.zeros(0, np.int32), np.zeros(1, np.int64), np.zeros(0, np.bool_))
        shares = Ragged(empty.values, empty.offsets, empty.missing, np.zeros(0))
        none = np.zeros(0, np.bool_)
        return (
            Columns([], np.zeros(0, np.int32), empty, shares, shares, empty, none, none),
            errors,
            np.zeros(0, np.int64),
        )
    return Columns.concat(parts), errors, np.concatenate(rows)
