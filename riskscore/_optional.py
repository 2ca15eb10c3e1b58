"""Lazy imports of the optional extras (pandas, pyarrow), with an error naming the extra."""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["module_of", "need"]


def need(module: str, extra: str | None = None) -> Any:
    """Import ``module`` or raise ``ImportError`` naming the extra that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        extra = extra or module
        raise ImportError(
            f"this needs {module}, which riskscore does not install by default: "
            f"pip install 'counterparty-riskscore[{extra}]' (or pip install {module})"
        ) from exc


def module_of(obj: object) -> str:
    """The top-level package of ``obj``'s type (``"pandas"`` for a DataFrame), without importing it."""
    return type(obj).__module__.partition(".")[0]
