"""The worker's HTTP face: an OpenAI-compatible API plus Fennec's status, on FastAPI.

Guards, in order: Host and Origin must be loopback (a web page cannot reach us through DNS
rebinding), a bearer token on every /v1 route, and a request size limit. The HTTP layer
never touches the model: it submits to the scheduler and relays events.
"""

from __future__ import annotations

import asyncio
import hmac
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from inference.errors import RequestError
from inference.event_relay import COALESCE_S, EventRelay
from inference.openai_schema import chunk, completion, error_body, parse_chat
from inference.scheduler import Scheduler

MAX_BODY_BYTES = 1 << 20
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
DISCONNECT_POLL_S = 0.5

StatusExtra = Callable[[], dict]


def _hostname(value: str) -> str:
    if value.startswith("["):  # [::1]:8080
        return value[1 : value.find("]")]
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def _error(
    status: int,
    message: str,
    kind: str = "invalid_request_error",
    param: str | None = None,
    code: str | None = None,
) -> JSONResponse:
    return JSONResponse(error_body(message, kind, param, code), status_code=status)


def create_app(
    scheduler: Scheduler,
    token: str,
    extra_hosts: frozenset[str] = frozenset(),
    status_extras: list[StatusExtra] | None = None,
    set_preset: Callable[[str], None] | None = None,
) -> FastAPI:
    """The API app for a running scheduler. `extra_hosts`: non-loopback names the user opted into."""
    app = FastAPI(title="Fennec worker", docs_url=None, redoc_url=None, openapi_url=None)
    allowed_hosts = LOOPBACK_HOSTS | set(extra_hosts)
    extras = status_extras if status_extras is not None else []
    app.state.status_extras = extras
    model_id = scheduler.status().engine.model

    @app.middleware("http")
    async def guard(request: Request, call_next):
        host = _hostname(request.headers.get("host", ""))
        if host not in allowed_hosts:
            return _error(403, f"Host {host!r} is not allowed", "permission_error")
        origin = request.headers.get("origin")
        if origin and origin != "null":
            origin_host = urlsplit(origin).hostname or ""
            if origin_host not in allowed_hosts:
                return _error(403, f"Origin {origin!r} is not allowed", "permission_error")
        if request.url.path.startswith("/v1"):
            auth = request.headers.get("authorization", "")
            scheme, _, given = auth.partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip(), token):
                return _error(
                    401,
                    "missing or wrong bearer token",
                    "authentication_error",
                    code="invalid_api_key",
                )
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            return _error(413, f"request body over {MAX_BODY_BYTES} bytes")
        return await call_next(request)

    @app.get("/v1/models")
    async def models() -> dict:
        return {
            "object": "list",
            "data": [{"id": model_id, "object": "model", "created": 0, "owned_by": "fennec"}],
        }

    @app.get("/v1/fennec/status")
    async def status() -> dict:
        s = scheduler.status()
        body = asdict(s)
        engine = body.pop("engine")
        body |= {
            "engine": engine["name"],
            "device": engine["device"],
            "model": engine["model"],
            "batching": engine["batching"],
        }
        for extra in extras:
            body |= extra()
        return body

    @app.post("/v1/fennec/preset")
    async def preset(request: Request):
        if set_preset is None:
            return _error(409, "this worker runs without a governor", param="preset")
        try:
            body = json.loads(await request.body())
            set_preset(body["preset"])
        except (json.JSONDecodeError, KeyError, TypeError):
            return _error(
                400, 'send {"preset": "cool" | "balanced" | "performance"}', param="preset"
            )
        except ValueError as e:
            return _error(400, str(e), param="preset")
        return {"preset": body["preset"]}

    @app.post("/v1/fennec/pause")
    async def pause(request: Request):
        try:
            paused = json.loads(await request.body())["paused"]
            if not isinstance(paused, bool):
                raise TypeError
        except (json.JSONDecodeError, KeyError, TypeError):
            return _error(400, 'send {"paused": true | false}', param="paused")
        scheduler.set_paused(paused)
        return {"paused": paused}

    @app.post("/v1/chat/completions")
    async def chat(request: Request):
        raw = await request.body()
        if len(raw) > MAX_BODY_BYTES:
            return _error(413, f"request body over {MAX_BODY_BYTES} bytes")
        try:
            parsed = parse_chat(json.loads(raw))
        except json.JSONDecodeError as e:
            return _error(400, f"the body is not valid JSON: {e}")
        except RequestError as e:
            return _error(e.status, str(e), param=e.param)
        events = EventRelay(asyncio.get_running_loop())
        scheduler.submit(parsed.request, events.push)
        rid = f"chatcmpl-{parsed.request.id}"
        if parsed.stream:
            return StreamingResponse(
                _sse(scheduler, parsed.request.id, rid, model_id, events, parsed.include_usage),
                media_type="text/event-stream",
                headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
            )
        return await _collect(scheduler, request, parsed.request.id, rid, model_id, events)

    return app


async def _collect(
    scheduler: Scheduler,
    request: Request,
    request_id: int,
    rid: str,
    model: str,
    events: EventRelay,
) -> JSONResponse:
    parts = []
    while True:
        batch = await events.take(DISCONNECT_POLL_S)
        if not batch:
            if await request.is_disconnected():
                scheduler.cancel(request_id)
                return _error(499, "client disconnected")
            continue
        for event in batch:
            parts.append(event.text)
            if event.finish_reason == "error":
                status = 400 if event.error_is_request else 500
                kind = "invalid_request_error" if event.error_is_request else "server_error"
                return _error(status, event.error or "generation failed", kind)
            if event.finish_reason is not None:
                return JSONResponse(completion(rid, model, "".join(parts), event))


def _sse_line(body: dict) -> str:
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


async def _sse(
    scheduler: Scheduler,
    request_id: int,
    rid: str,
    model: str,
    events: EventRelay,
    include_usage: bool,
) -> AsyncIterator[str]:
    finished = False
    try:
        yield _sse_line(chunk(rid, model, {"role": "assistant", "content": ""}))
        while not finished:
            batch = await events.take()
            text = "".join(e.text for e in batch)
            last = batch[-1]
            if last.finish_reason == "error":
                finished = True
                if text:
                    yield _sse_line(chunk(rid, model, {"content": text}))
                kind = "invalid_request_error" if last.error_is_request else "server_error"
                yield _sse_line(error_body(last.error or "generation failed", kind))
                break
            if text:
                yield _sse_line(chunk(rid, model, {"content": text}))
            if last.finish_reason is not None:
                finished = True
                yield _sse_line(chunk(rid, model, {}, last.finish_reason))
                if include_usage:
                    yield _sse_line(chunk(rid, model, {}, usage_of=last))
            else:
                await asyncio.sleep(COALESCE_S)  # let fast engines' tokens gather
        yield "data: [DONE]\n\n"
    finally:
        if not finished:  # the client went away mid-stream: free the slot now
            scheduler.cancel(request_id)
