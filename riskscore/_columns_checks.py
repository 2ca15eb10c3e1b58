"""The checks of hand-built :class:`riskscore.Columns`: consistent arrays, valid numbers, shares.

:meth:`riskscore.Columns.problems` raises :func:`_inconsistent` errors for arrays that do not
fit together and returns the rows the validator would refuse (too many items, bad shares).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ._numbering import COUNTRIES, PRODUCTS
from .counterparty import MAX_ITEMS, SHARE_TOLERANCE
from .errors import CounterpartyError, FieldIssue

if TYPE_CHECKING:
    from ._numbering import F64, I64
    from ._ragged import Ragged


_NOT_NUMBERS = (
    "holds numbers that are not {} numbers of this process (make them with riskscore.columns."
    "country_numbers / product_numbers in the process that scores them; a pickled Columns renumbers itself)"
)


def _inconsistent(name: str, message: str) -> CounterpartyError:
    """The error for columns whose arrays are inconsistent (not a bad row): code ``invalid``, no index."""
    return CounterpartyError([FieldIssue(name, message, None, "invalid")])


def _ragged_problems(rag: Ragged, name: str, n: int) -> list[tuple[int, str, str]]:
    """Check one list field's arrays (raising) and return its bad rows (too many items, shares)."""
    limit = len(PRODUCTS.codes) if name == "products" else len(COUNTRIES.codes)
    offs = rag.offsets
    if len(offs) != n + 1 or len(rag.missing) != n or (n and int(offs[0]) != 0):
        raise _inconsistent(name, f"Columns.{name}: offsets must start at 0 and have n + 1 entries")
    lengths = np.diff(offs)
    if n and int(lengths.min()) < 0:
        raise _inconsistent(name, f"Columns.{name}: offsets must not decrease")
    values = rag.values
    if int(offs[-1]) != len(values):
        raise _inconsistent(name, f"Columns.{name}: the last offset is not the number of values")
    if len(values) and not 0 <= int(values.min()) <= int(values.max()) < limit:
        kind = "product" if name == "products" else "country"
        raise _inconsistent(name, f"Columns.{name}.values " + _NOT_NUMBERS.format(kind))
    out: list[tuple[int, str, str]] = []
    if n and int(lengths.max()) > MAX_ITEMS:
        out += [(i, name, f"more than {MAX_ITEMS} items") for i in np.flatnonzero(lengths > MAX_ITEMS).tolist()]
    if rag.missing.any() and (rag.missing & (lengths > 0)).any():
        raise _inconsistent(name, f"Columns.{name}: a row marked missing has items")
    if name in ("owners", "trade_partners"):
        out += _share_problems(rag, name)
    return out


def _share_problems(rag: Ragged, name: str) -> list[tuple[int, str, str]]:
    """Rows whose shares are not numbers in 0..1 or sum to more than 1 (as the validator says)."""
    sh = rag.shares
    if sh is None or len(sh) != len(rag.values):
        raise _inconsistent(name, f"Columns.{name}: one share per item is needed")
    if not len(sh):
        return []
    offs = rag.offsets
    if not shares_in_range(sh):
        bad = ~np.isfinite(sh) | (sh < 0.0) | (sh > 1.0)
        rows = np.unique(np.repeat(np.arange(len(offs) - 1), np.diff(offs))[bad])
        return [(i, name, "a share is not a number in 0..1") for i in rows.tolist()]
    return [(i, name, f"the shares sum to {total:.10g}, more than 1") for i, total in share_overruns(sh, offs)]


def shares_in_range(shares: F64) -> bool:
    """Every share is a number in 0..1 (a NaN fails too: it makes the minimum NaN)."""
    return not len(shares) or bool(shares.min() >= 0.0 and shares.max() <= 1.0)


def share_overruns(shares: F64, offsets: I64) -> list[tuple[int, float]]:
    """Rows whose shares (each in 0..1) sum to more than 1 + tolerance, with their exact sum.

    Each row is summed in float (``reduceat`` over the non-empty rows: an empty row's start
    would cut the sum of the row before it); its error, at most ``MAX_ITEMS`` ulps of a sum
    near 1, is far below the 1e-12 margin, so only rows above ``1 + tolerance - 1e-12`` are
    summed exactly (``math.fsum``, as the validator does) to decide.
    """
    if not len(shares):
        return []
    nonempty = offsets[1:] > offsets[:-1]
    sums = np.zeros(len(offsets) - 1)
    sums[nonempty] = np.add.reduceat(shares, offsets[:-1][nonempty])
    out = []
    for i in np.flatnonzero(sums > 1.0 + SHARE_TOLERANCE - 1e-12).tolist():
        total = math.fsum(shares[offsets[i] : offsets[i + 1]].tolist())
        if total > 1.0 + SHARE_TOLERANCE:
            out.append((i, total))
    return out
