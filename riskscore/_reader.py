"""Reading the files of one policy: regular files only, within policy-wide budgets.

:class:`PolicyReader` opens, checks and parses each file (the policy file and its list files),
charging bytes and YAML nodes to budgets shared by all of them; :func:`list_files` finds
the list files a policy's ``lists:`` names. The limits themselves are
``riskscore.policy.MAX_POLICY_FILES``, ``MAX_POLICY_BYTES`` and ``MAX_POLICY_NODES``.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from . import _amend
from ._yaml import MAX_FILE_BYTES, LocatedData, NodeBudget, load_bytes
from .errors import Issue, PolicyError

__all__ = ["PolicyReader", "list_files"]

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)  # a FIFO must not block
_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"))
_MISSING = (errno.ENOENT, errno.ENOTDIR, errno.ENAMETOOLONG, errno.ELOOP)


class _NotRegular(Exception):
    """The path opened is not a regular file (a FIFO, a device, a folder...)."""

    def __init__(self, mode: int) -> None:
        self.what = next((name for test, name in _KINDS if test(mode)), "not a regular file")
        super().__init__(self.what)


class PolicyReader:
    """Reads the files of one policy: regular files only, within the policy-wide budgets.

    Every file is opened without blocking and checked with ``fstat`` on the open file (after
    symlinks are resolved, and with no window to swap the file), so a FIFO or a link to
    ``/dev/stdin`` is refused instead of hanging or swallowing input. Bytes and YAML nodes
    are counted across all files against ``max_bytes`` and ``max_nodes``; ``max_files`` is
    the most list files the policy may name (see :func:`list_files`).
    """

    def __init__(self, max_files: int, max_bytes: int, max_nodes: int) -> None:
        self.max_files, self.max_bytes = max_files, max_bytes
        self.nodes = NodeBudget(max_nodes, "a policy and its lists")
        self.bytes_left = max_bytes
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
                    f"a policy and its lists hold more than {self.max_bytes} bytes, the limit (MAX_POLICY_BYTES)",
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


def list_files(policy_path: Path, entries: list[str], located: LocatedData, limit: int) -> list[tuple[int, Path]]:
    """The list files named by ``lists:``, each with the index of the entry naming it.

    A folder contributes its ``*.yaml`` files in name order, except the policy file itself
    and ``*.cases.yaml`` test files (so policy, lists and tests can share one folder). More
    than ``limit`` files are refused (without listing a huge folder to its end).
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
                    located.issue(("lists", i), f"cannot read {entry!r}: {exc.strerror}", "io-error")
                ) from None
            mode = None
        if mode is None:
            raise PolicyError(located.issue(("lists", i), f"no list file or folder at {entry!r}", "missing-list"))
        if stat.S_ISDIR(mode):
            found = _folder_files(target, policy_file, located, (entry, i), len(files), limit)
            files.extend((i, f) for f in found)
        else:
            files.append((i, target))  # not a regular file: refused when read, at this entry
        if len(files) > limit:
            break
    if len(files) > limit:
        message = f"the policy names more than {limit} list files, the limit (MAX_POLICY_FILES)"
        raise PolicyError(located.issue(("lists",), message, "too-large"))
    return files


def _folder_files(
    folder: Path, policy_file: Path, located: LocatedData, entry: tuple[str, int], before: int, limit: int
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
                if before + len(found) > limit:
                    break  # enough to refuse; do not list a huge folder to the end
    except OSError as exc:
        message = f"cannot read the folder {entry[0]!r}: {exc.strerror or exc}"
        raise PolicyError(located.issue(("lists", entry[1]), message, "io-error")) from None
    return sorted(found)


def _same_file(path: Path, resolved: Path) -> bool:
    try:
        return path.resolve() == resolved
    except (OSError, RuntimeError):  # a link loop: refused when read
        return False
