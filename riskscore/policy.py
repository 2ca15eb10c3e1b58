"""Loading a policy: files -> validated models -> a compiled, fingerprinted :class:`Policy`.

Everything is loaded first, then linked and checked; every problem found is reported
(not only the first), each with file, line, column and key path. The steps live in
private modules: reading the files within limits (``_reader``), validating them into the
models (``_validate``), the cross-reference checks (``_check``) and compiling
(``_load``); this module holds the limits, the entry points and the :class:`Policy` facade.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from ._dates import DateProblem, parse_date
from ._load import compile_policy
from ._load import fingerprint as _fingerprint
from ._netfacts import NetworkFacts, fact_readers
from ._network.graph import Network
from ._policy_network import NetCache, network_facts, score_batch, score_one
from ._reader import PolicyReader
from ._validate import validate_located as validate_located
from ._verify import Verification, verify
from ._yaml import LocatedData
from .batch import BatchResult, score_many
from .columns import Columns, fast_record
from .counterparty import Counterparty, parse_counterparty
from .engine import Engine
from .errors import AsOfError, Issue, PolicyError
from .lists import JurisdictionList
from .policy_model import PolicyModel
from .result import Result

__all__ = [
    "MAX_POLICY_BYTES",
    "MAX_POLICY_FILES",
    "MAX_POLICY_NODES",
    "Policy",
    "default_policy_path",
    "load_policy",
    "load_policy_bytes",
    "parse_as_of",
]

_HERE = Path(__file__).resolve().parent

MAX_POLICY_FILES = 200
"""Most list files one policy may load (the bundled policy loads 15)."""
MAX_POLICY_BYTES = 16 * 1024 * 1024
"""Most bytes a policy file and its list files may hold together (the bundled ones: about 120 KB)."""
MAX_POLICY_NODES = 150_000
"""Most YAML nodes a policy file and its list files may expand to together (the bundled ones: 3,330)."""


def default_policy_path() -> Path:
    """The bundled default policy: inside the installed package, or the checkout's rules/."""
    for candidate in (_HERE / "_rules" / "default" / "policy.yaml", _HERE.parent / "rules" / "default" / "policy.yaml"):
        if candidate.is_file():
            return candidate
    raise PolicyError(Issue("the bundled default policy is missing from this installation", code="no-default"))


def parse_as_of(as_of: date | str | None) -> date:
    """``None`` -> today; a ``date``; or a ``YYYY-MM-DD`` string. Anything else raises AsOfError.

    Exactly ``YYYY-MM-DD`` on every Python (``2026-W27-3`` is refused), and a day that does
    not exist (``2027-02-30``) is refused with code ``no-such-date``.
    """
    if as_of is None:
        return date.today()
    if isinstance(as_of, datetime):
        return as_of.date()
    if isinstance(as_of, date):
        return as_of
    if isinstance(as_of, str):
        try:
            return parse_date(as_of)
        except DateProblem as exc:
            raise AsOfError(f"as_of: {exc}", exc.code) from None
    raise AsOfError(f"as_of must be a date or 'YYYY-MM-DD', got {type(as_of).__name__}")


def read_policy_file(path: Path) -> LocatedData:
    """Read one rule file as the loader does (a regular file, within the size limits)."""
    return _new_reader().load(path)


def _new_reader() -> PolicyReader:
    # the limits are read when a policy is loaded, so setting them here takes effect
    return PolicyReader(MAX_POLICY_FILES, MAX_POLICY_BYTES, MAX_POLICY_NODES)


def load_policy(path: str | Path | None = None) -> Policy:
    """Load, validate and compile a policy.

    ``path`` is a policy YAML file or a folder holding ``policy.yaml``; ``None`` loads the
    bundled default policy. Raises :class:`~riskscore.PolicyError` listing every problem.
    """
    policy_path = default_policy_path() if path is None else Path(path)
    try:
        if policy_path.is_dir():
            policy_path = policy_path / "policy.yaml"
    except (OSError, ValueError) as exc:  # NUL bytes, over-long names
        raise PolicyError(Issue(f"cannot use policy path: {exc}", file=str(path)[:200], code="io-error")) from None
    reader = _new_reader()
    return Policy(*compile_policy(reader.load(policy_path), policy_path, reader))


def load_policy_bytes(data: bytes, root: str | Path | None = None, name: str = "<bytes>") -> Policy:
    """Load a policy from YAML bytes (a policy kept outside a file; the fuzzing entry point).

    List paths in it resolve against the folder ``root`` (default: the bundled policy's
    folder); ``name`` stands for the file in error messages.
    """
    folder = Path(root) if root is not None else default_policy_path().parent
    reader = _new_reader()
    return Policy(*compile_policy(reader.parse(data, name), folder / "policy.yaml", reader))


class Policy:
    """A loaded, validated, compiled policy. Immutable; safe to share across threads.

    Create it with :func:`riskscore.load_policy`.
    """

    __slots__ = ("_engine", "_files", "_located", "_netcache", "_path", "_readers")

    def __init__(
        self,
        model: PolicyModel,
        lists: dict[str, JurisdictionList],
        authorities: list[str],
        path: Path,
        files: Mapping[str, Path] | None = None,
        located: LocatedData | None = None,
    ) -> None:
        self._engine = Engine(model, lists, _fingerprint(model, lists), authorities)
        self._path = path
        self._located = located  # the policy file as loaded (lint locates its findings in it)
        self._files = dict(files or {})
        self._readers = fact_readers(model)
        self._netcache: NetCache = {}

    @property
    def path(self) -> Path:
        """The policy file this policy was loaded from."""
        return self._path

    @property
    def list_files(self) -> Mapping[str, Path]:
        """The file each applied list was loaded from, by list id (a copy)."""
        return dict(self._files)

    @property
    def id(self) -> str:
        """The policy's id."""
        return self._engine.model.id

    @property
    def version(self) -> str:
        """The policy's version."""
        return self._engine.model.version

    @property
    def model(self) -> PolicyModel:
        """The validated policy file (a deep copy: the compiled policy cannot be changed)."""
        return self._engine.model.model_copy(deep=True)

    @property
    def fingerprint(self) -> str:
        """sha256 of the canonical policy and its applied lists."""
        return self._engine.fingerprint

    @property
    def authorities(self) -> list[str]:
        """Authorities whose lists this policy applies."""
        return list(self._engine.authorities)

    @property
    def lists(self) -> Mapping[str, JurisdictionList]:
        """The applied lists by id (deep copies: the compiled policy cannot be changed)."""
        return {k: v.model_copy(deep=True) for k, v in self._engine.lists.items()}

    @property
    def tiers(self) -> list[str]:
        """Tier ids from lowest to highest."""
        return [t.id for t in self._engine.tiers]

    def score(
        self,
        counterparty: Counterparty | Mapping[str, Any],
        as_of: date | str | None = None,
        *,
        network: Network | None = None,
    ) -> Result:
        """Score one counterparty (a :class:`Counterparty` or a plain mapping) on ``as_of``.

        ``as_of`` is a ``date`` or ``"YYYY-MM-DD"`` (default: today). With ``network`` (a
        :class:`~riskscore.Network`), the policy's ``network:`` facts are derived for the node
        whose id is the counterparty's id, read by the conditions as attributes, and each
        contribution and override that read one carries its proof in ``facts`` (see
        docs/networks.md). Raises :class:`~riskscore.CounterpartyError` naming the field path
        of bad input (``id`` for a counterparty that is not a node of the network).
        """
        day = parse_as_of(as_of)
        facts = self._network_facts(network, day)
        if facts is None:
            cp = fast_record(counterparty)
            if cp is not None:  # the scorer's own copy: the explanation is written when first read
                return self._engine.score(cp, day, private=True)
            validated = parse_counterparty(counterparty)
            return self._engine.score(validated, day, private=validated is not counterparty)
        return score_one(self._engine, self._readers, facts, counterparty, day)

    def score_many(
        self,
        counterparties: Iterable[Counterparty | Mapping[str, Any]] | Columns,
        as_of: date | str | None = None,
        *,
        errors: Literal["raise", "collect"] = "raise",
        network: Network | None = None,
    ) -> BatchResult:
        """Score many counterparties at numpy speed, with the same numbers as :meth:`score`.

        ``counterparties`` is an iterable of :class:`Counterparty` or mappings, a
        :class:`~riskscore.Columns`, or a pandas ``DataFrame`` / pyarrow ``Table`` or ``RecordBatch``
        with one counterparty per row, nulls read as missing (see docs/batch.md). Returns a :class:`~riskscore.BatchResult`
        of arrays in input order; ``batch[i]`` is the :class:`Result` of row ``i``. Bad rows
        raise one :class:`~riskscore.batch.BatchError` listing each (index and field path),
        or with ``errors="collect"`` are left out and listed in ``batch.errors``.

        ``network``: as in :meth:`score`, for an iterable of records (a counterparty that is
        not a node of the network is refused even under ``errors="collect"``: the network must
        cover the batch it scores).
        """
        day = parse_as_of(as_of)
        facts = self._network_facts(network, day)
        if facts is None:
            return score_many(self._engine, counterparties, day, errors)
        return score_batch(self._engine, self._readers, facts, counterparties, day, errors)

    def _network_facts(self, network: Network | None, day: date) -> NetworkFacts | None:
        """The policy's network facts on ``network`` and ``day`` (the last 4 kept)."""
        return network_facts(self._engine, self._netcache, network, day)

    def verify(
        self,
        result: Result | Mapping[str, Any] | str | bytes,
        counterparty: Counterparty | Mapping[str, Any],
        *,
        network: Network | None = None,
    ) -> Verification:
        """Re-score ``counterparty`` on ``result.as_of`` and say whether the stored ``result``
        reproduces and, if not, what differs (policy fingerprint, engine or data versions, input
        digest, score, tier, contributions, overrides...).

        ``result`` is a :class:`Result`, its ``model_dump()`` dict or its JSON text (a stored
        decision); a result that is not valid raises :class:`~riskscore.errors.ResultError`.
        Returns a :class:`~riskscore.Verification`; see docs/scoring.md, "Reproduce a decision".
        A result scored with a network reproduces with the same ``network`` (its digest covers
        the derived facts).
        """
        return verify(self, result, counterparty, network)

    def __repr__(self) -> str:
        return f"<riskscore.Policy {self.id} {self.version} {self.fingerprint[:12]}>"
