"""A strict, safe YAML reader that remembers where every key came from.

PyYAML's own loaders read ``NO`` (Norway) as ``False``, keep the last of duplicate keys
silently and expand aliases without bound. This reader composes the node graph with the
safe composer (no Python object is ever constructed from a tag), then builds plain data
itself with YAML 1.2 core scalars, refusing duplicate keys, unknown tags, merge keys,
excessive alias expansion and excessive nesting. Every mapping key and sequence item
gets its ``(line, column)`` recorded, keyed by its path, for error messages.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from .errors import Issue, PolicyError

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_NODES = 200_000
MAX_DEPTH = 64

Location = tuple[int, int]
PathKey = tuple[str | int, ...]

_INT = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_SAFE_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:timestamp",
}


class LocatedData:
    """Parsed YAML data plus the source position of every path in it."""

    def __init__(self, data: Any, locations: dict[PathKey, Location], file: str) -> None:
        self.data = data
        self.locations = locations
        self.file = file

    def locate(self, path: PathKey) -> Location | None:
        """Position of ``path``, or of its nearest located ancestor."""
        while True:
            if path in self.locations:
                return self.locations[path]
            if not path:
                return None
            path = path[:-1]


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.locations: dict[PathKey, Location] = {}
        self.count = 0

    def fail(self, node: yaml.Node, message: str, code: str, path: PathKey = ()) -> PolicyError:
        mark = node.start_mark
        return PolicyError(
            Issue(
                message,
                file=self.file,
                line=mark.line + 1,
                column=mark.column + 1,
                key_path=format_path(path),
                code=code,
            )
        )

    def build(self, node: yaml.Node, path: PathKey, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(node, f"document expands to more than {MAX_NODES} nodes (alias bomb?)", "too-large", path)
        if depth > MAX_DEPTH:
            raise self.fail(node, f"nesting deeper than {MAX_DEPTH} levels", "too-deep", path)
        if node.tag not in _SAFE_TAGS:
            raise self.fail(node, f"tag {node.tag!r} is not allowed", "bad-tag", path)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            out = []
            for i, item in enumerate(node.value):
                self.locations[path + (i,)] = (item.start_mark.line + 1, item.start_mark.column + 1)
                out.append(self.build(item, path + (i,), depth + 1))
            return out
        assert isinstance(node, yaml.ScalarNode)
        return self._scalar(node, path)

    def _mapping(self, node: yaml.MappingNode, path: PathKey, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise self.fail(key_node, "merge keys ('<<') are not supported", "bad-tag", path)
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail(key_node, "mapping keys must be plain scalars", "bad-key", path)
            key = str(key_node.value)
            if key in out:
                first = self.locations.get(path + (key,))
                where = f" (first at line {first[0]})" if first else ""
                raise self.fail(key_node, f"duplicate key {key!r}{where}", "duplicate-key", path + (key,))
            self.locations[path + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            out[key] = self.build(value_node, path + (key,), depth + 1)
        return out

    def _scalar(self, node: yaml.ScalarNode, path: PathKey) -> Any:
        text = node.value
        if node.style is not None or node.tag == "tag:yaml.org,2002:str":
            return text  # quoted or explicitly a string
        if text in ("", "~", "null", "Null", "NULL"):
            return None
        if text in ("true", "True", "TRUE"):
            return True
        if text in ("false", "False", "FALSE"):
            return False
        if _INT.match(text):
            return int(text.replace("_", ""))
        if _FLOAT.match(text) and any(c.isdigit() for c in text):
            return float(text.replace("_", ""))
        if text.lower() in (".nan", ".inf", "-.inf", "+.inf"):
            raise self.fail(node, f"non-finite number {text!r} is not allowed", "bad-number", path)
        return text  # everything else, dates included, stays a string for pydantic


def format_path(path: PathKey) -> str:
    """Render ``('rules', 0, 'when')`` as ``rules[0].when``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def load_text(text: str, file: str) -> LocatedData:
    """Parse YAML text strictly. Raises :class:`PolicyError` with file:line on any problem."""
    try:
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise PolicyError(
            Issue(
                f"YAML syntax error: {exc.problem or exc}",
                file=file,
                line=mark.line + 1 if mark else None,
                column=mark.column + 1 if mark else None,
                code="yaml-syntax",
            )
        ) from None
    except yaml.YAMLError as exc:
        raise PolicyError(Issue(f"YAML error: {exc}", file=file, code="yaml-syntax")) from None
    if not nodes or nodes[0] is None:
        raise PolicyError(Issue("file is empty", file=file, code="empty-file"))
    if len(nodes) > 1:
        raise PolicyError(Issue("file holds more than one YAML document", file=file, code="multi-document"))
    builder = _Builder(file)
    data = builder.build(nodes[0], (), 0)
    return LocatedData(data, builder.locations, file)


def load_file(path: Path) -> LocatedData:
    """Read and parse a YAML file, refusing oversized and non-UTF-8 files."""
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise PolicyError(
                Issue(f"file is {size} bytes; the limit is {MAX_FILE_BYTES}", file=name, code="too-large")
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise PolicyError(Issue(f"cannot read file: {exc.strerror or exc}", file=name, code="io-error")) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError(
            Issue(f"file is not valid UTF-8 (byte offset {exc.start})", file=name, code="encoding")
        ) from None
    return load_text(text, name)
