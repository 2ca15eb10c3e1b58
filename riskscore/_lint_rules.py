"""Policy lint checks over rules, overrides and attributes, one at a time.

``eba-override-rationale`` (an override that does not explain itself), ``dead-rule`` /
``dead-override`` (what can never fire) and ``undeclared-attribute`` (an attribute read by
a policy that declares no ``attributes``).
"""

from __future__ import annotations

from ._lint_context import LintContext
from ._yaml import PathKey
from .attributes import reads

__all__ = ["RuleChecks"]

_PLACEHOLDERS = {"todo", "tbd", "fixme", "n/a", "na", "none", "-", "xxx", "see above", "rationale"}


class RuleChecks(LintContext):
    """Checks of each rule and override on its own."""

    def rationale(self) -> None:
        """``eba-override-rationale``: a rationale under four words or twenty characters, or a placeholder."""
        for i, o in enumerate(self.m.overrides):
            text = " ".join(o.rationale.split())
            if len(text) < 20 or len(text.split()) < 4 or text.lower().strip(" .") in _PLACEHOLDERS or text == o.id:
                self.add(
                    "eba-override-rationale",
                    "warning",
                    o.id,
                    f"override {o.id!r} needs a rationale that explains it (got {o.rationale!r})",
                    ("overrides", i, "rationale"),
                )

    def dead_items(self) -> None:
        """``dead-rule`` / ``dead-override``: what can never fire, and why."""
        for fi, f in enumerate(self.m.factors):
            for ri, r in enumerate(f.rules):
                if r.id in self.dead:
                    self.add(
                        "dead-rule",
                        "warning",
                        r.id,
                        f"rule {r.id!r} can never fire: {self.dead[r.id]}",
                        ("factors", fi, "rules", ri),
                    )
        for oi, o in enumerate(self.m.overrides):
            if o.id in self.dead:
                self.add(
                    "dead-override",
                    "warning",
                    o.id,
                    f"override {o.id!r} can never fire: {self.dead[o.id]}",
                    ("overrides", oi),
                )

    def undeclared_attributes(self) -> None:
        """``undeclared-attribute``: each attribute read by a policy without ``attributes``, at its first read."""
        if self.m.attributes is not None:
            return
        first: dict[str, PathKey] = {}
        for path, name in reads(self.m):
            first.setdefault(name, path)
        for name, path in first.items():
            self.add(
                "undeclared-attribute",
                "warning",
                name,
                f"the policy reads attribute {name!r} but declares no `attributes`: its type is not checked, "
                "so a value of the wrong type or a typo silently makes conditions false",
                path,
            )
