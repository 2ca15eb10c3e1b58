"""Warnings of ``riskscore diff`` about the two policies themselves (codes in ``_codes.WARNING_CODES``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .policy import Policy

__all__ = ["DiffWarning", "policy_warnings"]


@dataclass(frozen=True)
class DiffWarning:
    """One warning: a stable kebab-case ``code`` and an English ``message``."""

    code: str
    message: str

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"

    def as_json(self) -> dict[str, str]:
        """``{"code": ..., "message": ...}``."""
        return {"code": self.code, "message": self.message}


def policy_warnings(old: Policy, new: Policy, as_of: date) -> list[DiffWarning]:
    """Same version but another fingerprint; other authorities applied; list data differing after ``as_of``."""
    from ._lists_cli import compare_lists

    out: list[DiffWarning] = []
    if old.version == new.version and old.fingerprint != new.fingerprint:
        out.append(
            DiffWarning(
                "diff-same-version",
                f"both policies say version {old.version!r} ({old.id} and {new.id}) but their fingerprints differ "
                f"({old.fingerprint[:12]} and {new.fingerprint[:12]}): a result's version does not tell them apart; "
                "give the new policy a new version",
            )
        )
    if old.authorities != new.authorities:
        gone = sorted(set(old.authorities) - set(new.authorities))
        added = sorted(set(new.authorities) - set(old.authorities))
        what = "; ".join(
            [
                *([f"no longer applied: {', '.join(gone)}"] if gone else []),
                *([f"newly applied: {', '.join(added)}"] if added else []),
            ]
        )
        out.append(
            DiffWarning(
                "diff-authorities",
                f"the policies apply different authorities (old: {', '.join(old.authorities)}; "
                f"new: {', '.join(new.authorities)}; {what}): every list of those authorities enters or leaves",
            )
        )
    later = compare_lists(old, new, as_of, None)["lists"]
    if later:
        count = sum(len(item["changes"]) for item in later)
        names = ", ".join(item["list"] for item in later)
        out.append(
            DiffWarning(
                "diff-later-list-changes",
                f"{count} list change(s) dated after {as_of} differ between the policies ({names}): "
                f"this diff as of {as_of} does not show their effect; run it with a later --as-of to see it",
            )
        )
    return out
