"""Ownership chains and trade networks on the user's own data (provisional API).

Build a :class:`~riskscore.Network` from tables or from FollowTheMoney, BODS 0.4 or GLEIF
records; take its snapshot on a date with :meth:`Network.at`; derive statuses with a named
method (:class:`Method`, :class:`Closure`, each status with its :meth:`Closure.proof`) and
exposures (:func:`look_through`, :func:`hop_distance`, :func:`damped_sum`). See
docs/networks.md for each method's legal source and what it does not decide for you. Policy
facts over these statuses are declared in its `network:` section (docs/networks.md, "In a policy").
"""

from __future__ import annotations

from ._network.adapters import read_bods, read_ftm, read_gleif
from ._network.errors import NetworkError
from ._network.exposure import Exposure, damped_sum, hop_distance, look_through
from ._network.graph import EDGE_KINDS, NODE_KINDS, Network
from ._network.ownership import METHODS, Closure, Method, Proof, Stake
from ._network.shares import Share, parse_percentage
from ._network.snapshot import Note, Snapshot
from ._network.tables import read_tables

__all__ = [
    "EDGE_KINDS",
    "METHODS",
    "NODE_KINDS",
    "Closure",
    "Exposure",
    "Method",
    "Network",
    "NetworkError",
    "Note",
    "Proof",
    "Share",
    "Snapshot",
    "Stake",
    "damped_sum",
    "hop_distance",
    "look_through",
    "parse_percentage",
    "read_bods",
    "read_ftm",
    "read_gleif",
    "read_tables",
]
