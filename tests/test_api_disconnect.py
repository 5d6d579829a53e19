"""Issue 9, items 2 and 3, on a real worker of each engine that runs one request at a time:
a client that hangs up (queued or running, streaming or not) is cancelled within 2 s, and a
prompt past the context is refused at once, before it could queue or prefill."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx
import pytest
from tokenizers import Tokenizer

from tests.worker_fixtures import ENGINES, api_client, api_worker

CANCEL_WITHIN_S = 2.0  # the bound
REFUSED_WITHIN_S = 10.0  # "at once", generously: the refusal takes well under a second


@pytest.fixture(scope="module", params=ENGINES)
def worker(request, tiny_model):
    with api_worker(tiny_model, request.param, max_batch=1) as w:
        yield w


@pytest.fixture
def http(worker):
    with api_client(worker) as c:
        yield c
        c.post("/fennec/pause", json={"paused": False})  # whatever a test left behind


@pytest.fixture(scope="module")
def endless(tiny_model) -> dict:
    """A greedy answer that never ends by itself: the end-of-turn token is banned, and it may
    run to the context's end (thousands of tokens), far longer than any test waits."""
    eos = Tokenizer.from_file(str(tiny_model / "tokenizer.json")).token_to_id("<|im_end|>")
    return {
        "messages": [{"role": "user", "content": "Tell me a long story."}],
        "max_tokens": 30000,
        "temperature": 0,
        "logit_bias": {str(eos): -100},
    }


def _open(worker, body: dict) -> socket.socket:
    """Send a chat request on a raw connection we can hang up whenever we like."""
    url = urlsplit(worker.base_url)
    payload = json.dumps(body).encode()
    head = (
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: {url.netloc}\r\n"
        f"Authorization: Bearer {worker.token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    )
    sock = socket.create_connection((url.hostname, url.port), timeout=30)
    sock.sendall(head.encode() + payload)
    return sock


def _hang_up(sock: socket.socket) -> float:
    sock.shutdown(socket.SHUT_RDWR)
    sock.close()
    return time.monotonic()


def _status(http) -> dict:
    return http.get("/fennec/status").json()


def _wait_for(http, holds: Callable[[dict], bool], within: float = 30.0) -> dict:
    deadline = time.monotonic() + within
    while True:
        status = _status(http)
        if holds(status):
            return status
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within} s: {status}")
        time.sleep(0.02)


def _generating(http, since: int) -> dict:
    return _wait_for(http, lambda s: s["active_requests"] == 1 and s["total_tokens"] > since)


@pytest.mark.parametrize("stream", [False, True], ids=["json", "sse"])
def test_hang_ups_cancel_queued_and_running_requests(worker, http, endless, stream):
    """Paused with one running and one queued, so nothing can end by itself meanwhile."""
    body = endless | {"stream": stream}
    running = _open(worker, body)
    _generating(http, _status(http)["total_tokens"])
    http.post("/fennec/pause", json={"paused": True})
    queued = _open(worker, body)
    _wait_for(http, lambda s: s["queued_requests"] == 1)
    hung_up = _hang_up(queued)
    status = _wait_for(http, lambda s: s["queued_requests"] == 0, CANCEL_WITHIN_S)
    assert status["active_requests"] == 1  # the running one is untouched
    assert time.monotonic() - hung_up < CANCEL_WITHIN_S
    hung_up = _hang_up(running)
    _wait_for(http, lambda s: s["active_requests"] == 0, CANCEL_WITHIN_S)
    assert time.monotonic() - hung_up < CANCEL_WITHIN_S
    http.post("/fennec/pause", json={"paused": False})
    assert http.post("/chat/completions", json=endless | {"max_tokens": 4}).status_code == 200


@pytest.mark.parametrize("stream", [False, True], ids=["json", "sse"])
def test_hang_up_stops_a_generating_request(worker, http, endless, stream):
    before = _status(http)["total_tokens"]
    sock = _open(worker, endless | {"stream": stream})
    _generating(http, before)
    hung_up = _hang_up(sock)
    status = _wait_for(http, lambda s: s["active_requests"] == 0, CANCEL_WITHIN_S)
    assert time.monotonic() - hung_up < CANCEL_WITHIN_S
    # Cut short: an answer run to the end of the context would be about 4,000 tokens.
    assert status["total_tokens"] - before < 2000
    assert http.post("/chat/completions", json=endless | {"max_tokens": 4}).status_code == 200


def _assert_context_exceeded(r: httpx.Response) -> None:
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert (err["code"], err["param"], err["type"]) == (
        "context_length_exceeded",
        "messages",
        "invalid_request_error",
    )


def test_over_context_prompts_are_refused_before_they_queue(http):
    """The worker is paused, so it admits nothing: an answer proves the check came first."""
    http.post("/fennec/pause", json={"paused": True})
    many = [{"role": "user", "content": f"message {i}"} for i in range(10_000)]
    _assert_context_exceeded(http.post("/chat/completions", json={"messages": many}))
    # As many empty messages as fit in 1 MiB: llama.cpp alone would take ~16 s to tokenize
    # them (its special-token split is quadratic); they must be refused at once all the same.
    empty = [{"role": "user", "content": ""}] * 30_000
    sent = time.monotonic()
    _assert_context_exceeded(http.post("/chat/completions", json={"messages": empty}))
    assert time.monotonic() - sent < REFUSED_WITHIN_S
    long = [{"role": "user", "content": "fennec fox " * 6000}]
    _assert_context_exceeded(
        http.post("/chat/completions", json={"messages": long, "max_tokens": 1, "stream": True})
    )
    assert _status(http)["queued_requests"] == 0
    http.post("/fennec/pause", json={"paused": False})
    fits = [{"role": "user", "content": "fennec fox " * 500}]
    r = http.post("/chat/completions", json={"messages": fits, "max_tokens": 2})
    assert r.status_code == 200 and r.json()["usage"]["prompt_tokens"] > 1000
