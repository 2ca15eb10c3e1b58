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

# No ``from __future__ import annotations`` and no stdlib imports here: each would bind a
# name (``annotations``, ``contextlib``) in the public namespace.
from ._network.graph import Network
from ._verify import Difference, Verification
from ._version import __version__ as __version__
from .batch import BatchError, BatchResult
from .columns import Columns
from .counterparty import Counterparty, Owner, TradePartner, parse_counterparty_json
from .countries import normalize_country
from .errors import (
    AsOfError,
    CounterpartyError,
    CountryError,
    FieldIssue,
    Issue,
    NetworkError,
    PolicyError,
    RiskscoreError,
)
from .lists import JurisdictionList, Status
from .policy import Policy, load_policy, load_policy_bytes
from .result import AppliedOverride, Contribution, Result, ResultWarning, SourceRef

__all__ = [
    "AppliedOverride",
    "AsOfError",
    "BatchError",
    "BatchResult",
    "Columns",
    "Contribution",
    "Counterparty",
    "CounterpartyError",
    "CountryError",
    "Difference",
    "FieldIssue",
    "Issue",
    "JurisdictionList",
    "Network",
    "NetworkError",
    "Owner",
    "Policy",
    "PolicyError",
    "Result",
    "ResultWarning",
    "RiskscoreError",
    "SourceRef",
    "Status",
    "TradePartner",
    "Verification",
    "load_policy",
    "load_policy_bytes",
    "normalize_country",
    "parse_counterparty_json",
]

for _name in __all__:  # re-home, so reprs and docs say riskscore.Policy
    _obj = globals()[_name]  # every public name is a class or a function
    _obj.__module__ = "riskscore"
del _name, _obj
