"""The network's error lives in the one error tree (:mod:`riskscore.errors`)."""

from __future__ import annotations

from ..errors import NetworkError

__all__ = ["NetworkError"]
