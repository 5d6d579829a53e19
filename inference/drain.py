"""Graceful drain: on SIGTERM stop admitting new generations (503), let the running streams
finish within a grace period, then stop the server.

Kubernetes sends SIGTERM and keeps routing to the pod for a moment while it leaves the
Service's endpoints; answering those latecomers with a quick 503 (+ Retry-After) lets a load
balancer or client retry elsewhere, and the readiness probe turns 503 at the same moment.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from inference.openai_replies import error_body

GENERATION_PATHS = ("/v1/chat/completions", "/v1/completions")
DEFAULT_GRACE_S = 30.0


@dataclass
class DrainState:
    """Shared by the admission gate, the readiness probe and the server's signal handler."""

    grace_s: float = DEFAULT_GRACE_S
    draining: bool = False
    started_at: float | None = None
    in_flight: int = 0  # generation requests between arrival and their last byte
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _idle: threading.Condition = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._idle = threading.Condition(self._lock)

    def begin(self, clock: Callable[[], float] = time.monotonic) -> bool:
        """Start draining; False when it had already begun."""
        with self._lock:
            if self.draining:
                return False
            self.draining, self.started_at = True, clock()
            return True

    def enter(self) -> bool:
        """Admit one generation unless draining."""
        with self._lock:
            if self.draining:
                return False
            self.in_flight += 1
            return True

    def leave(self) -> None:
        with self._lock:
            self.in_flight -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Block until no generation is in flight, or `timeout` passes; True when idle."""
        with self._lock:
            return self._idle.wait_for(lambda: self.in_flight == 0, timeout)


class AdmissionGate:
    """ASGI middleware: counts generations in flight and refuses new ones while draining."""

    def __init__(
        self,
        app: ASGIApp,
        state: DrainState,
        on_first_body: Callable[[float], None] | None = None,
    ) -> None:
        self.app = app
        self.state = state
        self.on_first_body = on_first_body  # streaming answers: seconds to the first token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in GENERATION_PATHS:
            await self.app(scope, receive, send)
            return
        if not self.state.enter():
            refusal = JSONResponse(
                error_body("this worker is shutting down; retry", "server_error", None, None),
                status_code=503,
                headers={"Retry-After": "1", "Connection": "close"},
            )
            await refusal(scope, receive, send)
            return
        started = time.monotonic()
        timed = False

        async def timed_send(message: Message) -> None:
            nonlocal timed
            if not timed and message["type"] == "http.response.body" and _has_text(message):
                timed = True
                if self.on_first_body is not None:
                    self.on_first_body(time.monotonic() - started)
            await send(message)

        try:
            await self.app(scope, receive, timed_send)
        finally:
            self.state.leave()


def _has_text(message: Message) -> bool:
    """An SSE chunk with answer text in it (the first chunk only carries the role)."""
    body = message.get("body", b"")
    return b'"content": "' in body and b'"content": ""' not in body


def drain_then_exit(state: DrainState, request_exit: Callable[[], None]) -> threading.Thread:
    """Wait (on a thread) for running generations, at most the grace period, then stop."""

    def run() -> None:
        state.wait_idle(state.grace_s)
        request_exit()

    thread = threading.Thread(target=run, name="fennec-drain", daemon=True)
    thread.start()
    return thread


def draining_server(config, state: DrainState, log: Callable[[str], None]):
    """A uvicorn.Server whose first SIGTERM drains instead of stopping at once; a second
    SIGTERM, or SIGINT (Ctrl-C at a terminal), stops as before."""
    import uvicorn

    class DrainingServer(uvicorn.Server):
        def handle_exit(self, sig: int, frame) -> None:
            if sig == signal.SIGTERM and state.begin():
                log(
                    f"fennec: SIGTERM: draining ({state.in_flight} running; "
                    f"new requests get 503; grace {state.grace_s:g} s)"
                )
                # Recorded like uvicorn does, so it re-raises SIGTERM once shut down: the
                # process ends as before (no interpreter teardown under daemon threads).
                self._captured_signals.append(sig)
                drain_then_exit(state, lambda: setattr(self, "should_exit", True))
                return
            super().handle_exit(sig, frame)

    return DrainingServer(config)
