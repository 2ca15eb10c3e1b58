"""Validating located YAML data into the pydantic models of the file formats.

Every validation error becomes an :class:`~riskscore.Issue` with file, line, column and key
path; an unknown key gets a "did you mean" suggestion drawn from the model whose keys best
match the mapping's other keys.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable
from types import GenericAlias
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ._yaml import LocatedData, PathKey
from .errors import Issue, PolicyError
from .lists import JurisdictionList, PathErrors
from .policy_model import PolicyModel

__all__ = ["suggest", "validate_located"]

M = TypeVar("M", bound=BaseModel)


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
    return suggest(key, sorted(set().union(*best) - present - {key}))


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


def suggest(word: str, choices: Iterable[str]) -> str | None:
    """The choice closest to ``word`` (a "did you mean"), or None when none is close."""
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
