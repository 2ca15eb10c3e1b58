"""mkdocs hook: pages generated at build time, so no stale copy is ever committed.

- ``codes/<code>.md`` for every error code, lint id and warning code of ``riskscore._codes``,
  and ``codes/index.md`` listing them: the pages that ``Issue.docs`` & co. point at;
- ``policy-format-reference.md`` from the JSON Schema of the file-format models (the field
  descriptions are the models' ``Field(description=...)`` texts, as in ``rules/schema/``);
- ``api.md``: an mkdocstrings entry for every name in ``riskscore.__all__``.

- ``index.md`` from ``README.md`` and ``security.md`` from ``SECURITY.md``, their links
  rewritten for the site (``docs/x.md`` -> ``x.md``); a link from a page to another file of the
  repository that is not on the site keeps its text and names the path.

Pages other engineers add (``OPTIONAL_PAGES``) join the nav when their file exists.
"""

from __future__ import annotations

import ast
import functools
import json
import posixpath
import re
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

import riskscore
from riskscore import _codes
from riskscore.schema import SCHEMA_KINDS, json_schema

REPO = Path(__file__).resolve().parents[2]

# (page, nav title, the nav title it follows)
OPTIONAL_PAGES = (
    ("scale-out.md", "Scale-out: Dask and Spark", "Batch"),
    ("report.md", "Audit report", "Batch"),
    ("explain.md", "Explanations", "Scoring"),
)

KIND_TITLES = {
    "policy": ("Policy file", "A policy: factors, rules, overrides and tiers (`rules/default/policy.yaml`)."),
    "list": ("List file", "A jurisdiction or product list with dated, cited entries (`rules/lists/*.yaml`)."),
    "tests": ("Policy test file", "Test cases for a policy (`*.cases.yaml`)."),
    "amendment": ("Amendment file", "Changes to a shipped list made by a policy owner (`*.amend.yaml`)."),
}


# Files of the repository root that are pages of the site, and their site names.
REPO_PAGES = {"README.md": "index.md", "SECURITY.md": "security.md"}

_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


def _site_link(repo_path: str, anchor: str, depth: int) -> str | None:
    """The site link to a repository file from a page ``depth`` folders down, or None if not on the site."""
    if repo_path in REPO_PAGES:
        path = REPO_PAGES[repo_path]
    elif repo_path.startswith("docs/"):
        path = repo_path[5:]
    else:
        return None
    return "../" * depth + path + (f"#{anchor}" if anchor else "")


def rewrite_links(markdown: str, *, page: str | None) -> str:
    """Links of the site page ``page`` (a path under docs/; None: a root file such as README.md)."""
    base = posixpath.dirname(f"docs/{page}") if page is not None else ""
    depth = page.count("/") if page is not None else 0

    def replace(match: re.Match[str]) -> str:
        text, target = match.groups()
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            return match.group(0)
        path, _, anchor = target.partition("#")
        repo_path = posixpath.normpath(posixpath.join(base, path))
        if repo_path.startswith("docs/") and page is not None:
            return match.group(0)  # a page of the site: mkdocs checks it
        site = _site_link(repo_path, anchor, depth)
        return f"[{text}]({site})" if site is not None else f"{text} (`{repo_path}` in the repository)"

    return _LINK.sub(replace, markdown)


def on_page_markdown(markdown: str, page: Any, config: MkDocsConfig, files: Files) -> str:
    """Rewrite links from a page to files outside ``docs/``."""
    return rewrite_links(markdown, page=page.file.src_uri)


_ROLE = re.compile(r":(?:class|meth|func|attr|data|exc|mod|obj):<code>(~?)([\w.]+)</code>")


def on_page_content(html: str, page: Any, config: MkDocsConfig, files: Files) -> str:
    """Sphinx roles left in docstrings (:class:`~riskscore.Result`) as code, linked on the API page."""

    def replace(match: re.Match[str]) -> str:
        short, target = match.groups()
        name = target.rsplit(".", 1)[-1] if short else target
        if page.file.src_uri == "api.md" and f'id="{target}"' in html:
            return f'<a href="#{target}"><code>{name}</code></a>'
        return f"<code>{name}</code>"

    return _ROLE.sub(replace, html)


# ---------------------------------------------------------------------------- the nav


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Insert each optional page that exists after the page it follows."""
    nav = config.nav or []
    docs = Path(config.docs_dir)
    for page, title, after in OPTIONAL_PAGES:
        if not (docs / page).is_file() or any(page in entry.values() for entry in nav if isinstance(entry, dict)):
            continue
        index = next((n for n, entry in enumerate(nav) if isinstance(entry, dict) and after in entry), len(nav) - 1)
        nav.insert(index + 1, {title: page})
    config.nav = nav
    return config


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add the generated pages."""
    pages = {"codes/index.md": codes_index(), "policy-format-reference.md": policy_reference(), "api.md": api_page()}
    for source, uri in REPO_PAGES.items():
        pages[uri] = rewrite_links((REPO / source).read_text(), page=None)
    for code in all_codes():
        pages[f"codes/{code}.md"] = code_page(code)
    for uri, content in pages.items():
        files.append(File.generated(config, uri, content=content))
    return files


# ---------------------------------------------------------------------------- code pages


def all_codes() -> list[str]:
    """Every registered code once, errors first (``stale-list`` is a lint id and a warning code)."""
    return list(dict.fromkeys([*_codes.ERROR_CODES, *_codes.LINT_IDS, *_codes.WARNING_CODES, *_codes.NETWORK_NOTES]))


@functools.cache
def _sources(folder: str, pattern: str) -> dict[str, str]:
    """The text of each file of a repository folder, by its repository path (read once)."""
    return {p.relative_to(REPO).as_posix(): p.read_text() for p in sorted((REPO / folder).rglob(pattern))}


@functools.cache
def error_sections() -> dict[str, str]:
    """Each error code's section, from the ``# comment`` above its group in ``_codes.py``."""
    source = (REPO / "riskscore" / "_codes.py").read_text()
    block = source.split("ERROR_CODES", 2)[2].split("LINT_IDS")[0]
    sections: dict[str, str] = {}
    current = ""
    for line in block.splitlines():
        stripped = line.strip()
        if stripped.startswith("# "):
            current = stripped[2:]
        elif match := re.match(r'"([a-z0-9-]+)":', stripped):
            sections[match.group(1)] = current
    return sections


def _mentions(code: str, text: str) -> bool:
    return re.search(rf'"{re.escape(code)}"', text) is not None


def raised_in(code: str) -> list[str]:
    """The modules of ``riskscore/`` that name the code as a string literal (the registry aside)."""
    return [
        path
        for path, text in _sources("riskscore", "*.py").items()
        if not path.endswith("/_codes.py") and _mentions(code, text)
    ]


def tested_by(code: str, limit: int = 5) -> list[str]:
    """Up to ``limit`` test functions whose body names the code as a string literal."""
    functions = [(f"{path}::{name}", body) for path, name, body in _test_functions()]
    found = [where for where, body in functions if _mentions(code, body)]
    if not found:  # named inside a longer string, as in pytest.raises(match=r"bad-tag.*")
        word = re.compile(rf"(?<![a-z-]){re.escape(code)}(?![a-z-])")
        found = [where for where, body in functions if word.search(body)]
    return found[:limit]


@functools.cache
def _test_functions() -> list[tuple[str, str, str]]:
    """(path, name, source) of every test function of ``tests/``."""
    found = []
    for path, source in _sources("tests", "test_*.py").items():
        if path == "tests/test_docs_site.py":  # names codes to test this hook, not to raise them
            continue
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                found.append((path, node.name, ast.get_source_segment(source, node) or ""))
    return found


_POLICY_ISSUE = (
    "An `Issue` of a `PolicyError` (`code`, `file`, `line`, `column`, `key_path`); the command line "
    "prints it as `file:line:col: <code>: message` and exits with status 1."
)
_HOW_BY_SECTION = {
    "counterparties and dates given to the API": (
        "The `code` of a `CountryError` or `AsOfError`, or of a `FieldIssue` of a `CounterpartyError` "
        "(with the field path, such as `attributes.NAME`); the record is refused, never scored."
    ),
    "records read by the command line": (
        "A refused record of `riskscore score`, `explain` or `diff`, printed on stderr as "
        "`FILE:LINE:COL: <code>: ...`; the other records are still scored and the command exits with status 1."
    ),
}
_HOW = {
    "lint": (
        "Lint finding",
        "Reported by `riskscore validate` (and `riskscore.lint.lint_policy`) as "
        "`file:line:col: <severity> <code> [subject]: message`; `validate` fails (status 1) on an error, "
        "and with `--strict` on a warning too; a policy may suppress it under `lint.suppress` with a reason.",
    ),
    "warning": (
        "Warning",
        "A `ResultWarning` in `Result.warnings` (`code`, `list_id`, `message`); the score is given, "
        "but it may not reflect every fact.",
    ),
    "network note": (
        "Network note",
        "A `Note` in `Snapshot.notes` or `Closure.notes` (`code`, `message`, the edge numbers) from "
        "`riskscore.network`: a normalisation problem named, never silently fixed (docs/networks.md).",
    ),
}


def code_page(code: str) -> str:
    """The page of one code."""
    kinds = [
        (kind, meaning)
        for kind, registry in (
            ("error", _codes.ERROR_CODES),
            ("lint", _codes.LINT_IDS),
            ("warning", _codes.WARNING_CODES),
            ("network note", _codes.NETWORK_NOTES),
        )
        if (meaning := registry.get(code)) is not None
    ]
    out = [f"# `{code}`", ""]
    for kind, meaning in kinds:
        if kind == "error":
            section = error_sections().get(code, "")
            title, how = f"Error: {section}", _HOW_BY_SECTION.get(section, _POLICY_ISSUE)
        else:
            title, how = _HOW[kind]
        out += [f"## {title}", "", f"**Meaning:** {meaning}.", "", how, ""]
    modules = raised_in(code)
    out += ["## Where it arises", ""]
    out += [f"- `{m}`" for m in modules] or ["- (the code is built from data, not named in one module)"]
    tests = tested_by(code)
    if tests:
        out += ["", "## In the test suite", "", "Tests that name it (most raise it and assert the code):", ""]
        out += [f"- `{t}`" for t in tests]
    out += ["", "See also [Error handling for integrators](../errors.md) and [all codes](index.md).", ""]
    return "\n".join(out)


def codes_index() -> str:
    """The list of every code, linking each page."""
    out = [
        "# Codes",
        "",
        "One page per error code, lint id and warning code. `Issue.docs`, `FieldIssue.docs`, "
        "`ResultWarning.docs`, `CountryError.docs` and `AsOfError.docs` give the page's path in the "
        "repository (`docs/codes/<code>.md`); on this site it is `codes/<code>.html`.",
        "",
    ]
    for title, registry in (
        ("Errors", _codes.ERROR_CODES),
        ("Lint findings", _codes.LINT_IDS),
        ("Warnings", _codes.WARNING_CODES),
        ("Network notes", _codes.NETWORK_NOTES),
    ):
        out += [f"## {title}", "", "| code | meaning |", "|---|---|"]
        out += [f"| [`{code}`]({code}.md) | {meaning} |" for code, meaning in registry.items()]
        out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------------------- policy-format reference


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _type(prop: dict[str, Any], kind: str) -> str:
    """A short rendering of a JSON Schema type, linking model definitions by anchor."""
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{kind}-{name.lower()})"
    if "const" in prop:
        return f"`{json.dumps(prop['const'])}`"
    if "enum" in prop:
        return " \\| ".join(f"`{json.dumps(v)}`" for v in prop["enum"])
    for key in ("anyOf", "oneOf"):
        if key in prop:
            return " or ".join(_type(p, kind) for p in prop[key])
    json_type = prop.get("type", "any")
    if json_type == "array":
        return f"list of {_type(prop.get('items', {}), kind)}"
    if json_type == "object" and isinstance(prop.get("additionalProperties"), dict):
        return f"mapping to {_type(prop['additionalProperties'], kind)}"
    return str(json_type)


_CONSTRAINTS = {
    "minLength": "min length {}",
    "maxLength": "max length {}",
    "minItems": "at least {} item(s)",
    "minimum": "≥ {}",
    "maximum": "≤ {}",
    "exclusiveMinimum": "> {}",
    "exclusiveMaximum": "< {}",
    "pattern": "pattern `{}`",
}


def _constraints(prop: dict[str, Any]) -> str:
    parts = [fmt.format(prop[key]) for key, fmt in _CONSTRAINTS.items() if key in prop]
    if "default" in prop:
        parts.append(f"default `{json.dumps(prop['default'])}`")
    return "; ".join(parts)


def _model_table(kind: str, name: str, model: dict[str, Any], anchor: str) -> list[str]:
    out = [f"### {name} {{#{kind}-{anchor.lower()}}}", ""]
    if model.get("description"):
        out += [" ".join(model["description"].split()), ""]
    props = model.get("properties", {})
    if not props:
        return [*out, f"Type: {_type(model, kind)}", ""]
    required = set(model.get("required", []))
    out += ["| field | type | required | constraints | description |", "|---|---|---|---|---|"]
    for field, prop in props.items():
        req = "yes" if field in required else ""
        desc = _cell(prop.get("description", ""))
        out.append(f"| `{field}` | {_type(prop, kind)} | {req} | {_cell(_constraints(prop))} | {desc} |")
    return [*out, ""]


def _ordered_defs(schema: dict[str, Any]) -> list[str]:
    """Definitions in the order a reader meets them from the root (breadth first)."""
    text_of = {name: json.dumps(d, sort_keys=True) for name, d in schema.get("$defs", {}).items()}
    order: list[str] = []
    queue = [json.dumps({k: v for k, v in schema.items() if k != "$defs"}, sort_keys=True)]
    while queue:
        for ref in re.findall(r'"#/\$defs/([A-Za-z0-9_]+)"', queue.pop(0)):
            if ref not in order:
                order.append(ref)
                queue.append(text_of[ref])
    return order


def policy_reference() -> str:
    """Every field of every file format, with its type, constraints and description."""
    out = [
        "# Policy format reference",
        "",
        "Generated at build time from the file-format models (the same text as the JSON Schema in "
        "`rules/schema/`, printed by `riskscore schema <kind>`). The prose guide is "
        "[Policy format](policy-format.md).",
        "",
    ]
    for kind in SCHEMA_KINDS:
        schema = json_schema(kind)
        title, intro = KIND_TITLES[kind]
        out += [f"## {title}", "", intro, "", f"Schema: `rules/schema/{kind}.schema.json`.", ""]
        root = dict(schema)
        root["description"] = schema.get("description", "")
        out += _model_table(kind, f"{kind} file (top level)", root, "file")
        defs = schema.get("$defs", {})
        for name in _ordered_defs(schema):
            out += _model_table(kind, name, defs[name], name)
    return "\n".join(out)


# ---------------------------------------------------------------------------- API reference


def api_page() -> str:
    """An mkdocstrings entry per public name, in ``riskscore.__all__`` order."""
    out = [
        "# API reference",
        "",
        "The public names of `riskscore` (its `__all__`), from their docstrings. Anything else is "
        "private and may change without notice.",
        "",
    ]
    for name in riskscore.__all__:
        out += [f"::: riskscore.{name}", ""]
    return "\n".join(out)
