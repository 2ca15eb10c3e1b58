"""Loading a policy: files -> validated models -> a compiled, fingerprinted :class:`Policy`.

Everything is loaded first, then linked and checked; every problem found is reported
(not only the first), each with file, line, column and key path.
"""

from __future__ import annotations

import difflib
import errno
import functools
import hashlib
import json
import os
import stat
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from types import GenericAlias
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from . import _amend
from . import conditions as cond
from ._dates import DateProblem, parse_date
from ._netfacts import NetworkFacts, derived_attributes, fact_readers
from ._network.errors import NetworkError
from ._network.graph import Network
from ._verify import Verification, verify
from ._yaml import MAX_FILE_BYTES, LocatedData, NodeBudget, PathKey, load_bytes
from .attributes import declaration_issues
from .batch import BatchError, BatchResult, score_many
from .columns import Columns, fast_record
from .counterparty import Counterparty, parse_counterparty
from .engine import Engine
from .errors import AsOfError, CounterpartyError, Issue, PolicyError
from .lists import JurisdictionList, PathErrors
from .policy_model import PLACEHOLDER, RULE_PLACEHOLDERS, ConditionRule, PolicyModel
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

M = TypeVar("M", bound=BaseModel)
_HERE = Path(__file__).resolve().parent

MAX_POLICY_FILES = 200
"""Most list files one policy may load (the bundled policy loads 15)."""
MAX_POLICY_BYTES = 16 * 1024 * 1024
"""Most bytes a policy file and its list files may hold together (the bundled ones: about 120 KB)."""
MAX_POLICY_NODES = 150_000
"""Most YAML nodes a policy file and its list files may expand to together (the bundled ones: 3,330)."""
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)  # a FIFO must not block
_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"))
_MISSING = (errno.ENOENT, errno.ENOTDIR, errno.ENAMETOOLONG, errno.ELOOP)


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


@functools.cache
def _vocabulary() -> tuple[frozenset[str], ...]:
    """The key sets of every model reachable from the two file formats."""
    out: list[frozenset[str]] = []
    seen: set[type] = set()

    def visit(model: type[BaseModel]) -> None:
        if model in seen:
            return
        seen.add(model)
        out.append(frozenset(field.alias or name for name, field in model.model_fields.items()))
        for field in model.model_fields.values():
            for arg in _model_types(field.annotation):
                visit(arg)

    visit(PolicyModel)
    visit(JurisdictionList)
    return tuple(out)


def _suggest_key(key: str, siblings: Iterable[str]) -> str | None:
    """Suggest a key from the model whose keys best match the mapping's other keys."""
    present = set(siblings) - {key}
    ranked = sorted(_vocabulary(), key=lambda keys: -len(keys & present))
    best = [k for k in ranked if len(k & present) == len(ranked[0] & present)]
    return _suggest(key, sorted(set().union(*best) - present - {key}))


def _model_types(annotation: Any) -> Iterable[type[BaseModel]]:
    # On Python 3.10 ``list[str]`` passes ``isinstance(x, type)`` but not ``issubclass``.
    if isinstance(annotation, type) and not isinstance(annotation, GenericAlias) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        yield from _model_types(arg)
    for meta in getattr(annotation, "__metadata__", ()) or ():
        yield from _model_types(meta)
    origin = getattr(annotation, "__origin__", None)
    if origin is not None and origin is not annotation:
        yield from _model_types(origin)


def _suggest(word: str, choices: Iterable[str]) -> str | None:
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return match[0] if match else None


def _data_path(data: Any, loc: tuple[int | str, ...]) -> PathKey:
    path: list[str | int] = []
    node = data
    for i, part in enumerate(loc):
        if isinstance(node, dict) and isinstance(part, str):
            if part in node:
                path.append(part)
                node = node[part]
            elif i == len(loc) - 1:
                path.append(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            path.append(part)
            node = node[part]
    return tuple(path)


def _issue(located: LocatedData, path: PathKey, message: str, code: str, suggestion: str | None = None) -> Issue:
    return located.issue(path, message, code, suggestion)


def validate_located(model: type[M], located: LocatedData) -> M:
    """Validate parsed YAML against ``model``; errors carry file:line:column and key path."""
    try:
        return model.model_validate(located.data)
    except ValidationError as exc:
        issues = []
        for err in exc.errors(include_url=False):
            cause = (err.get("ctx") or {}).get("error")
            if isinstance(cause, PathErrors):
                for sub_path, message in cause.problems:
                    path = _data_path(located.data, (*err["loc"], *sub_path))
                    issues.append(_issue(located, path, message, "invalid"))
                continue
            path = _data_path(located.data, err["loc"])
            msg, code, suggestion = err["msg"], err["type"], None
            if code == "extra_forbidden" and path:
                msg = f"unknown key {path[-1]!r}"
                parent = located.data
                for part in path[:-1]:
                    parent = parent[part]
                suggestion = _suggest_key(str(path[-1]), parent if isinstance(parent, dict) else ())
            elif code == "missing":
                msg = f"missing required key {err['loc'][-1]!r}"
            elif code.startswith(("string_", "int_", "float_", "bool_", "date_", "list_", "dict_", "literal_")):
                msg = f"{msg} (got {err.get('input')!r})"
            issues.append(_issue(located, path, msg, code, suggestion))
        raise PolicyError(issues) from None


class _NotRegular(Exception):
    """The path opened is not a regular file (a FIFO, a device, a folder...)."""

    def __init__(self, mode: int) -> None:
        self.what = next((name for test, name in _KINDS if test(mode)), "not a regular file")
        super().__init__(self.what)


class _Reader:
    """Reads the files of one policy: regular files only, within the policy-wide budgets.

    Every file is opened without blocking and checked with ``fstat`` on the open file (after
    symlinks are resolved, and with no window to swap the file), so a FIFO or a link to
    ``/dev/stdin`` is refused instead of hanging or swallowing input. Bytes and YAML nodes
    are counted across all files against :data:`MAX_POLICY_BYTES` and :data:`MAX_POLICY_NODES`.
    """

    def __init__(self) -> None:
        self.nodes = NodeBudget(MAX_POLICY_NODES, "a policy and its lists")
        self.bytes_left = MAX_POLICY_BYTES
        self.bytes_over = False

    @property
    def exhausted(self) -> bool:
        """Whether a policy-wide budget ran out (so no further file can be read)."""
        return self.bytes_over or self.nodes.used > self.nodes.limit

    def parse(self, raw: bytes, name: str) -> LocatedData:
        """Charge ``raw`` to the byte budget and parse it against the node budget."""
        if len(raw) > self.bytes_left and len(raw) <= MAX_FILE_BYTES:
            self.bytes_over = True
            raise PolicyError(
                Issue(
                    f"a policy and its lists hold more than {MAX_POLICY_BYTES} bytes, the limit (MAX_POLICY_BYTES)",
                    file=name[:500],
                    code="too-large",
                )
            )
        self.bytes_left -= min(len(raw), self.bytes_left)
        return load_bytes(raw, name, self.nodes)

    def read(self, path: Path) -> bytes:
        """The bytes of a regular file, at most one past the smaller of the two size limits.

        Raises :class:`_NotRegular`, or ``OSError``/``ValueError`` when the file cannot be read.
        """
        limit = min(MAX_FILE_BYTES, self.bytes_left)
        with open(os.open(path, _OPEN_FLAGS), "rb") as stream:
            mode = os.fstat(stream.fileno()).st_mode
            if not stat.S_ISREG(mode):
                raise _NotRegular(mode)
            return stream.read(limit + 1)

    def load(self, path: Path) -> LocatedData:
        """Read and parse one file; problems are :class:`PolicyError` naming the file."""
        name = str(path)
        try:
            raw = self.read(path)
        except _NotRegular as exc:
            raise PolicyError(Issue(f"{exc.what}, not a regular file", file=name[:500], code="not-a-file")) from None
        except (OSError, ValueError) as exc:  # ValueError: an embedded NUL byte in the path
            raise PolicyError(
                Issue(f"cannot read file: {getattr(exc, 'strerror', None) or exc}", file=name[:500], code="io-error")
            ) from None
        return self.parse(raw, name)


def read_policy_file(path: Path) -> LocatedData:
    """Read one rule file as the loader does (a regular file, within the size limits)."""
    return _Reader().load(path)


def _list_files(policy_path: Path, entries: list[str], located: LocatedData) -> list[tuple[int, Path]]:
    """The list files named by ``lists:``, each with the index of the entry naming it.

    A folder contributes its ``*.yaml`` files in name order, except the policy file itself
    and ``*.cases.yaml`` test files (so policy, lists and tests can share one folder).
    """
    base = policy_path.parent
    try:
        policy_file = policy_path.resolve()
    except (OSError, ValueError, RuntimeError):
        policy_file = policy_path
    files: list[tuple[int, Path]] = []
    for i, entry in enumerate(entries):
        try:
            target = _amend.list_entry_path(base, entry)
            mode = os.stat(target).st_mode
        except (ValueError, RuntimeError):  # NUL byte; symlink loop
            mode = None
        except OSError as exc:
            if exc.errno not in _MISSING:
                raise PolicyError(
                    _issue(located, ("lists", i), f"cannot read {entry!r}: {exc.strerror}", "io-error")
                ) from None
            mode = None
        if mode is None:
            raise PolicyError(_issue(located, ("lists", i), f"no list file or folder at {entry!r}", "missing-list"))
        if stat.S_ISDIR(mode):
            found = _folder_files(target, policy_file, located, (entry, i), len(files))
            files.extend((i, f) for f in found)
        else:
            files.append((i, target))  # not a regular file: refused when read, at this entry
        if len(files) > MAX_POLICY_FILES:
            break
    if len(files) > MAX_POLICY_FILES:
        message = f"the policy names more than {MAX_POLICY_FILES} list files, the limit (MAX_POLICY_FILES)"
        raise PolicyError(_issue(located, ("lists",), message, "too-large"))
    return files


def _folder_files(
    folder: Path, policy_file: Path, located: LocatedData, entry: tuple[str, int], before: int
) -> list[Path]:
    found: list[Path] = []
    try:
        with os.scandir(folder) as it:
            for item in it:
                if not item.name.endswith(".yaml") or item.name.endswith(".cases.yaml"):
                    continue
                path = folder / item.name
                if _same_file(path, policy_file):
                    continue
                found.append(path)
                if before + len(found) > MAX_POLICY_FILES:
                    break  # enough to refuse; do not list a huge folder to the end
    except OSError as exc:
        message = f"cannot read the folder {entry[0]!r}: {exc.strerror or exc}"
        raise PolicyError(_issue(located, ("lists", entry[1]), message, "io-error")) from None
    return sorted(found)


def _same_file(path: Path, resolved: Path) -> bool:
    try:
        return path.resolve() == resolved
    except (OSError, RuntimeError):  # a link loop: refused when read
        return False


class _Checker:
    """Cross-reference checks after every file has loaded."""

    def __init__(
        self, model: PolicyModel, lists: dict[str, JurisdictionList], applied: set[str], located: LocatedData
    ) -> None:
        self.model, self.lists, self.applied, self.located = model, lists, applied, located
        self.issues: list[Issue] = []

    def add(self, path: PathKey, message: str, code: str, suggestion: str | None = None) -> None:
        self.issues.append(_issue(self.located, path, message, code, suggestion))

    def run(self) -> None:
        m = self.model
        for name, fact in (m.network or {}).items():
            for i, list_id in enumerate(fact.seeds.lists):
                self._list_ref(("network", name, "seeds", "lists", i), list_id, "country")
        for i, lp in enumerate(m.country_risk.lists):
            self._list_ref(("country_risk", "lists", i, "list"), lp.list, "country")
        self._unique("factors", [f.id for f in m.factors])
        self._unique("overrides", [o.id for o in m.overrides])
        self._unique("tiers", [t.id for t in m.tiers])
        rule_ids: list[str] = []
        earlier: set[str] = set()
        for fi, factor in enumerate(m.factors):
            for ri, rule in enumerate(factor.rules):
                path: PathKey = ("factors", fi, "rules", ri)
                rule_ids.append(rule.id)
                allowed = RULE_PLACEHOLDERS[rule.kind]
                for name in PLACEHOLDER.findall(rule.reason):
                    if name not in allowed:
                        self.add(
                            (*path, "reason"),
                            f"unknown placeholder {{{name}}} for a {rule.kind} rule",
                            "bad-placeholder",
                            _suggest(name, allowed),
                        )
                if isinstance(rule, ConditionRule):
                    self._condition(rule.when, (*path, "when"), earlier, in_override=False)
            earlier.add(factor.id)
        seen: set[str] = set()
        for fi, factor in enumerate(m.factors):
            for ri, rule in enumerate(factor.rules):
                if rule.id in seen:
                    self.add(("factors", fi, "rules", ri, "id"), f"duplicate rule id {rule.id!r}", "duplicate-id")
                seen.add(rule.id)
        total = sum(f.weight for f in m.factors)
        if abs(total - 1.0) > 1e-9:
            self.add(("factors",), f"factor weights sum to {total:.9g}, not 1", "weights-sum")
        tiers = m.tiers
        if tiers[0].min != 0:
            self.add(("tiers", 0, "min"), "the first tier must start at 0", "tier-start")
        for i in range(1, len(tiers)):
            if tiers[i].min <= tiers[i - 1].min:
                self.add(("tiers", i, "min"), "tier minimums must increase strictly", "tier-order")
        tier_ids = [t.id for t in tiers]
        all_factors = {f.id for f in m.factors}
        for oi, ov in enumerate(m.overrides):
            if ov.tier is not None and ov.tier not in tier_ids:
                self.add(
                    ("overrides", oi, "tier"), f"unknown tier {ov.tier!r}", "unknown-tier", _suggest(ov.tier, tier_ids)
                )
            self._condition(ov.when, ("overrides", oi, "when"), all_factors, in_override=True)
        for path, message, code, suggestion in declaration_issues(m):
            self.add(path, message, code, suggestion)

    def _unique(self, key: str, ids: list[str]) -> None:
        seen: set[str] = set()
        for i, ident in enumerate(ids):
            if ident in seen:
                self.add((key, i, "id"), f"duplicate id {ident!r}", "duplicate-id")
            seen.add(ident)

    def _list_ref(self, path: PathKey, list_id: str, kind: str) -> None:
        lst = self.lists.get(list_id)
        if lst is None:
            self.add(path, f"unknown list {list_id!r}", "unknown-list", _suggest(list_id, self.lists))
        elif lst.kind != kind:
            self.add(path, f"list {list_id!r} is a {lst.kind} list; a {kind} list is needed here", "list-kind")
        elif not self.applied.intersection(lst.authorities):
            # it would silently score nothing (0 points, a condition never true): say so instead
            applied = ", ".join(sorted(self.applied)) or "none"
            self.add(
                path,
                f"list {list_id!r} is issued by {' / '.join(lst.authorities)}, an authority this policy does not "
                f"apply (authorities: {applied}); add it to `authorities` or remove the reference",
                "unapplied-list",
            )

    def _condition(self, c: Any, path: PathKey, factors: set[str], in_override: bool) -> None:
        for node in cond.walk(c):
            if isinstance(node, cond.CountryIn):
                for lid in node.country_in.lists:
                    self._list_ref((*path, "country_in", "list"), lid, "country")
            elif isinstance(node, cond.ProductIn):
                self._list_ref((*path, "product_in", "list"), node.product_in.list, "product")
        for op in cond.operands(c):
            if isinstance(op, cond.FactorRef) and op.factor not in factors:
                where = "defined" if in_override else "defined earlier"
                self.add(path, f"factor {op.factor!r} is not {where}", "unknown-factor", _suggest(op.factor, factors))
            if isinstance(op, cond.ScoreRef) and not in_override:
                self.add(path, "{score: weighted} is only available in overrides", "score-in-rule")


def _fingerprint(model: PolicyModel, lists: Mapping[str, JurisdictionList]) -> str:
    # content only: how `lists:` spells the paths (../lists, ../lists/, absolute) is not hashed
    policy = model.model_dump(mode="json", by_alias=True, exclude={"lists"})
    if policy.get("attributes", 0) is None:  # policies without the section keep their fingerprint
        del policy["attributes"]
    canonical = {
        "policy": policy,
        "lists": [lists[k].model_dump(mode="json") for k in sorted(lists)],
    }
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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
    reader = _Reader()
    return _compile(reader.load(policy_path), policy_path, reader)


def load_policy_bytes(data: bytes, root: str | Path | None = None, name: str = "<bytes>") -> Policy:
    """Load a policy from YAML bytes (a policy kept outside a file; the fuzzing entry point).

    List paths in it resolve against the folder ``root`` (default: the bundled policy's
    folder); ``name`` stands for the file in error messages.
    """
    folder = Path(root) if root is not None else default_policy_path().parent
    reader = _Reader()
    return _compile(reader.parse(data, name), folder / "policy.yaml", reader)


def _load_lists(
    model: PolicyModel, located: LocatedData, policy_path: Path, reader: _Reader
) -> tuple[dict[str, JurisdictionList], dict[str, Path]]:
    issues: list[Issue] = []
    lists: dict[str, JurisdictionList] = {}
    origin: dict[str, Path] = {}
    amendments: list[Path] = []
    for index, file in _list_files(policy_path, model.lists, located):
        if _amend.is_amendment(file):
            amendments.append(file)
            continue
        try:
            lst_located = reader.load(file)
            lst = validate_located(JurisdictionList, lst_located)
        except PolicyError as exc:
            first = exc.issues[0]
            if first.code == "not-a-file":  # the file has no lines: locate it at the entry naming it
                issues.append(_issue(located, ("lists", index), f"{file} is {first.message}", first.code))
                continue
            issues.extend(exc.issues)
            if reader.exhausted:  # the budgets are shared: later files cannot fit either
                raise PolicyError(issues) from None
            continue
        if lst.id in lists:
            issues.append(
                _issue(lst_located, ("id",), f"list id {lst.id!r} also defined in {origin[lst.id]}", "duplicate-list")
            )
            continue
        lists[lst.id] = lst
        origin[lst.id] = file
    if issues:
        raise PolicyError(issues)
    lists = _amend.apply_amendments(amendments, lists, reader.load)
    return lists, origin


def _record(counterparty: Counterparty | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(counterparty, Counterparty):
        return counterparty.model_dump(exclude_none=True)
    if not isinstance(counterparty, Mapping):
        return parse_counterparty(counterparty).model_dump(exclude_none=True)  # raises the usual error
    return counterparty


def _is_frame(value: Any) -> bool:
    from ._intake import frame_kind

    return frame_kind(value) is not None


def _compile(located: LocatedData, policy_path: Path, reader: _Reader) -> Policy:
    model = validate_located(PolicyModel, located)
    if model.network:
        clashes = [name for name in model.network if name in (model.attributes or {})]
        if clashes:
            raise PolicyError(
                [
                    _issue(
                        located, ("network", name), f"{name!r} is both a network fact and an attribute", "duplicate-id"
                    )
                    for name in clashes
                ]
            )
        model = model.model_copy(
            update={"attributes": {**(model.attributes or {}), **derived_attributes(model.network)}}
        )
    lists, files = _load_lists(model, located, policy_path, reader)
    issues: list[Issue] = []
    known = sorted({auth for lst in lists.values() for auth in lst.authorities})
    if model.authorities == "all":
        applied = set(known)
    else:
        applied = set(model.authorities)
        for i, auth in enumerate(model.authorities):
            if auth not in known:
                issues.append(
                    _issue(
                        located,
                        ("authorities", i),
                        f"no loaded list is issued by {auth!r}",
                        "unknown-authority",
                        _suggest(auth, known),
                    )
                )
    checker = _Checker(model, lists, applied, located)
    checker.run()
    issues.extend(checker.issues)
    if issues:
        raise PolicyError(issues)
    applied_lists = {k: v for k, v in lists.items() if applied.intersection(v.authorities)}
    return Policy(model, applied_lists, sorted(applied), policy_path, {k: files[k] for k in applied_lists})


class Policy:
    """A loaded, validated, compiled policy. Immutable; safe to share across threads.

    Create it with :func:`riskscore.load_policy`.
    """

    __slots__ = ("_engine", "_files", "_netcache", "_path", "_readers")

    def __init__(
        self,
        model: PolicyModel,
        lists: dict[str, JurisdictionList],
        authorities: list[str],
        path: Path,
        files: Mapping[str, Path] | None = None,
    ) -> None:
        self._engine = Engine(model, lists, _fingerprint(model, lists), authorities)
        self._path = path
        self._files = dict(files or {})
        self._readers = fact_readers(model)
        self._netcache: dict[tuple[int, date], tuple[Network, NetworkFacts]] = {}

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
            cp = fast_record(counterparty) or parse_counterparty(counterparty)
            return self._engine.score(cp, day)
        cp = parse_counterparty(facts.inject(_record(counterparty)))
        return facts.annotate(self._engine.score(cp, day), self._readers, cp.id)

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
        if isinstance(counterparties, Columns) or not isinstance(counterparties, Iterable) or _is_frame(counterparties):
            raise NetworkError("score_many(network=...) takes an iterable of records (mappings or Counterparty)")
        records, bad = [], []
        for i, record in enumerate(counterparties):
            try:
                records.append(facts.inject(_record(record), i))
            except CounterpartyError as exc:
                bad.append(exc)
        if bad:
            raise BatchError(bad)
        batch = score_many(self._engine, records, day, errors)
        readers = self._readers
        batch._annotate = lambda result: facts.annotate(result, readers, result.counterparty_id)
        return batch

    def _network_facts(self, network: Network | None, day: date) -> NetworkFacts | None:
        """The policy's network facts on ``network`` and ``day`` (the last 4 kept)."""
        if network is None:
            return None
        specs = self._engine.model.network
        if not specs:
            raise NetworkError("the policy declares no network facts (a `network:` section); nothing reads the network")
        key = (id(network), day)
        hit = self._netcache.get(key)
        if hit is not None and hit[0] is network:
            return hit[1]
        facts = NetworkFacts(specs, network, day, self._engine.lists)
        if len(self._netcache) >= 4:
            self._netcache.pop(next(iter(self._netcache)), None)
        self._netcache[key] = (network, facts)
        return facts

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
