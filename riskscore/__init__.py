"""riskscore: due-diligence counterparty risk scoring from cited, dated YAML policies.

>>> import riskscore
>>> policy = riskscore.load_policy()          # the bundled default policy
>>> result = policy.score(
...     {"id": "cp-1", "incorporation": "DE", "owners": [{"country": "DE", "share": 1.0}],
...      "trade_partners": [{"country": "FR", "share": 0.5}]},
...     as_of="2026-07-01",
... )
>>> result.tier, result.score                  # doctest: +SKIP
('low', 5.375)
>>> print(result.explain())                    # doctest: +SKIP
"""

from __future__ import annotations

import contextlib

from ._version import __version__ as __version__
from .batch import BatchResult
from .columns import Columns
from .counterparty import Counterparty, Owner, TradePartner
from .countries import normalize_country
from .errors import AsOfError, CounterpartyError, CountryError, PolicyError, RiskscoreError
from .lists import JurisdictionList, Status
from .policy import Policy, load_policy
from .result import AppliedOverride, Contribution, Result, SourceRef

__all__ = [
    "AppliedOverride",
    "AsOfError",
    "BatchResult",
    "Columns",
    "Contribution",
    "Counterparty",
    "CounterpartyError",
    "CountryError",
    "JurisdictionList",
    "Owner",
    "Policy",
    "PolicyError",
    "Result",
    "RiskscoreError",
    "SourceRef",
    "Status",
    "TradePartner",
    "load_policy",
    "normalize_country",
]

for _name in __all__:
    _obj = globals()[_name]
    if hasattr(_obj, "__module__") and not isinstance(_obj, type(__builtins__)):
        with contextlib.suppress(AttributeError, TypeError):
            _obj.__module__ = "riskscore"
del _name, _obj
