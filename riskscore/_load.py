"""Compiling a policy: the validated policy file, its lists loaded and checked, a fingerprint.

:func:`compile_policy` validates the parsed policy file, loads and amends its lists, checks
the cross-references and returns what :class:`~riskscore.Policy` is built from; every
problem found is reported together (not only the first). :func:`fingerprint` is the sha256
of the canonical policy and its applied lists.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from . import _amend
from ._check import Checker
from ._netfacts import derived_attributes
from ._reader import PolicyReader, list_files
from ._validate import suggest, validate_located
from ._yaml import LocatedData
from .errors import Issue, PolicyError
from .lists import JurisdictionList
from .policy_model import PolicyModel

__all__ = ["Compiled", "compile_policy", "fingerprint"]


class Compiled(NamedTuple):
    """What a :class:`~riskscore.Policy` is built from (its constructor's arguments, in order)."""

    model: PolicyModel
    lists: dict[str, JurisdictionList]
    authorities: list[str]
    path: Path
    files: dict[str, Path]
    located: LocatedData  # the policy file as read: its data and the position of every key


def fingerprint(model: PolicyModel, lists: Mapping[str, JurisdictionList]) -> str:
    """sha256 of the canonical policy (without how ``lists:`` is spelled) and ``lists``."""
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


def compile_policy(located: LocatedData, policy_path: Path, reader: PolicyReader) -> Compiled:
    """Validate the parsed policy file, load its lists with ``reader`` and check it all.

    Raises :class:`~riskscore.PolicyError` listing every problem found.
    """
    model = _with_network_attributes(validate_located(PolicyModel, located), located)
    lists, files = _load_lists(model, located, policy_path, reader)
    applied, issues = _applied_authorities(model, lists, located)
    checker = Checker(model, lists, applied, located)
    checker.run()
    issues.extend(checker.issues)
    if issues:
        raise PolicyError(issues)
    applied_lists = {k: v for k, v in lists.items() if applied.intersection(v.authorities)}
    return Compiled(model, applied_lists, sorted(applied), policy_path, {k: files[k] for k in applied_lists}, located)


def _with_network_attributes(model: PolicyModel, located: LocatedData) -> PolicyModel:
    """The model with its network facts declared as attributes (a clash with one is refused)."""
    if not model.network:
        return model
    clashes = [name for name in model.network if name in (model.attributes or {})]
    if clashes:
        raise PolicyError(
            [
                located.issue(("network", name), f"{name!r} is both a network fact and an attribute", "duplicate-id")
                for name in clashes
            ]
        )
    return model.model_copy(update={"attributes": {**(model.attributes or {}), **derived_attributes(model.network)}})


def _applied_authorities(
    model: PolicyModel, lists: Mapping[str, JurisdictionList], located: LocatedData
) -> tuple[set[str], list[Issue]]:
    """The authorities the policy applies, and an issue for each named that issues no loaded list."""
    issues: list[Issue] = []
    known = sorted({auth for lst in lists.values() for auth in lst.authorities})
    if model.authorities == "all":
        return set(known), issues
    for i, auth in enumerate(model.authorities):
        if auth not in known:
            issues.append(
                located.issue(
                    ("authorities", i),
                    f"no loaded list is issued by {auth!r}",
                    "unknown-authority",
                    suggest(auth, known),
                )
            )
    return set(model.authorities), issues


def _load_lists(
    model: PolicyModel, located: LocatedData, policy_path: Path, reader: PolicyReader
) -> tuple[dict[str, JurisdictionList], dict[str, Path]]:
    """The lists by id, amended, and the file each came from; every bad list file is reported."""
    issues: list[Issue] = []
    lists: dict[str, JurisdictionList] = {}
    origin: dict[str, Path] = {}
    amendments: list[Path] = []
    for index, file in list_files(policy_path, model.lists, located, reader.max_files):
        if _amend.is_amendment(file):
            amendments.append(file)
            continue
        try:
            lst_located = reader.load(file)
            lst = validate_located(JurisdictionList, lst_located)
        except PolicyError as exc:
            first = exc.issues[0]
            if first.code == "not-a-file":  # the file has no lines: locate it at the entry naming it
                issues.append(located.issue(("lists", index), f"{file} is {first.message}", first.code))
                continue
            issues.extend(exc.issues)
            if reader.exhausted:  # the budgets are shared: later files cannot fit either
                raise PolicyError(issues) from None
            continue
        if lst.id in lists:
            issues.append(
                lst_located.issue(("id",), f"list id {lst.id!r} also defined in {origin[lst.id]}", "duplicate-list")
            )
            continue
        lists[lst.id] = lst
        origin[lst.id] = file
    if issues:
        raise PolicyError(issues)
    lists = _amend.apply_amendments(amendments, lists, reader.load)
    return lists, origin
