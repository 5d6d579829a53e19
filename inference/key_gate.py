"""Office server mode's door: a user's API key in, the worker's own token on to the guard.

Plain ASGI middleware added outside the RequestGuard. A /v1 request whose bearer is a live
user key is checked against that key's rate limit (token bucket, 429 + Retry-After when
empty) and then carries the worker token inward, so the guard and the routes stay as they
are. Any other bearer passes through untouched (the worker token still works; a wrong one
meets the guard's 401).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from inference.api_keys import ApiKeyStore
from inference.openai_replies import error_body


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """A token bucket per key: `rate_per_min` requests a minute, bursts up to a minute's worth."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: str, rate_per_min: int) -> float:
        """0 when admitted; else the seconds until the next request would be."""
        per_s = rate_per_min / 60.0
        now = self._clock()
        with self._lock:
            bucket = self._buckets.setdefault(key, _Bucket(float(rate_per_min), now))
            bucket.tokens = min(float(rate_per_min), bucket.tokens + (now - bucket.at) * per_s)
            bucket.at = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / per_s


class KeyGate:
    def __init__(
        self, app: ASGIApp, store: ApiKeyStore, worker_token: str, limiter: RateLimiter
    ) -> None:
        self.app = app
        self.store = store
        self.inner_auth = f"Bearer {worker_token}".encode()
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1"):
            await self.app(scope, receive, send)
            return
        scheme, _, given = Headers(scope=scope).get("authorization", "").partition(" ")
        record = self.store.verify(given.strip()) if scheme.lower() == "bearer" else None
        if record is None:
            await self.app(scope, receive, send)
            return
        wait_s = self.limiter.take(record.digest, record.rate_per_min)
        if wait_s > 0:
            message = f"rate limit of {record.rate_per_min} requests a minute reached for this key"
            refusal = JSONResponse(
                error_body(message, "rate_limit_error", None, "rate_limit_exceeded"),
                status_code=429,
                headers={"Retry-After": str(max(1, math.ceil(wait_s)))},
            )
            await refusal(scope, receive, send)
            return
        headers = [(k, v) for k, v in scope["headers"] if k != b"authorization"]
        headers.append((b"authorization", self.inner_auth))
        await self.app({**scope, "headers": headers}, receive, send)
