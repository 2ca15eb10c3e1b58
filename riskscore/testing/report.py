"""Render a test :class:`~riskscore.testing.runner.Report` as text, JSON or JUnit XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from .runner import Report

__all__ = ["render", "render_json", "render_junit", "render_text"]


def render_text(report: Report, *, coverage: bool = False) -> str:
    """Failures in full, then a one-line summary (and the coverage report if asked).

    A file that did not name its policy (the bundled default ran, or ``--policy``
    replaced it) gets a ``NOTE`` line saying which policy it ran against.
    """
    lines: list[str] = [f"NOTE {f.describe()}" for f in report.files if f.source != "file"]
    lines += [f"ERROR {e}" for e in report.errors]
    for o in report.outcomes:
        if o.status != "passed":
            lines += [o.render(), ""]
    if coverage:
        lines += [c.render() for c in report.coverage.values()]
    lines.append(
        f"{report.count('passed')} passed, {report.count('failed')} failed, "
        f"{report.count('error') + len(report.errors)} error(s)"
    )
    return "\n".join(lines) + "\n"


def render_json(report: Report, *, coverage: bool = False) -> str:
    """Every outcome, file-level errors and (if asked) coverage as one JSON document."""
    data: dict[str, Any] = {
        "passed": report.count("passed"),
        "failed": report.count("failed"),
        "errors": report.count("error") + len(report.errors),
        "file_errors": report.errors,
        "files": [
            {
                "file": f.file,
                "policy": f.policy_path,
                "policy_id": f.policy_id,
                "policy_version": f.policy_version,
                "policy_source": f.source,
            }
            for f in report.files
        ],
        "cases": [
            {
                "id": o.case_id,
                "file": o.file,
                "line": o.line,
                "status": o.status,
                "failures": o.failures,
                "codes": [i.code for i in o.issues],
                "score": o.result.score if o.result else None,
                "tier": o.result.tier if o.result else None,
                "explanation": o.explanation,
            }
            for o in report.outcomes
        ],
    }
    if coverage:
        data["coverage"] = [c.to_json() for c in report.coverage.values()]
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render_junit(report: Report, *, coverage: bool = False) -> str:
    """JUnit XML (one testsuite per test file) for CI systems that display test results."""
    root = ET.Element("testsuites", name="riskscore policy tests")
    suites: dict[str, ET.Element] = {}
    runs = {f.file: f for f in report.files}
    for o in report.outcomes:
        suite = suites.get(o.file)
        if suite is None:
            suite = suites[o.file] = ET.SubElement(root, "testsuite", name=o.file)
            run = runs.get(o.file)
            if run is not None:  # which policy the file ran against
                props = ET.SubElement(suite, "properties")
                ET.SubElement(props, "property", name="policy", value=run.policy_path)
                ET.SubElement(props, "property", name="policy_id", value=f"{run.policy_id} {run.policy_version}")
                ET.SubElement(props, "property", name="policy_source", value=run.source)
        case = ET.SubElement(
            suite, "testcase", name=o.case_id, classname=o.file, file=o.file, line=str(o.line), time=f"{o.seconds:.4f}"
        )
        if o.status != "passed":
            tag = "failure" if o.status == "failed" else "error"
            el = ET.SubElement(case, tag, message=o.failures[0] if o.failures else o.status)
            el.text = o.render()
    for suite in suites.values():
        cases = suite.findall("testcase")
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
        suite.set("errors", str(sum(1 for c in cases if c.find("error") is not None)))
    if report.errors:
        suite = ET.SubElement(
            root, "testsuite", name="load", tests=str(len(report.errors)), errors=str(len(report.errors))
        )
        for i, err in enumerate(report.errors):
            ET.SubElement(ET.SubElement(suite, "testcase", name=f"load-{i}"), "error", message=err).text = err
    if coverage:
        props = ET.SubElement(root, "properties")
        for c in report.coverage.values():
            ET.SubElement(props, "property", name=f"coverage:{c.policy.id}", value=f"{c.percent:g}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def render(report: Report, fmt: str, *, coverage: bool = False) -> str:
    """Render in ``fmt``: ``text``, ``json`` or ``junit``."""
    renderers = {"text": render_text, "json": render_json, "junit": render_junit}
    return renderers[fmt](report, coverage=coverage)
