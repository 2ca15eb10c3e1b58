"""A small onboarding-scoring service on riskscore (the docs' cookbook, docs/cookbook.md).

Run it with ``pip install -e '.[cookbook]' uvicorn`` then ``uvicorn examples.fastapi_service:app``
from a checkout; ``RISKSCORE_POLICY=path/to/policy.yaml`` picks a policy other than the bundled one.

- ``POST /score?as_of=YYYY-MM-DD``: the body is one counterparty as JSON; the answer is the
  :class:`riskscore.Result` as JSON (score, tier, contributions, sources, fingerprint...).
- ``POST /explain?as_of=YYYY-MM-DD``: the same input; the answer is the explanation as Markdown.
- ``GET /health``: the policy served (id, version, fingerprint) and the engine version.

The policy is loaded and validated once, when the app is created: a bad policy stops the
service from starting rather than failing every request. Requests share it; scoring runs in
FastAPI's thread pool, so it does not block the event loop. Every :class:`riskscore.RiskscoreError`
(an invalid counterparty, an unknown country, a bad date) becomes a 422 answer naming the field
path, the code and the code's documentation page; nothing is scored from a partial input.
"""

from __future__ import annotations

import os
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse

import riskscore


def _issues(exc: riskscore.RiskscoreError) -> list[dict[str, Any]]:
    """Every problem of an error as ``{path, code, message, docs}``."""
    if isinstance(exc, riskscore.CounterpartyError):
        return [{"path": i.path, "code": i.code, "message": i.message, "docs": i.docs} for i in exc.issues]
    if isinstance(exc, riskscore.CountryError):
        return [{"path": exc.path, "code": exc.code, "message": str(exc), "docs": exc.docs}]
    if isinstance(exc, riskscore.AsOfError):
        return [{"path": "as_of", "code": exc.code, "message": str(exc), "docs": exc.docs}]
    if isinstance(exc, riskscore.PolicyError):
        return [{"path": i.key_path, "code": i.code, "message": i.message, "docs": i.docs} for i in exc.issues]
    return [{"path": "", "code": "invalid", "message": str(exc), "docs": "docs/errors.md"}]


async def _refused(request: Request, exc: Exception) -> JSONResponse:
    """422 for any RiskscoreError: the input was refused, with every field path."""
    assert isinstance(exc, riskscore.RiskscoreError)
    return JSONResponse(status_code=422, content={"error": type(exc).__name__, "issues": _issues(exc)})


def create_app(policy: riskscore.Policy | None = None) -> FastAPI:
    """The service for ``policy`` (default: ``$RISKSCORE_POLICY`` or the bundled policy), loaded now."""
    if policy is None:
        policy = riskscore.load_policy(os.environ.get("RISKSCORE_POLICY") or None)
    app = FastAPI(title="riskscore onboarding service", version=riskscore.__version__)
    app.add_exception_handler(riskscore.RiskscoreError, _refused)

    async def score(request: Request, as_of: str | None) -> riskscore.Result:
        # parse_counterparty_json bounds the body's size and depth and refuses unknown fields.
        counterparty = riskscore.parse_counterparty_json(await request.body())
        # Scoring is CPU work: off the event loop, in a thread (a loaded Policy is safe to share).
        # as_of None scores as of today; a bad date raises AsOfError.
        return await run_in_threadpool(policy.score, counterparty, as_of)

    @app.post("/score")
    async def score_endpoint(request: Request, as_of: str | None = None) -> JSONResponse:
        result = await score(request, as_of)
        return JSONResponse(result.model_dump(mode="json"))

    @app.post("/explain", response_class=PlainTextResponse)
    async def explain_endpoint(request: Request, as_of: str | None = None) -> PlainTextResponse:
        result = await score(request, as_of)
        return PlainTextResponse(result.explain(markdown=True), media_type="text/markdown")

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {
            "status": "ok",
            "policy_id": policy.id,
            "policy_version": policy.version,
            "fingerprint": policy.fingerprint,
            "engine_version": riskscore.__version__,
        }

    return app


app = create_app()
