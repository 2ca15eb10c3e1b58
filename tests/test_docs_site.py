"""The docs site's generated pages: one page per code, linked from every error, lint and warning.

The build itself (``mkdocs build --strict``) runs in CI's docs step; these tests need no mkdocs
except the last group, which imports the build hook (the ``docs`` extra) and is required in
that step by ``RISKSCORE_REQUIRE_DOCS=1``.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest

import riskscore
from riskscore import _codes

REPO = Path(__file__).resolve().parents[1]
REGISTERED = {*_codes.ERROR_CODES, *_codes.LINT_IDS, *_codes.WARNING_CODES, *_codes.NETWORK_NOTES}


def test_every_registered_code_links_its_own_page() -> None:
    assert {code: _codes.docs_anchor(code) for code in REGISTERED} == {
        code: f"docs/codes/{code}.md" for code in REGISTERED
    }


def test_an_unregistered_schema_code_links_the_schema_errors_section() -> None:
    assert _codes.docs_anchor("extra_forbidden") == "docs/errors.md#schema-errors"
    assert "## Schema errors" in (REPO / "docs" / "errors.md").read_text()


def test_errors_and_warnings_carry_their_page(tmp_path: Path) -> None:
    with pytest.raises(riskscore.PolicyError) as exc:
        riskscore.load_policy_bytes(b"a: [1\n", root=tmp_path)
    assert exc.value.issues[0].docs == "docs/codes/yaml-syntax.md"
    with pytest.raises(riskscore.CountryError) as country:
        riskscore.normalize_country("Narnia")
    assert country.value.docs == "docs/codes/unknown-country.md"
    with pytest.raises(riskscore.AsOfError) as as_of:
        riskscore.load_policy().score({"id": "x"}, "2027-02-30")
    assert as_of.value.docs == "docs/codes/no-such-date.md"
    with pytest.raises(riskscore.CounterpartyError) as cp:
        riskscore.load_policy().score({"id": "x", "owners": [{"country": "DE", "share": 2}]}, "2026-07-01")
    assert cp.value.issues[0].docs == "docs/codes/invalid.md"
    warning = riskscore.ResultWarning(code="stale-list", list_id="l", as_of=date(2026, 1, 1), message="m")
    assert warning.docs == "docs/codes/stale-list.md"
    assert "docs" not in warning.model_dump()  # a property, not part of the stored result


# ---------------------------------------------------------------- the build hook (docs extra)

if os.environ.get("RISKSCORE_REQUIRE_DOCS"):
    import mkdocs  # noqa: F401  (fails loudly in CI's docs step when the extra is missing)


@pytest.fixture(scope="module")
def hook() -> ModuleType:
    pytest.importorskip("mkdocs", reason="the docs build hook needs the 'docs' extra")
    spec = importlib.util.spec_from_file_location("docs_hook", REPO / "docs" / "hooks" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["docs_hook"] = module
    spec.loader.exec_module(module)
    return module


def test_the_hook_writes_one_page_per_code(hook: ModuleType) -> None:
    assert set(hook.all_codes()) == REGISTERED
    page = hook.code_page("stale-list")  # a lint id and a warning code: one page, both meanings
    assert page.startswith("# `stale-list`\n")
    assert _codes.LINT_IDS["stale-list"] in page and _codes.WARNING_CODES["stale-list"] in page
    assert "`riskscore/_lint_lists.py`" in page  # the module of the stale-list check


def test_a_code_page_names_its_section_and_a_test_that_asserts_it(hook: ModuleType) -> None:
    page = hook.code_page("bad-tag")
    assert "## Error: reading YAML files" in page
    assert "`riskscore/_yaml.py`" in page
    assert "tests/test_yaml.py::" in page


def test_the_policy_reference_documents_every_field_with_its_description(hook: ModuleType) -> None:
    page = hook.policy_reference()
    from riskscore.schema import SCHEMA_KINDS, json_schema

    for kind in SCHEMA_KINDS:
        schema = json_schema(kind)
        for model in [schema, *schema.get("$defs", {}).values()]:
            for field, prop in model.get("properties", {}).items():
                assert prop.get("description"), f"{kind}: {field} has no Field(description=...)"
                assert f"| `{field}` |" in page


def test_the_api_page_lists_every_public_name(hook: ModuleType) -> None:
    assert [line for line in hook.api_page().splitlines() if line.startswith(":::")] == [
        f"::: riskscore.{name}" for name in riskscore.__all__
    ]


def test_links_to_repository_files_are_rewritten_for_the_site(hook: ModuleType) -> None:
    readme = "[Scoring](docs/scoring.md#x), [limits](SECURITY.md), [bench](benchmarks/README.md), [w](https://a.b)"
    assert hook.rewrite_links(readme, page=None) == (
        "[Scoring](scoring.md#x), [limits](security.md), bench (`benchmarks/README.md` in the repository), [w](https://a.b)"
    )
    page = "[limits](../SECURITY.md#limits), [fmt](policy-format.md), [code](../riskscore/_codes.py)"
    assert hook.rewrite_links(page, page="errors.md") == (
        "[limits](security.md#limits), [fmt](policy-format.md), code (`riskscore/_codes.py` in the repository)"
    )
    nested = "[errors](../errors.md), [limits](../../SECURITY.md)"  # from docs/codes/<code>.md
    assert hook.rewrite_links(nested, page="codes/bad-tag.md") == "[errors](../errors.md), [limits](../security.md)"
