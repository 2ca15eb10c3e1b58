"""JSON Schema for the file formats, generated from the pydantic models.

Editors that speak the YAML language server get completion and validation from these;
the shipped files point at ``rules/schema/*.schema.json`` in their first line.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel

from .lists import JurisdictionList
from .policy_model import PolicyModel

__all__ = ["SCHEMA_KINDS", "json_schema", "schema_text"]

SCHEMA_KINDS = ("policy", "list", "tests", "amendment")


def json_schema(kind: Literal["policy", "list", "tests", "amendment"]) -> dict[str, Any]:
    """The JSON Schema of a policy, list, policy test (``*.cases.yaml``) or amendment (``*.amend.yaml``) file."""
    from ._amend import Amendment
    from .testing.cases import CaseFile

    models: dict[str, type[BaseModel]] = {
        "policy": PolicyModel,
        "list": JurisdictionList,
        "tests": CaseFile,
        "amendment": Amendment,
    }
    model = models[kind]
    schema = model.model_json_schema(by_alias=True)
    if kind == "tests":  # a counterparty's id defaults to its case id or fixture name
        schema["$defs"]["Counterparty"].pop("required", None)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"riskscore {kind} file"
    return schema


def schema_text(kind: Literal["policy", "list", "tests", "amendment"]) -> str:
    """The schema as stable, indented JSON text (as written to rules/schema/)."""
    return json.dumps(json_schema(kind), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
