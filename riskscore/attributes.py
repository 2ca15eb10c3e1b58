"""Declared custom attributes: what a policy may read, and what a counterparty must give.

A policy's ``attributes:`` section (:class:`~riskscore.policy_model.AttributeSpec`) types
the custom attributes its conditions read. When the section is given:

- the loader refuses a condition reading an undeclared attribute (``unknown-attribute``,
  with a did-you-mean among the declared names), a literal of the wrong type or outside
  the declaration (``attribute-literal``) and an operator the type has no use for
  (``attribute-operator``: ordering a boolean, ``prefix`` on a number...);
- scoring refuses a counterparty whose attribute breaks its declaration, with the field
  path ``attributes.NAME`` and one of the codes ``attribute-type``, ``attribute-range``,
  ``attribute-enum``, ``attribute-pattern`` or ``attribute-required``, in
  :meth:`~riskscore.Policy.score` and :meth:`~riskscore.Policy.score_many` alike.

A policy without the section keeps loading (attributes stay untyped); the lint reports
each attribute it reads as ``undeclared-attribute``, so ``validate --strict`` fails.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

import numpy as np

from . import conditions as cond
from .errors import FieldIssue
from .policy_model import AttributeSpec, PolicyModel

__all__ = ["attribute_gaps", "counterparty_issues", "declaration_issues", "reads"]

PathKey = tuple[str | int, ...]
_ORDERING = {"gte", "gt", "lte", "lt"}
_NUMERIC_REFS = (cond.FactorRef, cond.RiskRef, cond.CountRef, cond.ScoreRef)


def reads(model: PolicyModel) -> list[tuple[PathKey, str]]:
    """Every attribute read by the policy's conditions, with the key path naming it."""
    return [read for path, _, when in model.conditions() for read in cond.attribute_reads(when, path)]


def attribute_gaps(model: PolicyModel) -> dict[str, list[tuple[str, float]]]:
    """Per condition rule id: the declared attributes it reads that score ``missing_points``."""
    specs = model.attributes or {}
    out: dict[str, list[tuple[str, float]]] = {}
    for factor in model.factors:
        for rule in factor.rules:
            if rule.condition is None:
                continue
            names = dict.fromkeys(name for _, name in cond.attribute_reads(rule.condition))
            gaps = [(n, specs[n].missing_points) for n in names if n in specs and specs[n].missing_points is not None]
            if gaps:
                out[rule.id] = gaps  # type: ignore[assignment]  # missing_points checked not None above
    return out


# ---------------------------------------------------------------- the policy side
Problem = tuple[PathKey, str, str, str | None]  # key path, message, code, suggestion


def declaration_issues(model: PolicyModel) -> list[Problem]:
    """Reads of undeclared attributes and ill-typed uses of declared ones (none if nothing is declared)."""
    specs = model.attributes
    if specs is None:
        return []
    out: list[Problem] = []
    for path, _, when in model.conditions():
        for at, node in cond.walk_paths(when, path):
            out += _node_issues(node, at, specs)
    return out


def _unknown(name: str, path: PathKey, specs: Mapping[str, AttributeSpec]) -> Problem:
    match = difflib.get_close_matches(name, list(specs), n=1, cutoff=0.6)
    return path, f"attribute {name!r} is not declared in `attributes`", "unknown-attribute", match[0] if match else None


def _node_issues(node: Any, at: PathKey, specs: Mapping[str, AttributeSpec]) -> list[Problem]:
    reads_here = cond.attribute_reads(node, at)[:2] if not isinstance(node, (cond.All, cond.Any_, cond.Not)) else []
    unknown = [_unknown(name, path, specs) for path, name in reads_here if name not in specs]
    if unknown or not reads_here:
        return unknown
    if isinstance(node, cond.Compare):
        return _compare_issues(node, at, specs)
    spec = specs[reads_here[0][1]]
    if isinstance(node, cond.In):
        if spec.kind == "boolean":
            return [((*at, "in"), "`in` on a boolean attribute: use eq", "attribute-operator", None)]
        return [
            ((*at, "in", 1, i), message, "attribute-literal", None)
            for i, v in enumerate(node.in_[1])
            if (message := _literal_problem(spec, v)) is not None
        ]
    if isinstance(node, cond.Prefix) and spec.kind != "string":
        return [((*at, "prefix"), f"`prefix` on a {spec.kind} attribute: it takes strings", "attribute-operator", None)]
    return []


def _compare_issues(node: cond.Compare, at: PathKey, specs: Mapping[str, AttributeSpec]) -> list[Problem]:
    name, pair = node.op
    out: list[Problem] = []
    for j, (mine, other) in enumerate((pair, pair[::-1])):
        if not isinstance(mine, cond.AttributeRef):
            continue
        spec = specs[mine.attribute]
        where = (*at, name, 1 - j)
        if spec.kind == "boolean" and name in _ORDERING:
            out.append(
                ((*at, name), f"{name} orders values: a boolean attribute takes eq or ne", "attribute-operator", None)
            )
        elif isinstance(other, cond.AttributeRef):
            if j == 0 and specs[other.attribute].kind != spec.kind:
                kinds = f"{spec.kind} and {specs[other.attribute].kind}"
                out.append(
                    ((*at, name), f"compares attributes of different types ({kinds})", "attribute-literal", None)
                )
        elif isinstance(other, _NUMERIC_REFS):
            if spec.kind != "number":
                out.append((where, f"compares a {spec.kind} attribute with a number", "attribute-literal", None))
        elif (message := _literal_problem(spec, other, exact=name not in _ORDERING)) is not None:
            suggestion = _boolean_hint(other) if spec.kind == "boolean" else None
            out.append((where, message, "attribute-literal", suggestion))
    return out


def _boolean_hint(value: Any) -> str | None:
    if isinstance(value, str) and value.lower() in ("yes", "y", "on", "true"):
        return "true"
    if isinstance(value, str) and value.lower() in ("no", "n", "off", "false"):
        return "false"
    return None


def _literal_problem(spec: AttributeSpec, value: Any, exact: bool = True) -> str | None:
    found = spec.problem(value)
    if found is None or (not exact and found[0] in ("attribute-enum", "attribute-pattern")):
        return None
    code, message = found
    if code == "attribute-type":
        return f"a {spec.kind} attribute compared with {value!r}, a value of another type"
    return f"{message}, so the comparison never depends on the counterparty"


# ---------------------------------------------------------------- the counterparty side
def counterparty_issues(specs: Mapping[str, AttributeSpec], attributes: Mapping[str, Any]) -> list[FieldIssue]:
    """The counterparty's attributes that break the declarations, in declaration order."""
    out = []
    for name, spec in specs.items():
        issue = attribute_issue(name, spec, attributes.get(name))
        if issue is not None:
            out.append(issue)
    return out


def attribute_issue(name: str, spec: AttributeSpec, value: Any) -> FieldIssue | None:
    """The problem of one attribute value (``None``: not given), or None when it is fine."""
    if value is None:
        if spec.required:
            return FieldIssue(
                f"attributes.{name}", "required by the policy (declared required: true)", None, "attribute-required"
            )
        return None
    found = spec.problem(value)
    if found is None:
        return None
    code, message = found
    return FieldIssue(f"attributes.{name}", message, value, code)


def column_issues(
    specs: Mapping[str, AttributeSpec], columns: Mapping[str, Any], n: int
) -> dict[int, list[FieldIssue]]:
    """Per row of columnar attributes (``None`` = not given): its issues, as :func:`counterparty_issues`."""
    out: dict[int, list[FieldIssue]] = {}
    for name, spec in specs.items():
        values = columns.get(name)
        if values is None:
            if spec.required:
                issue = attribute_issue(name, spec, None)
                assert issue is not None
                for row in range(n):
                    out.setdefault(row, []).append(issue)
            continue
        if isinstance(values, np.ndarray) and not spec.required and bool(np.all(values == None)):  # noqa: E711
            continue  # no row gives it, and it is optional: nothing to check
        memo: dict[tuple[type, Any], FieldIssue | None] = {}
        for row, value in enumerate(values.tolist() if hasattr(values, "tolist") else values):
            key = (type(value), value)
            if key not in memo:
                memo[key] = attribute_issue(name, spec, value)
            got = memo[key]
            if got is not None:
                out.setdefault(row, []).append(got)
    return out
