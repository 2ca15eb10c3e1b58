"""A strict, safe YAML reader that remembers where every key came from.

PyYAML's own loaders read ``NO`` (Norway) as ``False``, keep the last of duplicate keys
silently and expand aliases without bound. This reader composes the node graph with the
safe composer (no Python object is ever constructed from a tag), then builds plain data
itself with YAML 1.2 core scalars, refusing duplicate keys, unknown tags, merge keys,
excessive alias expansion (by node count and by expanded text), excessive nesting (checked
while composing, so a deep file cannot exhaust the stack), oversized files, integers past
:data:`MAX_INT_DIGITS` digits and non-finite numbers. Every mapping key and sequence item
gets its ``(line, column)`` recorded, keyed by its path, for error messages.

The format has no includes: a YAML file never names another file (a policy's ``lists``
key names list files, which the policy loader reads; list files name nothing).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.resolver import Resolver

from .errors import Issue, PolicyError

MAX_FILE_BYTES = 5 * 1024 * 1024
"""Largest rule file read (bytes; characters for text)."""
MAX_NODES = 100_000
"""Most nodes a document may expand to, aliases expanded."""
MAX_EXPANDED_CHARS = 20_000_000
"""Most scalar characters a document may expand to, aliases expanded."""
MAX_DEPTH = 64
"""Deepest nesting of mappings and sequences."""
MAX_INT_DIGITS = 18
"""Longest integer literal (digits); longer ones are refused rather than read approximately."""

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


# Characters the YAML reader refuses (YAML 1.1 "printable" is the complement; PyYAML's own set).
_NON_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")  # what YAML counts as a line break


def one_line(text: str) -> str:
    """``text`` with every non-printable character escaped (``\\n``, ``\\x1b``), so an error
    message stays on one line and cannot drive a terminal, whatever a key or value holds."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _bad_character(text: str, file: str, exc: yaml.YAMLError) -> PolicyError:
    """The reader's refusal of a control character, located by line and column.

    PyYAML reports a character offset and libyaml a byte offset, over several lines; the
    first character outside YAML's printable set is the one either refused.
    """
    found = _NON_PRINTABLE.search(text)
    if found is None:
        return PolicyError(Issue(f"YAML error: {one_line(str(exc))}", file=file, code="yaml-syntax"))
    pos = found.start()
    breaks = list(_LINE_BREAK.finditer(text, 0, pos))
    return PolicyError(
        Issue(
            f"control character U+{ord(found.group()):04X} is not allowed in a YAML file",
            file=file,
            line=len(breaks) + 1,
            column=pos - (breaks[-1].end() if breaks else 0) + 1,
            code="yaml-syntax",
        )
    )


class _TooDeep(Exception):
    def __init__(self, mark: yaml.Mark) -> None:
        self.mark = mark


class _TooMany(Exception):
    def __init__(self, mark: yaml.Mark) -> None:
        self.mark = mark


class _DepthLimited(Composer):
    """PyYAML's composer, refusing deep nesting and too many nodes while it composes.

    The composer recurses once per nesting level, so a file of 10,000 ``[`` would exhaust
    the Python stack before any later check ran; and a 5 MB file of ``- 1`` lines would be
    composed whole (seconds of work) before the builder's node count saw it. Composed nodes
    never outnumber built ones (an alias is composed once, built once per use), so this
    refuses nothing the builder would accept.
    """

    _depth = 0
    _composed = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self._depth += 1
        self._composed += 1
        try:
            if self._depth > MAX_DEPTH + 1:
                raise _TooDeep(self.peek_event().start_mark)  # type: ignore[attr-defined]
            if self._composed > MAX_NODES:
                raise _TooMany(self.peek_event().start_mark)  # type: ignore[attr-defined]
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


if yaml.__with_libyaml__:  # libyaml scans and parses about 6x faster; nodes are composed in Python
    from yaml._yaml import CParser

    class _Loader(_DepthLimited, CParser, Resolver):
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            Composer.__init__(self)
            Resolver.__init__(self)

else:  # pragma: no cover - PyYAML built without libyaml

    class _Loader(_DepthLimited, yaml.SafeLoader):  # type: ignore[no-redef]
        pass


class LocatedData:
    """Parsed YAML data plus the source position of every path in it."""

    def __init__(self, data: Any, locations: dict[PathKey, Location], file: str) -> None:
        self.data = data
        self.locations = locations
        self.file = file

    def issue(self, path: PathKey, message: str, code: str, suggestion: str | None = None) -> Issue:
        """An :class:`Issue` at ``path`` of this file, with its line, column and key path."""
        where = self.locate(path)
        return Issue(
            one_line(message),
            file=self.file,
            line=where[0] if where else None,
            column=where[1] if where else None,
            key_path=format_path(path),
            code=code,
            suggestion=one_line(suggestion) if suggestion else suggestion,
        )

    def locate(self, path: PathKey) -> Location | None:
        """Position of ``path``, or of its nearest located ancestor."""
        while True:
            if path in self.locations:
                return self.locations[path]
            if not path:
                return None
            path = path[:-1]


class NodeBudget:
    """A node count shared by several documents, so that a policy and its lists are bounded together.

    :func:`load_text` counts every node it builds against the budget as well as against the
    per-document :data:`MAX_NODES`; past ``limit`` it raises ``too-large`` naming ``what``.
    """

    def __init__(self, limit: int, what: str) -> None:
        self.limit = limit
        self.what = what
        self.used = 0


class _Builder:
    def __init__(self, file: str, budget: NodeBudget | None = None) -> None:
        self.file = file
        self.budget = budget
        self.locations: dict[PathKey, Location] = {}
        self.count = 0
        self.chars = 0

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
        if self.budget is not None:
            self.budget.used += 1
            if self.budget.used > self.budget.limit:
                message = f"{self.budget.what} expand to more than {self.budget.limit} YAML nodes, the limit"
                raise self.fail(node, message, "too-large", path)
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
        self.chars += len(text)
        if self.chars > MAX_EXPANDED_CHARS:
            raise self.fail(node, f"document expands to more than {MAX_EXPANDED_CHARS} characters", "too-large", path)
        if node.style or node.tag == "tag:yaml.org,2002:str":  # plain style is None, or "" from libyaml
            return text  # quoted or explicitly a string
        if text in ("", "~", "null", "Null", "NULL"):
            return None
        if text in ("true", "True", "TRUE"):
            return True
        if text in ("false", "False", "FALSE"):
            return False
        if _INT.match(text):
            digits = text.replace("_", "").lstrip("+-")
            if len(digits) > MAX_INT_DIGITS:
                raise self.fail(node, f"integer of {len(digits)} digits is too large", "bad-number", path)
            return int(text.replace("_", ""))
        if _FLOAT.match(text) and any(c.isdigit() for c in text):
            number = float(text.replace("_", ""))
            if not math.isfinite(number):
                raise self.fail(node, f"number {text!r} is out of range", "bad-number", path)
            return number
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
            out += f".{one_line(part)}" if out else one_line(part)
    return out


_LIBYAML_DEPTH = "maximum nesting depth"


def _at(mark: yaml.Mark | None, file: str, message: str, code: str) -> PolicyError:
    """A one-issue PolicyError located at a YAML mark (0-based) as file:line:col (1-based)."""
    line = mark.line + 1 if mark else None
    column = mark.column + 1 if mark else None
    return PolicyError(Issue(message, file=file, line=line, column=column, code=code))


def load_text(text: str, file: str, budget: NodeBudget | None = None) -> LocatedData:
    """Parse YAML text strictly. Raises :class:`PolicyError` with file:line on any problem.

    ``budget``, if given, is charged with every node built (see :class:`NodeBudget`).
    """
    if len(text) > MAX_FILE_BYTES:
        raise PolicyError(
            Issue(f"text is {len(text)} characters; the limit is {MAX_FILE_BYTES}", file=file, code="too-large")
        )
    nodes: list[yaml.Node] = []
    loader: _Loader | None = None
    try:
        loader = _Loader(text)
        while loader.check_node() and len(nodes) < 2:
            node = loader.get_node()
            if node is not None:
                nodes.append(node)
    except _TooDeep as exc:
        raise _at(exc.mark, file, f"nesting deeper than {MAX_DEPTH} levels", "too-deep") from None
    except _TooMany as exc:
        raise _at(exc.mark, file, f"document has more than {MAX_NODES} nodes", "too-large") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if _LIBYAML_DEPTH in str(exc.problem or ""):
            # PyYAML 6.0.2+ bundles a libyaml that stops flow nesting past 1,000 levels itself,
            # before our own composer count sees it: the same refusal, so the same code.
            raise _at(mark, file, f"nesting deeper than {MAX_DEPTH} levels", "too-deep") from None
        raise PolicyError(
            Issue(
                f"YAML syntax error: {exc.problem or exc}",
                file=file,
                line=mark.line + 1 if mark else None,
                column=mark.column + 1 if mark else None,
                code="yaml-syntax",
            )
        ) from None
    except yaml.reader.ReaderError as exc:
        raise _bad_character(text, file, exc) from None
    except yaml.YAMLError as exc:
        raise PolicyError(Issue(f"YAML error: {one_line(str(exc))}", file=file, code="yaml-syntax")) from None
    finally:
        if loader is not None:
            loader.dispose()
    if not nodes:
        raise PolicyError(Issue("file is empty", file=file, code="empty-file"))
    if len(nodes) > 1:
        raise PolicyError(Issue("file holds more than one YAML document", file=file, code="multi-document"))
    builder = _Builder(file, budget)
    data = builder.build(nodes[0], (), 0)
    return LocatedData(data, builder.locations, file)


def load_bytes(raw: bytes, file: str, budget: NodeBudget | None = None) -> LocatedData:
    """Parse YAML bytes: at most :data:`MAX_FILE_BYTES`, UTF-8 (a leading BOM is allowed)."""
    if len(raw) > MAX_FILE_BYTES:
        raise PolicyError(Issue(f"file is over {MAX_FILE_BYTES} bytes, the limit", file=file, code="too-large"))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PolicyError(
            Issue(f"file is not valid UTF-8 (byte offset {exc.start})", file=file, code="encoding")
        ) from None
    return load_text(text, file, budget)


def load_file(path: Path) -> LocatedData:
    """Read and parse a YAML file, refusing oversized and non-UTF-8 files.

    At most ``MAX_FILE_BYTES + 1`` bytes are read, so a file whose size the operating
    system misreports (``/proc``, a growing file) cannot make the read unbounded.
    """
    name = str(path)
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except (OSError, ValueError) as exc:  # ValueError: an embedded NUL byte in the path
        raise PolicyError(
            Issue(f"cannot read file: {getattr(exc, 'strerror', None) or exc}", file=name[:500], code="io-error")
        ) from None
    return load_bytes(raw, name)
