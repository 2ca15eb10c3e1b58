"""The cookbook's FastAPI service (examples/fastapi_service.py) answers as docs/cookbook.md says.

Needs the ``cookbook`` extra (fastapi, httpx); CI installs it and sets
``RISKSCORE_REQUIRE_COOKBOOK=1``, which turns a missing dependency into a failure, not a skip.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

import pytest

import riskscore

REPO = Path(__file__).resolve().parents[1]

if os.environ.get("RISKSCORE_REQUIRE_COOKBOOK"):
    import fastapi.testclient  # noqa: F401  (fails loudly in CI when the extra is missing)
else:
    pytest.importorskip("fastapi", reason="the cookbook example needs the 'cookbook' extra")
    pytest.importorskip("httpx", reason="fastapi's TestClient needs httpx (the 'cookbook' extra)")

from fastapi.testclient import TestClient  # noqa: E402

TURKISH_EXPORTER = {  # the README's example, as docs/cookbook.md posts it
    "id": "tr-exp-002",
    "incorporation": "Turkey",
    "operations": ["TR"],
    "owners": [{"country": "TR", "share": 1.0}],
    "trade_partners": [{"country": "RU", "share": 0.6}, {"country": "KZ", "share": 0.2}],
    "products": ["854231"],
}


@pytest.fixture(scope="module")
def service() -> Any:
    spec = importlib.util.spec_from_file_location("fastapi_service", REPO / "examples" / "fastapi_service.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["fastapi_service"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def client(service: Any) -> TestClient:
    return TestClient(service.app)


def test_score_returns_the_same_result_as_the_library(client: TestClient) -> None:
    response = client.post("/score", params={"as_of": "2026-07-01"}, json=TURKISH_EXPORTER)
    assert response.status_code == 200
    expected = riskscore.load_policy().score(TURKISH_EXPORTER, "2026-07-01")
    assert response.json() == expected.model_dump(mode="json")
    assert riskscore.Result.model_validate(response.json()) == expected


def test_explain_is_the_markdown_explanation(client: TestClient) -> None:
    response = client.post("/explain", params={"as_of": "2026-07-01"}, json=TURKISH_EXPORTER)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/markdown")
    expected = riskscore.load_policy().score(TURKISH_EXPORTER, "2026-07-01").explain(markdown=True)
    assert response.text == expected


def test_health_names_the_policy_served(client: TestClient) -> None:
    policy = riskscore.load_policy()
    body = client.get("/health").json()
    assert body == {
        "status": "ok",
        "policy_id": policy.id,
        "policy_version": policy.version,
        "fingerprint": policy.fingerprint,
        "engine_version": riskscore.__version__,
    }


def test_an_invalid_counterparty_is_a_422_naming_the_field_path(client: TestClient) -> None:
    bad = {**TURKISH_EXPORTER, "owners": [{"country": "TR", "share": 1.5}]}
    response = client.post("/score", params={"as_of": "2026-07-01"}, json=bad)
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "CounterpartyError"
    assert [i["path"] for i in body["issues"]] == ["owners[0].share"]
    issue = body["issues"][0]
    assert issue["docs"] == riskscore.FieldIssue("", "", code=issue["code"]).docs


def test_an_unknown_country_is_a_422_with_its_path_code_and_page(client: TestClient) -> None:
    response = client.post("/score", json={"id": "x", "incorporation": "Narnia"})
    assert response.status_code == 422
    issue = response.json()["issues"][0]
    assert (issue["path"], issue["code"], issue["docs"]) == ("incorporation", "invalid", "docs/codes/invalid.md")
    assert "Narnia" in issue["message"]


def test_a_bad_as_of_date_is_a_422_not_a_silent_today(client: TestClient) -> None:
    response = client.post("/score", params={"as_of": "2027-02-30"}, json=TURKISH_EXPORTER)
    assert response.status_code == 422
    issue = response.json()["issues"][0]
    assert (issue["path"], issue["code"], issue["docs"]) == ("as_of", "no-such-date", "docs/codes/no-such-date.md")


def test_a_body_that_is_not_json_is_refused(client: TestClient) -> None:
    response = client.post("/score", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422
    issue = response.json()["issues"][0]
    assert (issue["path"], issue["code"]) == ("", "invalid")
    assert issue["message"].startswith("invalid JSON")
