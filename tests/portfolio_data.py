"""A deterministic synthetic portfolio for the concurrency, determinism and pickling tests."""

from __future__ import annotations

import random
from typing import Any

COUNTRIES = ["DE", "FR", "PL", "TR", "AE", "HK", "CN", "KZ", "AM", "RU", "BY", "IR", "KP", "SY", "UA-43", "MM", "VE"]
PRODUCTS = ["847989", "854231", "854239", "851762", "8471", "85", "88", "030211", "85423190"]
AS_OF = "2026-07-01"


def _shared(rng: random.Random, most: float) -> list[dict[str, Any]]:
    count = rng.randint(0, 4)
    weights = [rng.random() + 0.01 for _ in range(count)]
    scale = most * rng.random() / (sum(weights) or 1.0)
    return [{"country": rng.choice(COUNTRIES), "share": round(w * scale, 4)} for w in weights]


def portfolio(size: int = 300, seed: int = 20261123) -> list[dict[str, Any]]:
    """``size`` valid counterparties, the same for a given seed in every process."""
    rng = random.Random(seed)
    out = []
    for i in range(size):
        record: dict[str, Any] = {"id": f"cp-{i:04d}", "incorporation": rng.choice(COUNTRIES)}
        if rng.random() < 0.9:
            record["operations"] = rng.sample(COUNTRIES, rng.randint(0, 3))
        if rng.random() < 0.9:
            record["owners"] = _shared(rng, 1.0)
        if rng.random() < 0.9:
            record["trade_partners"] = _shared(rng, 1.0)
        if rng.random() < 0.8:
            record["products"] = rng.sample(PRODUCTS, rng.randint(0, 3))
        record["pep"] = rng.random() < 0.1
        record["sanctions_hit"] = rng.random() < 0.03
        out.append(record)
    return out
