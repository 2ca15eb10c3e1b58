"""Versions of the data a result depends on beyond the policy fingerprint.

The fingerprint covers the policy and its lists; which country and subdivision codes exist,
and their display names, come from pycountry, whose releases add and remove codes. A result
records the pycountry version so it can be reproduced (docs/when-fatf-publishes.md).
"""

from __future__ import annotations

import functools
from importlib.metadata import PackageNotFoundError, version

__all__ = ["data_versions"]


@functools.cache
def _versions() -> tuple[tuple[str, str], ...]:
    try:
        pycountry = version("pycountry")
    except PackageNotFoundError:  # pragma: no cover - a vendored copy without metadata
        pycountry = "unknown"
    return (("pycountry", pycountry),)


def data_versions() -> dict[str, str]:
    """A fresh ``{package: version}`` of the data packages scoring reads (today: pycountry)."""
    return dict(_versions())
