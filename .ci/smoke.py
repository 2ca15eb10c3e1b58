"""Installed-wheel smoke test, run from outside the checkout: the mission's stories on the bundled policy."""

import riskscore

p = riskscore.load_policy()
sme = {
    "id": "de",
    "incorporation": "DE",
    "operations": ["DE"],
    "owners": [{"country": "DE", "share": 1.0}],
    "trade_partners": [{"country": "FR", "share": 0.4}],
    "products": [],
}
assert p.score(sme, as_of="2026-07-01").tier == "low"
tr = {
    "id": "tr",
    "incorporation": "Turkey",
    "operations": ["TR"],
    "owners": [{"country": "TR", "share": 1.0}],
    "trade_partners": [{"country": "RU", "share": 0.6}, {"country": "KZ", "share": 0.2}],
    "products": ["854231"],
}
assert p.score(tr, as_of="2026-07-01").tier in ("high", "prohibited")
ru = {"id": "ru", "incorporation": "RU", "owners": [{"country": "RU", "share": 1.0}], "trade_partners": []}
assert p.score(ru, as_of="2022-12-01").score < p.score(ru, as_of="2023-06-01").score
assert p.score({"id": "kp", "incorporation": "North Korea"}, as_of="2026-07-01").tier == "prohibited"
try:
    p.score({"id": "x", "incorporation": "Narnia"})
except riskscore.CounterpartyError as exc:
    print("refused as expected:", exc)
else:
    raise SystemExit("unknown country was not refused")
print("wheel smoke test ok:", p)
