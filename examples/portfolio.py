"""Generate examples/portfolio.jsonl: a seeded, synthetic portfolio for `riskscore diff`.

    python examples/portfolio.py [N] > examples/portfolio.jsonl

The counterparties are invented. Most are ordinary European and North American companies;
some trade with or are incorporated in circumvention hubs, grey-listed or embargoed
countries, deal in Common High Priority List goods, involve a PEP, or leave fields out.
The same seed always gives the same file.
"""

from __future__ import annotations

import json
import random
import sys

SEED = 20261123
LOW = ["DE", "FR", "NL", "AT", "BE", "IT", "ES", "SE", "PL", "GB", "US", "CA", "CH", "JP"]
HUBS = ["TR", "AE", "KZ", "AM", "GE", "CN", "HK", "IN", "RS", "UZ", "KG"]
GREY = ["VN", "NG", "ZA", "KE", "BG", "MC", "LB", "VE", "DZ", "CM", "HT"]
SEVERE = ["RU", "BY", "IR", "KP", "CU", "SY", "MM", "UA-43"]
CHPL = ["854231", "854232", "852691", "853224", "848210", "847150", "880730", "901380"]
OTHER_GOODS = ["847989", "940360", "610910", "220421", "870323", "300490", "392690"]


def _country(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.62:
        return rng.choice(LOW)
    if roll < 0.80:
        return rng.choice(HUBS)
    if roll < 0.95:
        return rng.choice(GREY)
    return rng.choice(SEVERE)


def _shares(rng: random.Random, n: int, total: float) -> list[float]:
    """``n`` shares in whole percent summing to ``total`` (rounded down to a percent)."""
    whole = int(total * 100)
    cuts = sorted(rng.sample(range(1, whole), n - 1)) if n > 1 else []
    return [(b - a) / 100 for a, b in zip([0, *cuts], [*cuts, whole], strict=True)]


def counterparty(rng: random.Random, i: int) -> dict[str, object]:
    """One synthetic counterparty."""
    home = _country(rng)
    cp: dict[str, object] = {"id": f"cp-{i:04d}", "incorporation": home}
    cp["operations"] = sorted({home, *(_country(rng) for _ in range(rng.randint(0, 2)))})
    n_owners = rng.randint(1, 3)
    cp["owners"] = [
        {"country": home if k == 0 else _country(rng), "share": s} for k, s in enumerate(_shares(rng, n_owners, 1.0))
    ]
    n_partners = rng.randint(1, 4)
    cp["trade_partners"] = [
        {"country": _country(rng), "share": s} for s in _shares(rng, n_partners, rng.uniform(0.3, 0.95))
    ]
    goods = rng.sample(OTHER_GOODS, rng.randint(0, 2))
    if rng.random() < 0.25:
        goods.append(rng.choice(CHPL))
    cp["products"] = goods
    for key in ("owners", "trade_partners", "products"):
        if rng.random() < 0.04:
            del cp[key]
    cp["pep"] = rng.random() < 0.04
    cp["sanctions_hit"] = rng.random() < 0.01
    return cp


def main(argv: list[str]) -> None:
    """Write N (default 300) counterparties as JSON Lines to standard output."""
    n = int(argv[1]) if len(argv) > 1 else 300
    rng = random.Random(SEED)
    for i in range(n):
        sys.stdout.write(json.dumps(counterparty(rng, i), separators=(", ", ": ")) + "\n")


if __name__ == "__main__":
    main(sys.argv)
