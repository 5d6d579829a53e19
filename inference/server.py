"""The worker's HTTP face: an OpenAI-compatible API plus Fennec's status, on FastAPI.

The guards (Host/Origin, bearer token, body limit) run before any route, in
`inference.http_guard`; every error is OpenAI-shaped (`inference.http_errors`). The HTTP
layer never touches the model: it submits to the scheduler and relays events.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import asdict

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi

from inference import chat_replies
from inference.api_spec import (
    PAUSE_REQUEST_SCHEMA,
    PRESET_REQUEST_SCHEMA,
    chat_request_schema,
    error_responses,
    json_body,
)
from inference.chat_replies import Reply
from inference.errors import RequestError
from inference.event_relay import EventRelay
from inference.http_errors import (
    error_response,
    install_error_handlers,
    read_json,
    request_error_response,
)
from inference.http_guard import LOOPBACK_HOSTS, GuardPolicy, RequestGuard
from inference.openai_replies import model_object
from inference.openai_schema import MODEL_ALIASES, parse_chat
from inference.probes import install_cluster_routes
from inference.scheduler import Scheduler

MAX_BODY_BYTES = 1 << 20

StatusExtra = Callable[[], dict]

__all__ = ["LOOPBACK_HOSTS", "MAX_BODY_BYTES", "create_app"]


def create_app(
    scheduler: Scheduler,
    token: str,
    extra_hosts: frozenset[str] = frozenset(),
    status_extras: list[StatusExtra] | None = None,
    set_preset: Callable[[str], None] | None = None,
) -> FastAPI:
    """The API app for a running scheduler. `extra_hosts`: non-loopback names the user opted into."""
    app = FastAPI(title="Fennec worker", docs_url=None, redoc_url=None)
    extras = status_extras if status_extras is not None else []
    app.state.status_extras = extras
    model_id = scheduler.status().engine.model
    # Added before the guard, so the guard (added last) runs first, outermost.
    install_cluster_routes(app, scheduler, extras)  # /healthz, /readyz, /metrics, drain gate
    app.add_middleware(
        RequestGuard,
        policy=GuardPolicy(token, LOOPBACK_HOSTS | extra_hosts, MAX_BODY_BYTES),
    )
    install_error_handlers(app)
    errors = error_responses(400, 401, 403, 413, 500)

    @app.get("/v1/models", responses=errors)
    async def models() -> dict:
        return {"object": "list", "data": [model_object(model_id)]}

    @app.get("/v1/models/{model:path}", responses=error_responses(401, 403, 404))
    async def model(model: str):
        if model != model_id and model not in MODEL_ALIASES:
            return error_response(
                404, f"The model '{model}' does not exist", "model", "model_not_found"
            )
        return model_object(model_id)

    @app.get("/v1/fennec/status", responses=errors)
    async def status() -> dict:
        body = asdict(scheduler.status())
        engine = body.pop("engine")
        body |= {key: engine[key] for key in ("device", "model", "batching", "context_length")}
        body["engine"] = engine["name"]
        for extra in extras:
            body |= extra()
        return body

    @app.post(
        "/v1/fennec/preset",
        openapi_extra=json_body(PRESET_REQUEST_SCHEMA),
        responses=error_responses(400, 401, 403, 409, 413),
    )
    async def preset(request: Request):
        body = await read_json(request)
        if set_preset is None:
            return error_response(409, "this worker runs without a governor", "preset")
        chosen = body.get("preset") if isinstance(body, dict) else None
        if not isinstance(chosen, str):
            message = 'send {"preset": "cool" | "balanced" | "performance"}'
            return error_response(400, message, "preset")
        try:
            set_preset(chosen)
        except (ValueError, KeyError) as e:
            return error_response(400, str(e), "preset")
        return {"preset": chosen}

    @app.post(
        "/v1/fennec/pause",
        openapi_extra=json_body(PAUSE_REQUEST_SCHEMA),
        responses=error_responses(400, 401, 403, 413),
    )
    async def pause(request: Request):
        body = await read_json(request)
        paused = body.get("paused") if isinstance(body, dict) else None
        if not isinstance(paused, bool):
            return error_response(400, 'send {"paused": true | false}', "paused")
        scheduler.set_paused(paused)
        return {"paused": paused}

    @app.post(
        "/v1/chat/completions",
        openapi_extra=json_body(chat_request_schema(model_id)),
        responses=error_responses(400, 401, 403, 404, 413, 500),
    )
    async def chat(request: Request):
        try:
            parsed = parse_chat(await read_json(request), model_id)
        except RequestError as e:
            return request_error_response(e)
        events = EventRelay(asyncio.get_running_loop())
        scheduler.submit(parsed.request, events.push)
        rid = f"chatcmpl-{parsed.request.id}"
        reply = Reply(scheduler, parsed.request.id, rid, model_id, events, parsed.request)
        if parsed.stream:
            return await chat_replies.stream(reply, request.receive, parsed.include_usage)
        return await chat_replies.collect(reply, request.receive)

    app.openapi = lambda: _openapi_with_bearer(app)  # type: ignore[method-assign]
    return app


def _openapi_with_bearer(app: FastAPI) -> dict:
    """FastAPI's schema of the routes, plus the bearer token every route needs."""
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version="1", routes=app.routes)
        schema.setdefault("components", {})["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer"}
        }
        schema["security"] = [{"bearer": []}]
        app.openapi_schema = schema
    return app.openapi_schema
