"""The peer workload: its country risk, high-priority HS codes and seeded portfolio generator.

Benchmark data, not authoritative: the lists give the workload a realistic shape; they are
not cited or dated and never stand in for the shipped lists in ``rules/``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np

SEED = 20240224
CHUNK = 8192

COMPREHENSIVE = ["KP", "IR", "MM", "CU", "SY"]
RISK_LISTS: list[tuple[str, int, list[str]]] = [
    ("wl_comprehensive", 100, COMPREHENSIVE),
    ("wl_fatf_suspended", 80, ["RU"]),
    ("wl_belarus", 70, ["BY"]),
    (
        "wl_grey",
        50,
        [
            "DZ",
            "AO",
            "BG",
            "BF",
            "CM",
            "CI",
            "HR",
            "CD",
            "HT",
            "KE",
            "LA",
            "LB",
            "MC",
            "MZ",
            "NA",
            "NG",
            "ZA",
            "SS",
            "SY",
            "VE",
            "VN",
            "YE",
        ],
    ),
    ("wl_hubs", 40, ["CN", "HK", "TR", "AE", "KZ", "KG", "AM", "GE", "UZ"]),
]
BASELINE = 5


def risk(code: str) -> int:
    """A country's workload risk: the maximum of the lists it is on, 5 if none."""
    return max((pts for _, pts, codes in RISK_LISTS if code in codes), default=BASELINE)


HPC = [
    "845710",
    "845811",
    "845891",
    "845961",
    "846693",
    "847150",
    "847180",
    "847330",
    "848071",
    "848210",
    "848220",
    "848230",
    "848250",
    "848280",
    "850440",
    "851762",
    "852589",
    "852691",
    "852910",
    "852990",
    "853222",
    "853224",
    "853225",
    "853310",
    "853321",
    "854110",
    "854121",
    "854129",
    "854130",
    "854149",
    "854151",
    "854160",
    "854231",
    "854232",
    "854233",
    "854239",
    "880730",
    "901310",
    "901420",
    "901480",
]
OTHER_HS = [f"{610000 + 37 * k:06d}" for k in range(400)]  # 61xxxx-62xxxx: apparel, none high-priority

LOW = (
    "US 13, DE 9, GB 7, FR 5.5, JP 4.5, NL 4, IT 3.5, ES 3, CH 3, CA 2.5, BE 2, SE 2, PL 2, KR 2, SG 2, IN 2, "
    "TW 1.5, AU 1.5, AT 1.5, IE 1.5, BR 1.2, MX 1.2, DK 1, FI 1, NO 1, CZ 1, PT .8, LU .8, TH .6, MY .6, "
    "IL .5, NZ .5, ID .5, RO .5, HU .4, GR .4, SA .4, UA .4, CY .3, SK .3, CL .3, EG .3, MA .3, AR .3, CO .3, "
    "SI .2, EE .2, LT .2, MT .2, QA .2, PE .2, RS .2, LV .15"
)
HUBS = "CN 5, HK 2, TR 2, AE 2, KZ .6, AM .3, GE .3, UZ .2, KG .15"
GREY = (
    "VN .8, ZA .6, NG .4, BG .4, HR .3, MC .2, KE .2, DZ .1, AO .1, VE .1, CI .08, LB .08, CM .05, LA .05, "
    "CD .04, MZ .04, NA .04, BF .03, HT .02, YE .02, SS .01"
)
RARE = "RU .6, BY .15, IR .03, MM .03, CU .02, SY .01, KP .003"


def _parse(text: str) -> list[tuple[str, float]]:
    return [(c, float(w)) for c, w in (item.split() for item in text.split(", "))]


GROUPS = {"low": _parse(LOW), "hubs": _parse(HUBS), "grey": _parse(GREY), "rare": _parse(RARE)}
CODES = [c for g in GROUPS.values() for c, _ in g]
_BASE = np.array([w for g in GROUPS.values() for _, w in g])
_GROUP = [name for name, g in GROUPS.items() for _ in g]


def _weights(hubs: float = 1.0, grey: float = 1.0, ru: float = 1.0, by: float = 1.0) -> np.ndarray:
    w = _BASE.copy()
    for i, (code, group) in enumerate(zip(CODES, _GROUP, strict=True)):
        w[i] *= {"hubs": hubs, "grey": grey}.get(group, 1.0)
        w[i] *= ru if code == "RU" else by if code == "BY" else 1.0
    return w / w.sum()


P_INC = _weights()
P_OPS = _weights(hubs=1.5, grey=1.5)
P_OWN = _weights(hubs=1.5, ru=2, by=1.5)
P_PAR = _weights(hubs=3, grey=1.5, ru=2, by=2)
N_OPS = [0.45, 0.30, 0.17, 0.08]
N_OWN = [0.45, 0.30, 0.15, 0.10]
N_PAR = [0.10, 0.15, 0.15, 0.14, 0.12, 0.10, 0.09, 0.08, 0.07]
N_HS = [0.25, 0.25, 0.20, 0.15, 0.10, 0.05]


def _country(rng: np.random.Generator, p: np.ndarray) -> str:
    return CODES[int(rng.choice(len(CODES), p=p))]


def _shares(rng: np.random.Generator, k: int, total: float) -> list[float]:
    shares = [float(x) for x in rng.dirichlet(np.ones(k)) * total]
    while sum(shares) > 1.0:  # an ulp over in left-to-right addition: clip the last share
        shares[-1] = float(np.nextafter(shares[-1], 0.0))
    return shares


def _one(rng: np.random.Generator, number: int) -> dict[str, Any]:
    home = _country(rng, P_INC)
    ops: list[str] = []
    for _ in range(int(rng.choice(4, p=N_OPS))):  # duplicates are dropped, as the reference did
        c = home if rng.random() < 0.4 else _country(rng, P_OPS)
        if c not in ops:
            ops.append(c)
    k = int(rng.choice(4, p=N_OWN)) + 1
    own_c = [home if rng.random() < 0.5 else _country(rng, P_OWN) for _ in range(k)]
    own_s = _shares(rng, k, 1.0 if rng.random() < 0.6 else float(rng.uniform(0.3, 1.0)))
    merged: dict[str, float] = {}
    for c, s in zip(own_c, own_s, strict=True):  # one owner per country: riskscore adds shares per country
        merged[c] = merged.get(c, 0.0) + s
    own_c, own_s = list(merged), list(merged.values())
    m = int(rng.choice(9, p=N_PAR))
    par_c = [home if rng.random() < 0.2 else _country(rng, P_PAR) for _ in range(m)]
    par_s = _shares(rng, m, float(rng.uniform(0.2, 1.0))) if m else []
    hs: list[str] = []
    for _ in range(int(rng.choice(6, p=N_HS))):
        code = HPC[int(rng.integers(40))] if rng.random() < 0.10 else OTHER_HS[int(rng.integers(400))]
        if code not in hs:
            hs.append(code)
    return {
        "id": f"CP{number:08d}",
        "incorporation": home,
        "operations": ops,
        "owners": [{"country": c, "share": s} for c, s in zip(own_c, own_s, strict=True)],
        "partners": [{"country": c, "share": s} for c, s in zip(par_c, par_s, strict=True)],
        "hs_codes": hs,
        "pep": bool(rng.random() < 0.02),
        "sanctions_hit": bool(rng.random() < 0.003),
    }


def generate(n: int, seed: int = SEED) -> list[dict[str, Any]]:
    """``n`` counterparties as WORKLOAD.md dicts; chunk ``i`` of 8192 from PCG64(SeedSequence([seed, i]))."""
    out: list[dict[str, Any]] = []
    for chunk in range((n + CHUNK - 1) // CHUNK):
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, chunk])))
        for k in range(min(CHUNK, n - chunk * CHUNK)):
            out.append(_one(rng, chunk * CHUNK + k + 1))
    return out


def fingerprint(records: list[dict[str, Any]]) -> str:
    """SHA-256 of the first 10,000 counterparties (canonical JSON), to compare runs."""
    text = json.dumps(records[:10_000], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def to_riskscore(rec: dict[str, Any]) -> dict[str, Any]:
    """A workload dict in riskscore's field names (partners -> trade_partners, hs_codes -> products)."""
    return {
        "id": rec["id"],
        "incorporation": rec["incorporation"],
        "operations": rec["operations"],
        "owners": rec["owners"],
        "trade_partners": rec["partners"],
        "products": rec["hs_codes"],
        "pep": rec["pep"],
        "sanctions_hit": rec["sanctions_hit"],
    }
