"""The example portfolio as a DataFrame with NaNs and refused rows, for the Dask and Spark tests."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

AS_OF = "2026-07-01"
PORTFOLIO = Path(__file__).resolve().parent.parent / "examples" / "portfolio.jsonl"
NAN = math.nan

# row -> changes: missing data as NaN (scored as missing), and rows riskscore refuses
EDITS: dict[int, dict[str, Any]] = {
    3: {"incorporation": NAN},  # missing incorporation: missing data, not low risk
    8: {"operations": NAN, "products": NAN},
    21: {"owners": NAN, "trade_partners": NAN},
    40: {"pep": NAN},  # refused: an unknown flag is never taken as false
    77: {"incorporation": "XX"},  # refused: not a country
    90: {"owners": [{"country": "DE", "share": 1.7}]},  # refused: a share over 1
    150: {"sanctions_hit": None},  # refused
    299: {"id": None},  # refused: no id
}


def records() -> list[dict[str, Any]]:
    """The 300 counterparties of ``examples/portfolio.jsonl`` with :data:`EDITS` applied."""
    rows = [json.loads(line) for line in PORTFOLIO.read_text(encoding="utf-8").splitlines()]
    for i, change in EDITS.items():
        rows[i].update(change)
    return rows


def without_nan(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` without its NaN fields (what ``Policy.score`` takes for missing data)."""
    return {k: v for k, v in record.items() if not (isinstance(v, float) and math.isnan(v))}


def frame() -> Any:
    """:func:`records` as a pandas DataFrame (object columns of lists; NaN where missing)."""
    import pandas as pd

    return pd.DataFrame(records())


def table() -> Any:
    """:func:`frame` as a pyarrow Table (lists as Arrow lists, NaN and None as nulls)."""
    import pyarrow as pa

    return pa.Table.from_pandas(frame(), preserve_index=False)
