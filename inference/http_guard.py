"""What every HTTP request passes before a route sees it, as plain ASGI middleware.

Guards, in order: Host and Origin must be loopback or opted into (a web page cannot reach
us through DNS rebinding), a bearer token on every /v1 route and on the schema, and a body
size limit counted as the bytes arrive (a chunked upload stops at the limit, it is never
read whole). Plain ASGI rather than Starlette's BaseHTTPMiddleware: routes keep the real
`receive`, so they can see a client hang up.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from inference.openai_replies import error_body

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
PROTECTED_PREFIXES = ("/v1", "/openapi.json")


@dataclass(frozen=True)
class GuardPolicy:
    token: str
    allowed_hosts: frozenset[str]
    max_body_bytes: int


def hostname(value: str) -> str:
    """The host of a Host header value: `[::1]:8080` → `::1`, `localhost:80` → `localhost`."""
    if value.startswith("["):
        return value[1 : value.find("]")]
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def _refusal(policy: GuardPolicy, scope: Scope) -> JSONResponse | None:
    headers = Headers(scope=scope)
    host = hostname(headers.get("host", ""))
    if host not in policy.allowed_hosts:
        return _error(403, f"Host {host!r} is not allowed", "permission_error")
    origin = headers.get("origin")
    if origin and origin != "null":
        try:
            origin_host = urlsplit(origin).hostname or ""
        except ValueError:  # e.g. an unbalanced "[" in the Origin
            origin_host = ""
        if origin_host not in policy.allowed_hosts:
            return _error(403, f"Origin {origin!r} is not allowed", "permission_error")
    if scope["path"].startswith(PROTECTED_PREFIXES):
        scheme, _, given = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.strip().encode(), policy.token.encode()
        ):
            return _error(
                401, "missing or wrong bearer token", "authentication_error", "invalid_api_key"
            )
    length = headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > policy.max_body_bytes):
        return _too_large(policy)
    return None


def _error(status: int, message: str, kind: str, code: str | None = None) -> JSONResponse:
    return JSONResponse(error_body(message, kind, None, code), status_code=status)


def _too_large(policy: GuardPolicy) -> JSONResponse:
    return _error(413, f"request body over {policy.max_body_bytes} bytes", "invalid_request_error")


class RequestGuard:
    """ASGI middleware applying a GuardPolicy; buffers bodies up to the limit for the route."""

    def __init__(self, app: ASGIApp, policy: GuardPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = _refusal(self.policy, scope)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        body = await read_limited_body(receive, self.policy.max_body_bytes)
        if body is None:
            await _too_large(self.policy)(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)


async def read_limited_body(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None as soon as more than `limit` bytes have arrived.

    A client that hangs up mid-upload gives what arrived; the route then sees the disconnect.
    """
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks)
        part = message.get("body", b"")
        size += len(part)
        if size > limit:
            return None
        chunks.append(part)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the buffered body over once, then passes on (disconnects)."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
