"""Reproduce a stored decision: re-score its counterparty on its date and say what differs.

:meth:`riskscore.Policy.verify` is the entry; :class:`Verification` its answer. A stored result
is a :class:`~riskscore.Result`, its ``model_dump()`` dict or its ``model_dump_json()`` text.
Every field of the stored result is compared with the re-score except ``as_of`` (the date the
re-score uses), and each difference is a :class:`Difference` of one of three kinds:

- ``context``: what the decision was computed with: the policy (``fingerprint``, ``policy_id``,
  ``policy_version``, ``authorities``), ``engine_version``, ``data_versions``, the
  ``input_canonical_version`` of the digest;
- ``input``: which counterparty: ``input_digest`` (the counterparty given is not the one
  scored) and ``counterparty_id``;
- ``outcome``: what was decided: ``score``, ``tier``, ``score_before_overrides``,
  ``tier_before_overrides``, ``factors``, ``contributions``, ``overrides``, ``warnings``.

``reproduces`` is true only when nothing differs; ``same_outcome`` when no outcome differs
(the same decision, perhaps by another engine version or for another input).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .counterparty import Counterparty
from .errors import FieldIssue, ResultError
from .result import Result

if TYPE_CHECKING:
    from .policy import Policy

__all__ = ["Difference", "Verification", "verify"]

DifferenceKind = Literal["context", "input", "outcome"]

_KINDS: dict[str, DifferenceKind] = {
    "fingerprint": "context",
    "policy_id": "context",
    "policy_version": "context",
    "authorities": "context",
    "engine_version": "context",
    "data_versions": "context",
    "input_canonical_version": "context",
    "input_digest": "input",
    "counterparty_id": "input",
    "score": "outcome",
    "tier": "outcome",
    "score_before_overrides": "outcome",
    "tier_before_overrides": "outcome",
    "factors": "outcome",
    "contributions": "outcome",
    "overrides": "outcome",
    "warnings": "outcome",
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Difference(_Model):
    """One field of a stored result that the re-score does not reproduce."""

    field: str = Field(description="The Result field, e.g. score, fingerprint, input_digest, contributions.")
    kind: DifferenceKind = Field(description="context (policy, engine, data), input (which counterparty) or outcome.")
    stored: Any = Field(description="The stored value (for lists and mappings: the items that differ).")
    now: Any = Field(description="The re-scored value (for lists and mappings: the items that differ).")
    message: str = Field(description="The difference in English.")

    def __str__(self) -> str:
        return self.message


class Verification(_Model):
    """Whether a stored decision reproduces, and if not, what differs (see :meth:`riskscore.Policy.verify`)."""

    reproduces: bool = Field(description="Every field of the stored result is reproduced (as_of aside).")
    same_outcome: bool = Field(description="Score, tier, factors, contributions, overrides and warnings agree.")
    differences: list[Difference] = Field(description="What differs, context first, then input, then outcome.")
    stored: Result = Field(description="The stored result.")
    result: Result = Field(description="The re-score of the counterparty on the stored result's as_of.")

    def __str__(self) -> str:
        head = f"{self.stored.counterparty_id} as of {self.stored.as_of}: "
        if self.reproduces:
            return head + "reproduces"
        lines = [head + ("same outcome, but" if self.same_outcome else "does not reproduce")]
        return "\n".join([*lines, *(f"  {d.kind}: {d.message}" for d in self.differences)])


def stored_result(stored: Result | Mapping[str, Any] | str | bytes) -> Result:
    """A stored decision as a :class:`Result`; one stored before input digests has an empty one."""
    if isinstance(stored, Result):
        return stored
    try:
        data = json.loads(stored) if isinstance(stored, str | bytes) else stored
    except ValueError as exc:
        raise ResultError([FieldIssue("", f"invalid JSON: {exc}", code="bad-result")]) from None
    if not isinstance(data, Mapping):
        raise ResultError([FieldIssue("", f"expected a result object, got {type(data).__name__}", code="bad-result")])
    data = {"input_digest": "", "input_canonical_version": 0, **data}  # results stored before digests
    try:
        return Result.model_validate(data)
    except ValidationError as exc:
        issues = [
            FieldIssue(".".join(map(str, e["loc"])), e["msg"], code="bad-result") for e in exc.errors(include_url=False)
        ]
        raise ResultError(issues) from None


def _items(value: Any) -> dict[str, Any]:
    """Lists of contributions, overrides or warnings keyed for comparison; mappings as they are."""
    if isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for n, item in enumerate(value):
        dump = item.model_dump(mode="json")
        key = dump.get("rule_id") or dump.get("override_id") or f"{dump.get('code')}:{dump.get('list_id')}"
        out[key if key not in out else f"{key}#{n}"] = dump
    return out


def _difference(name: str, old: Any, new: Any) -> Difference:
    if isinstance(old, list | dict) and name != "authorities":
        a, b = _items(old), _items(new)
        keys = [k for k in dict.fromkeys([*a, *b]) if a.get(k) != b.get(k)]
        was = {k: a[k] for k in keys if k in a}
        now = {k: b[k] for k in keys if k in b}
        return Difference(
            field=name,
            kind=_KINDS.get(name, "outcome"),
            stored=was,
            now=now,
            message=f"{name} differ: {', '.join(keys)}",
        )
    if name == "input_digest" and not old:
        message = "input_digest: the stored result has none (stored before input digests)"
    elif name == "input_digest":
        message = f"input_digest: the counterparty given is not the one scored ({old} stored, {new} now)"
    else:
        message = f"{name}: {old!r} stored, {new!r} now"
    return Difference(field=name, kind=_KINDS.get(name, "outcome"), stored=old, now=new, message=message)


def verify(
    policy: Policy,
    stored: Result | Mapping[str, Any] | str | bytes,
    counterparty: Counterparty | Mapping[str, Any],
    network: Any = None,
) -> Verification:
    """Re-score ``counterparty`` under ``policy`` on ``stored.as_of`` and compare (see the module)."""
    old = stored_result(stored)
    new = policy.score(counterparty, old.as_of, network=network)
    names = [*_KINDS, *(n for n in Result.model_fields if n not in _KINDS and n != "as_of")]
    differences = [
        _difference(name, getattr(old, name), getattr(new, name))
        for name in names
        if getattr(old, name) != getattr(new, name)
    ]
    return Verification(
        reproduces=not differences,
        same_outcome=not any(d.kind == "outcome" for d in differences),
        differences=differences,
        stored=old,
        result=new,
    )
