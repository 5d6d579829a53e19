"""Issue 9, items 4, 6, 7 and 8 on a real worker of each engine: whatever a client sends, the
answer is an OpenAI-shaped error naming what was wrong, never a 500 or a plain-text body."""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

import httpx
import pytest

from inference.worker_process import start_worker
from tests.worker_fixtures import ENGINES, api_client, api_worker


@pytest.fixture(scope="module", params=ENGINES)
def worker(request, tiny_model):
    with api_worker(tiny_model, request.param, max_batch=4) as w:
        yield w


@pytest.fixture
def http(worker):
    with api_client(worker) as c:
        yield c


def _chat(**extra) -> dict:
    return {"messages": [{"role": "user", "content": "Hello"}], "max_tokens": 4, **extra}


def assert_openai_error(r: httpx.Response, status: int, param: str | None = None) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    err = r.json()["error"]
    assert set(err) == {"message", "type", "param", "code"}
    assert isinstance(err["message"], str) and err["message"]
    assert err["param"] == param
    return err


def _post_raw(http: httpx.Client, path: str, body: bytes) -> httpx.Response:
    return http.post(path, content=body, headers={"Content-Type": "application/json"})


def test_unknown_route_and_wrong_method_are_openai_shaped(http):
    assert_openai_error(http.get("/nothing-here"), 404)
    assert_openai_error(http.delete("/models"), 405)
    err = assert_openai_error(http.get("/chat/completions"), 405)
    assert err["type"] == "invalid_request_error"


@pytest.mark.parametrize(
    ("body", "param"),
    [
        (b"\xff\xfe{not utf-8", None),
        (b"[" * 100_000 + b"]" * 100_000, None),  # deeper than the JSON parser recurses
        (b'{"max_tokens": ' + b"9" * 5000 + b"}", None),  # past Python's int-digits limit
        (
            json.dumps({"messages": [{"role": {"x": 1}, "content": "x"}]}).encode(),
            "messages[0].role",
        ),
        (
            json.dumps({"messages": [{"role": ["user"], "content": "x"}]}).encode(),
            "messages[0].role",
        ),
        (b'{"messages": [{"role": "user", "content": "\\ud800"}]}', "messages[0].content"),
        (json.dumps(_chat(model=[])).encode(), "model"),  # found by the fuzz test: was a 500
        (json.dumps(_chat(seed=-1)).encode(), "seed"),
        (json.dumps(_chat(seed=2**64)).encode(), "seed"),
        (b'{"messages": [{"role": "user", "content": "x"}], "temperature": NaN}', "temperature"),
        (json.dumps(_chat(logprobs=True)).encode(), "logprobs"),
        (json.dumps(_chat(top_logprobs=3)).encode(), "top_logprobs"),
        (json.dumps(_chat(tools=[{"type": "function"}])).encode(), "tools"),
        (json.dumps(_chat(response_format={"type": "json_object"})).encode(), "response_format"),
        (json.dumps(_chat(logit_bias={"abc": 1})).encode(), "logit_bias"),
        (json.dumps(_chat(logit_bias={"1": 500})).encode(), "logit_bias"),
        (json.dumps(_chat(logit_bias={"99999999": 1})).encode(), "logit_bias"),  # past the vocab
        (json.dumps(_chat(stream_options={"include_usage": "yes"})).encode(), "stream_options"),
    ],
)
def test_malformed_chat_bodies_get_400_naming_the_field(http, body, param):
    err = assert_openai_error(_post_raw(http, "/chat/completions", body), 400, param)
    assert err["type"] == "invalid_request_error"


@pytest.mark.parametrize(
    "body",
    [b"\xff", b"[" * 100_000, b'{"paused": {"role": {}}}', b'["paused"]', b'"x"', b"{}"],
)
def test_malformed_pause_bodies_get_400(http, body):
    r = _post_raw(http, "/fennec/pause", body)
    assert_openai_error(r, 400, None if body in (b"\xff", b"[" * 100_000) else "paused")


def test_harmless_values_of_unsupported_parameters_are_accepted(http):
    body = _chat(
        logprobs=False, tools=[], tool_choice="none", response_format={"type": "text"}, n=1
    )
    r = http.post("/chat/completions", json=body | {"user": "someone", "metadata": {"a": "b"}})
    assert r.status_code == 200, r.text


def test_models_by_id_and_unknown_model(http, worker):
    assert http.get(f"/models/{worker.model}").json()["id"] == worker.model
    assert http.get("/models/default").json()["id"] == worker.model
    err = assert_openai_error(http.get("/models/gpt-4o"), 404, "model")
    assert err["code"] == "model_not_found"
    err = assert_openai_error(
        http.post("/chat/completions", json=_chat(model="gpt-4o")), 404, "model"
    )
    assert err["code"] == "model_not_found"
    for model in (worker.model, "default", None):
        body = _chat() if model is None else _chat(model=model)
        assert http.post("/chat/completions", json=body).status_code == 200


def test_logit_bias_is_applied(http, tiny_model):
    """+100 on one token makes greedy decoding repeat exactly that token."""
    from tokenizers import Tokenizer

    (token,) = Tokenizer.from_file(str(tiny_model / "tokenizer.json")).encode("The").ids
    forced = {"logit_bias": {str(token): 100}, "temperature": 0}
    one = http.post("/chat/completions", json=_chat(max_tokens=1, **forced)).json()
    five = http.post("/chat/completions", json=_chat(max_tokens=5, **forced)).json()
    piece = one["choices"][0]["message"]["content"]
    assert piece and five["choices"][0]["message"]["content"] == piece * 5
    plain = http.post("/chat/completions", json=_chat(max_tokens=5, temperature=0)).json()
    assert plain["choices"][0]["message"]["content"] != piece * 5


def test_openapi_schema_needs_the_token_and_describes_the_chat_body(http, worker):
    root = worker.base_url.removesuffix("/v1")
    assert_openai_error(httpx.get(f"{root}/openapi.json"), 401)
    schema = http.get(f"{root}/openapi.json").json()
    chat = schema["paths"]["/v1/chat/completions"]["post"]
    body = chat["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["messages"] and "top_k" in body["properties"]
    assert "/v1/models/{model}" in schema["paths"]


def test_chunked_upload_stops_at_the_limit(worker):
    """A chunked body is refused once 1 MiB has arrived, not after the server read it all:
    we send just past the limit and never finish, so only counting can answer."""
    url = urlsplit(worker.base_url)
    head = (
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: {url.netloc}\r\n"
        f"Authorization: Bearer {worker.token}\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    )
    piece = b"x" * 65536
    with socket.create_connection((url.hostname, url.port), timeout=30) as sock:
        sock.sendall(head.encode())
        for _ in range(17):  # 17 × 64 KiB: one chunk past 1 MiB, and no final chunk
            sock.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
        reply = _read_response(sock)
    assert reply.status_code == 413
    assert reply.json()["error"]["type"] == "invalid_request_error"


def _read_response(sock: socket.socket) -> httpx.Response:
    """One HTTP/1.1 response with a Content-Length, read off a raw socket."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        body += sock.recv(65536)
    return httpx.Response(int(lines[0].split()[1]), headers=headers, content=body)


def test_top_k_past_the_vocabulary_is_served(http):
    """The issue's exact request (top_k 513 on a 512-token vocabulary) used to be a 500."""
    body = {"messages": [{"role": "user", "content": "x"}], "top_k": 513, "max_tokens": 4}
    assert http.post("/chat/completions", json=body).status_code == 200
    assert http.post("/chat/completions", json=_chat(temperature=1.0)).status_code == 200


def test_binding_beyond_loopback_warns_and_still_needs_the_token(tiny_model):
    w = start_worker(str(tiny_model), "llamacpp", extra_args=("--host", "0.0.0.0", "--no-governor"))
    try:
        assert any("warning" in line and "0.0.0.0" in line for line in w.log)
        port = urlsplit(w.base_url).port
        base = f"http://127.0.0.1:{port}/v1"
        assert httpx.get(f"{base}/models").status_code == 401
        ok = httpx.get(f"{base}/models", headers={"Authorization": f"Bearer {w.token}"})
        assert ok.status_code == 200
    finally:
        w.stop()


def test_bad_requests_beside_a_running_one_leave_it_intact(http, tiny_model):
    """While a greedy answer streams, a burst of bad and odd requests comes and goes; the
    answer is token for token what it is alone."""
    from tokenizers import Tokenizer

    eos = Tokenizer.from_file(str(tiny_model / "tokenizer.json")).token_to_id("<|im_end|>")
    # Long enough to still be running when the burst is over (the end of turn is banned).
    long = _chat(max_tokens=600, temperature=0, logit_bias={str(eos): -100})
    alone = http.post("/chat/completions", json=long).json()["choices"][0]["message"]["content"]
    too_long = [{"role": "user", "content": "fennec fox " * 6000}]
    neighbours = [
        ({"messages": [{"role": "user", "content": "x"}], "top_k": 513, "max_tokens": 4}, 200),
        (_chat(temperature=1.5, top_k=100_000, top_p=0.5, min_p=0.9, seed=3), 200),
        (_chat(logit_bias={"99999": 5}), 400),
        ({"messages": too_long}, 400),
        (_chat(seed=-5), 400),
    ]
    streamed, at_burst = "", None
    with http.stream("POST", "/chat/completions", json=long | {"stream": True}) as r:
        for line in r.iter_lines():
            if line.startswith("data: {"):
                choices = json.loads(line[6:])["choices"]
                streamed += choices[0]["delta"].get("content") or ""
            if at_burst is None and streamed:  # the answer has started: the burst comes now
                for body, status in neighbours:
                    assert http.post("/chat/completions", json=body).status_code == status
                at_burst = len(streamed)
                after = http.get("/fennec/status").json()
                if after["engine"] == "mlx":  # batched: the answer ran right through the burst
                    assert after["active_requests"] >= 1
    assert streamed == alone
    assert at_burst is not None
    assert http.post("/chat/completions", json=_chat(temperature=1.0)).status_code == 200


class _BrokenStatusScheduler:
    """Enough of a Scheduler for create_app, whose status fails after the app is built."""

    def __init__(self) -> None:
        from inference.engine import EngineInfo

        self.info = EngineInfo("fake", "cpu", "fake-model", "continuous", 1)
        self.calls = 0

    def status(self):
        self.calls += 1
        if self.calls > 1:
            raise RuntimeError("the model thread is gone")

        class _Status:
            engine = self.info

        return _Status()


def test_an_exception_in_a_route_is_an_openai_shaped_500():
    from fastapi.testclient import TestClient

    from inference.server import create_app

    app = create_app(_BrokenStatusScheduler(), "t0ken")  # type: ignore[arg-type]
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as client:
        r = client.get("/v1/fennec/status", headers={"Authorization": "Bearer t0ken"})
    err = assert_openai_error(r, 500)
    assert err["type"] == "server_error" and "Traceback" not in err["message"]


def test_the_guard_stops_reading_a_body_at_the_limit():
    """In process: the guard pulls chunks only until the limit is crossed, then answers 413."""
    import asyncio

    from inference.http_guard import GuardPolicy, RequestGuard

    pulled = 0

    async def receive():
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": b"x" * 1000, "more_body": True}  # endless

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    async def app(scope, receive, send):
        raise AssertionError("the route must not run")

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v1/chat/completions",
        "headers": [(b"host", b"127.0.0.1"), (b"authorization", b"Bearer k")],
    }
    guard = RequestGuard(app, GuardPolicy("k", frozenset({"127.0.0.1"}), 10_000))
    asyncio.run(guard(scope, receive, send))
    assert sent[0]["status"] == 413
    assert pulled == 11  # 11 × 1000 bytes: the first chunk past 10,000, and not one more
