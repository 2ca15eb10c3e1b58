"""The :class:`Columns` class: many counterparties as numpy arrays (re-exported by
:mod:`riskscore.columns`, where the layout is described), with its pickling by codes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import chain
from typing import Any

import numpy as np

from ._columns_checks import _NOT_NUMBERS, _inconsistent, _ragged_problems
from ._numbering import COUNTRIES, I32, I64, MISSING, PRODUCTS, B, Obj, _code_table, _renumber
from ._ragged import Ragged
from .counterparty import Counterparty, Owner, TradePartner


@dataclass(frozen=True)
class Columns:
    """Many counterparties as numpy arrays (see the module docstring for the layout)."""

    ids: list[str]
    incorporation: I32
    operations: Ragged
    owners: Ragged
    trade_partners: Ragged
    products: Ragged
    pep: B
    sanctions_hit: B
    owner_names: list[str | None] | None = field(default=None, compare=False)
    attributes: dict[str, Obj] = field(default_factory=dict, compare=False)

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_records(cls, records: Iterable[Counterparty | Mapping[str, Any]]) -> Columns:
        """Validate records (as :meth:`riskscore.Policy.score` does) and build columns.

        Raises :class:`~riskscore.CounterpartyError` for the first bad record (use
        :meth:`riskscore.Policy.score_many` with ``errors="collect"`` to keep going).
        """
        from ._build import build_columns  # here, not at the top: _build makes Columns

        cols, errors, _ = build_columns(list(records))
        if errors:
            raise errors[0]
        return cols

    @classmethod
    def from_pandas(cls, frame: Any) -> Columns:
        """From a pandas DataFrame, read as :meth:`riskscore.Policy.score_many` reads it (docs/batch.md):
        nulls (NaN, None, pd.NA) as missing, lists of ``{"country", "share"}`` mappings for owners."""
        from ._intake import columns_of

        return columns_of(frame)

    @classmethod
    def from_arrow(cls, table: Any) -> Columns:
        """From a pyarrow Table or RecordBatch (lists of structs for owners and partners), read from its buffers."""
        from ._intake import columns_of

        return columns_of(table)

    def problems(self) -> list[tuple[int, str, str]]:
        """Rows that :meth:`riskscore.Policy.score` would refuse: ``(row, field path, message)``.

        Raises :class:`~riskscore.CounterpartyError` (code ``invalid``, no row index) when the
        arrays themselves are inconsistent (lengths, offsets, numbers that no country or product
        has in this process).
        """
        n = len(self.ids)  # ids are the caller's labels: not checked (no per-row work here)
        for name in ("incorporation", "pep", "sanctions_hit"):
            if len(getattr(self, name)) != n:
                raise _inconsistent(name, f"Columns.{name} has {len(getattr(self, name))} rows, not {n}")
        for key, column in self.attributes.items():
            if len(column) != n:
                raise _inconsistent("attributes", f"Columns.attributes[{key[:60]!r}] has {len(column)} rows, not {n}")
        inc = self.incorporation
        if n and (int(inc.min()) < MISSING or int(inc.max()) >= len(COUNTRIES.codes)):
            raise _inconsistent("incorporation", "Columns.incorporation " + _NOT_NUMBERS.format("country"))
        out: list[tuple[int, str, str]] = []
        for name in ("operations", "owners", "trade_partners", "products"):
            out += _ragged_problems(getattr(self, name), name, n)
        return sorted(out)

    def __getstate__(self) -> dict[str, Any]:
        """Pickle by codes: country and product numbers are this process's, so the state holds
        the codes of the numbers used and, in place of each number, its index in that table."""
        state = dict(self.__dict__)
        countries = [self.incorporation, self.operations.values, self.owners.values, self.trade_partners.values]
        country_table, local = _code_table(countries, COUNTRIES)
        state["incorporation"] = local[0]
        for name, values in zip(("operations", "owners", "trade_partners"), local[1:], strict=True):
            state[name] = replace(state[name], values=values)
        product_table, (products,) = _code_table([self.products.values], PRODUCTS)
        state["products"] = replace(self.products, values=products)
        state[_TABLES] = (country_table, product_table)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Renumber the codes of :meth:`__getstate__` into this process's registries."""
        state = dict(state)
        tables = state.pop(_TABLES, None)
        if tables is not None:  # a pickle by numbers (made before codes were stored) is taken as is
            countries = _renumber(tables[0], COUNTRIES)
            state["incorporation"] = countries[state["incorporation"]]
            for name in ("operations", "owners", "trade_partners"):
                state[name] = replace(state[name], values=countries[state[name].values])
            state["products"] = replace(
                state["products"], values=_renumber(tables[1], PRODUCTS)[state["products"].values]
            )
        self.__dict__.update(state)

    def take(self, index: I64) -> Columns:
        """The rows at ``index``, in that order."""
        ids = [self.ids[i] for i in index.tolist()]
        names = None
        if self.owner_names is not None:
            offs = self.owners.offsets.tolist()
            names = [n for i in index.tolist() for n in self.owner_names[offs[i] : offs[i + 1]]]
        return Columns(
            ids,
            self.incorporation[index],
            self.operations.take(index),
            self.owners.take(index),
            self.trade_partners.take(index),
            self.products.take(index),
            self.pep[index],
            self.sanctions_hit[index],
            names,
            {k: v[index] for k, v in self.attributes.items()},
        )

    @staticmethod
    def concat(parts: Sequence[Columns]) -> Columns:
        """Rows of ``parts`` one after the other."""
        if len(parts) == 1:
            return parts[0]
        names: list[str | None] | None = None
        if any(p.owner_names is not None for p in parts):
            names = []
            for p in parts:
                names.extend(p.owner_names if p.owner_names is not None else [None] * len(p.owners.values))
        return Columns(
            list(chain.from_iterable(p.ids for p in parts)),
            np.concatenate([p.incorporation for p in parts]),
            Ragged.concat([p.operations for p in parts]),
            Ragged.concat([p.owners for p in parts]),
            Ragged.concat([p.trade_partners for p in parts]),
            Ragged.concat([p.products for p in parts]),
            np.concatenate([p.pep for p in parts]),
            np.concatenate([p.sanctions_hit for p in parts]),
            names,
            _concat_attributes(parts),
        )

    def counterparty(self, i: int) -> Counterparty:
        """Row ``i`` as a :class:`~riskscore.Counterparty` (for explanations)."""
        codes = COUNTRIES.codes

        def items(r: Ragged) -> list[int] | None:
            return None if r.missing[i] else r.values[r.offsets[i] : r.offsets[i + 1]].tolist()

        def shares(r: Ragged) -> list[float]:
            assert r.shares is not None
            out: list[float] = r.shares[r.offsets[i] : r.offsets[i + 1]].tolist()
            return out

        ops, own, par, prod = (
            items(self.operations),
            items(self.owners),
            items(self.trade_partners),
            items(self.products),
        )
        names = self.owner_names
        start = int(self.owners.offsets[i])
        inc = int(self.incorporation[i])
        return Counterparty.model_construct(
            id=self.ids[i],
            incorporation=codes[inc] if inc >= 0 else None,
            operations=None if ops is None else [codes[c] for c in ops],
            owners=None
            if own is None
            else [
                Owner.model_construct(country=codes[c], share=s, name=names[start + k] if names else None)
                for k, (c, s) in enumerate(zip(own, shares(self.owners), strict=True))
            ],
            trade_partners=None
            if par is None
            else [
                TradePartner.model_construct(country=codes[c], share=s)
                for c, s in zip(par, shares(self.trade_partners), strict=True)
            ],
            products=None if prod is None else [PRODUCTS.codes[c] for c in prod],
            pep=bool(self.pep[i]),
            sanctions_hit=bool(self.sanctions_hit[i]),
            attributes={k: v[i] for k, v in self.attributes.items() if v[i] is not None},
        )


_TABLES = "_codes"


def _concat_attributes(parts: Sequence[Columns]) -> dict[str, Obj]:
    out: dict[str, Obj] = {}
    for key in dict.fromkeys(k for p in parts for k in p.attributes):
        out[key] = np.concatenate([p.attributes.get(key, _nones(len(p))) for p in parts])
    return out


def _nones(n: int) -> Obj:
    return np.full(n, None, dtype=object)
