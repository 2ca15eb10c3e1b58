"""The one registry of codes riskscore gives its errors, lint findings and warnings.

Every ``Issue.code``, ``FieldIssue.code``, ``CountryError.code``, ``AsOfError.code``, refusal
code of the command line, lint id, ``ResultWarning.code`` and network ``Note.code`` is a key of one of the
mappings below, each with a one-line meaning. Each code has a page ``docs/codes/<code>.md``, generated
from here when the docs site is built (``docs/hooks/generate.py``); ``docs_anchor`` gives its
path, and ``Issue.docs`` & co. return it, as ruff links each rule to its page. The code table
at the end of ``docs/errors.md`` is generated from here by ``python -m riskscore._codes``. Schema errors that pydantic
finds keep pydantic's own error type (``extra_forbidden``, ``missing``, ``string_type``...) as
their code; the message is ours. ``tests/test_error_codes.py`` checks that every code the
source names is registered and that every registered code has a test asserting it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["ERROR_CODES", "LINT_IDS", "NETWORK_NOTES", "WARNING_CODES", "docs_anchor", "markdown"]

ERROR_CODES: Mapping[str, str] = MappingProxyType(
    {
        # reading YAML files
        "yaml-syntax": "not valid YAML, or a control character in the text",
        "too-deep": "nested deeper than the limit (YAML, JSON or a condition)",
        "too-large": "past a size limit: file bytes, YAML nodes, the policy-wide budget, a record or line",
        "bad-tag": "a YAML tag (`!!python/...`, `!!binary`, a local tag) or merge key",
        "bad-number": "an integer with too many digits, or a non-finite number",
        "duplicate-key": "the same key twice in one mapping",
        "empty-file": "the file holds no YAML document",
        "multi-document": "the file holds more than one YAML document",
        "encoding": "the bytes are not UTF-8",
        "io-error": "a file, folder or standard input cannot be read",
        "not-a-file": "a FIFO, device or other non-regular file where a file is expected",
        "bad-date": "a date that is not written `YYYY-MM-DD` (a number, a week date, a datetime)",
        "no-such-date": "a `YYYY-MM-DD` date that does not exist (`2027-02-30`)",
        # policy files
        "invalid": "a value the file format refuses (the message says which)",
        "bad-key": "a key that is not allowed here",
        "missing-list": "a `lists:` entry names no file or folder",
        "list-kind": "a list used where a list of another kind is needed (countries vs products)",
        "unknown-list": "a reference to a list no loaded file defines",
        "unapplied-list": "a reference to a list whose authority the policy does not apply",
        "duplicate-list": "two list files define the same list id",
        "unknown-authority": "`authorities` names an authority no loaded list is issued by",
        "unknown-factor": "a reference to a factor that does not exist (or is not yet computed)",
        "unknown-tier": "a reference to a tier that does not exist",
        "bad-placeholder": "a `{placeholder}` a rule's reason cannot fill",
        "duplicate-id": "two rules, overrides, tiers or cases share an id",
        "weights-sum": "factor weights do not sum to 1",
        "tier-start": "the first tier does not start at 0",
        "tier-order": "tier minimums do not increase",
        "score-in-rule": "a rule's condition reads the score, which is known only after every rule",
        "no-default": "the bundled default policy is missing from the installation",
        "unknown-attribute": "a condition reads a custom attribute the policy does not declare",
        "attribute-literal": "an attribute compared with a literal of the wrong type or outside its declaration",
        "attribute-operator": "an operator an attribute's declared type does not support",
        "attribute-declaration": "an attribute declaration that is inconsistent",
        "network-fact": "a network fact that is inconsistent (both or neither of `required` and `missing_points`, `edges` on an ownership method)",
        "network-seeds": "a network fact with no seeds (neither `flags` nor `lists`)",
        "bad-pattern": "a declared attribute pattern that is invalid or could be slow",
        # amendment files
        "amend-conflict": "an amendment contradicts the list data or precedes the entry's last change",
        "amend-redundant": "an amendment repeats a change already in the list data: delete it",
        "amend-invalid": "the amended list fails a list check",
        "bad-change": "an amendment change that is inconsistent (a `delist` with a category)",
        "bad-code": "a code that is not canonical for the list",
        "empty-amendment": "an amendment file with no changes and no `reviewed`",
        "unknown-source": "a reference to a source the file does not define",
        # policy test files
        "no-fixtures": "a `fixtures:` entry names no file",
        "unknown-fixture": "a case names a fixture no fixtures file defines",
        "bad-patch": "a case's patch cannot apply to its fixture",
        # counterparties and dates given to the API
        "unknown-country": "a country or subdivision value that is not recognised",
        "ambiguous-country": "a country name that means more than one country (`Congo`)",
        "attribute-type": "a declared attribute given a value of the wrong type",
        "attribute-enum": "a declared enum attribute given a value outside its values",
        "attribute-pattern": "a declared pattern attribute given a value that does not match",
        "attribute-range": "a declared number attribute given a value out of range",
        "attribute-required": "a required attribute is absent or null",
        # records read by the command line
        "bad-json": "a record that is not valid JSON",
        "bad-counterparty": "a record that is valid JSON but not a valid counterparty",
        # stored results given to Policy.verify
        "bad-result": "a stored result that is not valid JSON or not a valid result",
    }
)

LINT_IDS: Mapping[str, str] = MappingProxyType(
    {
        "unreachable-tier": "no counterparty can reach the tier",
        "dead-rule": "a rule that can never fire",
        "dead-override": "an override that can never apply",
        "eba-dominant-factor": "one factor weighs more than the bound",
        "eba-statutory-high": "a statutory high-risk list does not lead to at least the high tier",
        "eba-top-tier-unreachable": "the top tier is reachable only through overrides",
        "eba-override-rationale": "an override without a rationale",
        "unknown-category": "a `category_points` key that no period of the list carries",
        "future-review": "a list `reviewed` after today (it would hide staleness warnings)",
        "stale-list": "a list the policy uses is past its review horizon on the as-of date",
        "undeclared-attribute": "a policy reads custom attributes without declaring them",
        "unused-suppression": "a lint suppression that suppresses nothing",
    }
)

WARNING_CODES: Mapping[str, str] = MappingProxyType(
    {
        "stale-list": "a list was last reviewed before its review horizon on the as-of date",
        "no-history": "a conditions-only list has no recorded history on the as-of date",
        "unknown-status": "a list has no recorded status for these countries on the as-of date",
        "unknown-possible": "bulk output: some countries may have no recorded status on a list",
        "unknown-scored": "bulk output: the policy scores a list's unknown statuses with its unknown_points",
        # riskscore diff: about the two policies compared
        "diff-same-version": "diff: both policies have the same version but different fingerprints",
        "diff-authorities": "diff: the policies apply different authorities (their lists enter or leave)",
        "diff-later-list-changes": "diff: the policies' lists differ in changes dated after the as-of date, not shown",
        "diff-tier-sets": "diff: the policies have different tiers; tier moves are matched by tier name",
        "diff-tier-order": "diff: the tiers both policies have are in a different order",
        "diff-tier-unmapped": "diff: a tier only one policy has; moves between two such tiers have no direction",
    }
)

NETWORK_NOTES: Mapping[str, str] = MappingProxyType(
    {
        "overlapping": "a network: several statements for one holding in force on the date; the latest is kept",
        "over-100": "a network: an asset's definite incoming ownership sums to more than 100 %",
        "unknown-share": "a network: ownership edges with no stated share (statuses may be `possible`)",
        "rule-not-in-force": "a network method whose rule is not in force on the date (BIS affiliates suspended)",
        "rule-unverified": "a network method whose status on the date is not confirmed (BIS after 2026-11-09)",
    }
)


SCHEMA_ERRORS_DOCS = "docs/errors.md#schema-errors"


def docs_anchor(code: str) -> str:
    """The documentation page of a code, as a path in the repository: ``docs/codes/<code>.md``.

    The same page is ``codes/<code>.html`` on the built site (``mkdocs build``). A code that is
    not registered (pydantic's own error types, such as ``missing``) links to the schema-errors
    section of ``docs/errors.md``.
    """
    if code in ERROR_CODES or code in LINT_IDS or code in WARNING_CODES or code in NETWORK_NOTES:
        return f"docs/codes/{code}.md"
    return SCHEMA_ERRORS_DOCS


def markdown() -> str:
    """The code reference section of ``docs/errors.md``."""
    out = ["## Code reference", "", "<!-- generated by `python -m riskscore._codes`: do not edit by hand -->", ""]
    anchored: set[str] = set()
    sections = (
        ("Errors", ERROR_CODES),
        ("Lint findings", LINT_IDS),
        ("Warnings", WARNING_CODES),
        ("Network notes", NETWORK_NOTES),
    )
    for title, codes in sections:
        out += [f"### {title}", "", "| code | meaning |", "|---|---|"]
        for code, meaning in codes.items():
            anchor = "" if code in anchored else f'<a id="{code}"></a>'
            anchored.add(code)
            out.append(f"| {anchor}[`{code}`](codes/{code}.md) | {meaning} |")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    print(markdown())
