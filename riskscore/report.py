"""Audit reports: a self-contained HTML page per counterparty or for a batch (docs/report.md).

>>> import riskscore, riskscore.report
>>> policy = riskscore.load_policy()
>>> result = policy.score({"id": "cp-1", "incorporation": "DE"}, "2026-07-01")
>>> page = riskscore.report.html([(result, "Example GmbH")], policy)
>>> page.startswith("<!DOCTYPE html>") and "cp-1" in page
True

:func:`html` renders results already scored; :class:`AuditReport` takes them one at a time
in bounded memory (what ``riskscore report`` does), with a ``progress`` callback.
"""

from __future__ import annotations

from ._report import MAX_DETAILS, MAX_REFUSALS, MAX_ROWS, AuditReport, Progress, html

__all__ = ["MAX_DETAILS", "MAX_REFUSALS", "MAX_ROWS", "AuditReport", "Progress", "html"]

AuditReport.__module__ = __name__
html.__module__ = __name__
