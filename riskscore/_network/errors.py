"""The network's error: bad graph input, located by table, row and column."""

from __future__ import annotations

from ..errors import RiskscoreError

__all__ = ["NetworkError"]


class NetworkError(RiskscoreError, ValueError):
    """A network input (node or edge table, FtM / BODS / GLEIF record) is invalid."""
