"""`fennec serve` as a user runs it: a real worker process, spoken to over HTTP."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time

import httpx
import pytest

from tests.worker_fixtures import ENGINES, api_client, api_worker


@pytest.fixture(scope="module", params=ENGINES)
def worker(request, tiny_model):
    with api_worker(tiny_model, request.param, max_batch=8) as w:
        yield w


@pytest.fixture
def http(worker):
    with api_client(worker) as c:
        yield c


def _chat(**extra) -> dict:
    return {
        "model": "default",
        "messages": [{"role": "user", "content": "Hello"}],
        "max_tokens": 8,
        "temperature": 0,
        **extra,
    }


def test_ready_line_names_engine_and_loopback_url(worker, request):
    assert worker.base_url.startswith("http://127.0.0.1:")
    assert any("engine" in line for line in worker.log)
    assert worker.token not in "\n".join(worker.log)  # written to the 0600 file, not printed


def test_models(http, worker):
    r = http.get("/models")
    assert r.status_code == 200
    assert r.json()["data"][0]["id"] == worker.model


def test_non_streaming_completion_with_usage(http):
    r = http.post("/chat/completions", json=_chat())
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["object"] == "chat.completion"
    assert body["choices"][0]["finish_reason"] == "length"
    assert body["usage"]["completion_tokens"] == 8
    assert body["usage"]["total_tokens"] == body["usage"]["prompt_tokens"] + 8


def test_streaming_sse(http):
    lines = []
    with http.stream(
        "POST", "/chat/completions", json=_chat(stream=True, stream_options={"include_usage": True})
    ) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        lines = [ln for ln in r.iter_lines() if ln.startswith("data: ")]
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(ln[6:]) for ln in lines[:-1]]
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert chunks[-2]["choices"][0]["finish_reason"] == "length"
    assert chunks[-1]["usage"]["completion_tokens"] == 8
    streamed = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks[:-1])
    whole = http.post("/chat/completions", json=_chat()).json()
    assert streamed == whole["choices"][0]["message"]["content"]


def test_python_openai_client(worker):
    import openai

    client = openai.OpenAI(base_url=worker.base_url, api_key=worker.token)
    out = client.chat.completions.create(
        model=worker.model,
        max_tokens=6,
        temperature=0,
        messages=[{"role": "user", "content": "Hi"}],
    )
    assert out.usage.completion_tokens == 6
    stream = client.chat.completions.create(
        model=worker.model,
        max_tokens=6,
        temperature=0,
        stream=True,
        messages=[{"role": "user", "content": "Hi"}],
    )
    assert (
        "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
        == out.choices[0].message.content
    )
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model=worker.model, messages=[], max_tokens=4)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl not installed")
def test_curl_streaming(worker):
    out = subprocess.run(
        [
            "curl",
            "-sN",
            f"{worker.base_url}/chat/completions",
            "-H",
            f"Authorization: Bearer {worker.token}",
            "-H",
            "Content-Type: application/json",
            "-d",
            json.dumps(_chat(stream=True)),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0
    assert out.stdout.strip().endswith("data: [DONE]")


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "x"}])
def test_token_required(worker, headers):
    r = httpx.post(f"{worker.base_url}/chat/completions", json=_chat(), headers=headers)
    assert r.status_code == 401
    assert r.json()["error"]["type"] == "authentication_error"


def test_foreign_host_and_origin_are_refused(worker):
    auth = {"Authorization": f"Bearer {worker.token}"}
    r = httpx.get(f"{worker.base_url}/models", headers=auth | {"Host": "evil.example:80"})
    assert r.status_code == 403
    r = httpx.get(f"{worker.base_url}/models", headers=auth | {"Origin": "http://evil.example"})
    assert r.status_code == 403
    r = httpx.get(f"{worker.base_url}/models", headers=auth | {"Origin": "http://localhost:5173"})
    assert r.status_code == 200


def test_oversized_body(http):
    r = http.post(
        "/chat/completions", content=b"x" * (2 << 20), headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 413
    assert "error" in r.json()


@pytest.mark.parametrize(
    ("body", "param"),
    [
        (b"{not json", None),
        (json.dumps({"messages": []}).encode(), "messages"),
        (
            json.dumps({"messages": [{"role": "wizard", "content": "x"}]}).encode(),
            "messages[0].role",
        ),
        (json.dumps(_chat(temperature=9)).encode(), "temperature"),
        (json.dumps(_chat(max_tokens=0)).encode(), "max_tokens"),
        (json.dumps(_chat(n=2)).encode(), "n"),
        (json.dumps(_chat(stop=[1, 2])).encode(), "stop"),
    ],
)
def test_bad_requests_get_openai_shaped_400s(http, body, param):
    r = http.post("/chat/completions", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["type"] == "invalid_request_error" and err["message"]
    assert err["param"] == param


def test_status(http, worker):
    st = http.get("/fennec/status").json()
    assert st["model"] == worker.model
    assert st["engine"] in ("mlx", "llamacpp") and st["device"] == "cpu"
    for key in ("tokens_per_s", "active_requests", "max_batch", "pacing_s", "queued_requests"):
        assert key in st
    assert st["context_length"] == 4096  # the tiny model's config / the GGUF context


def _wait_idle(http, timeout=10.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        st = http.get("/fennec/status").json()
        if st["active_requests"] == 0 and st["queued_requests"] == 0:
            return st
        time.sleep(0.05)
    raise AssertionError(f"still busy: {st}")


def test_disconnecting_client_cancels_its_generation(http, worker):
    before = http.get("/fennec/status").json()["total_tokens"]
    with http.stream(
        "POST", "/chat/completions", json=_chat(stream=True, max_tokens=4000, temperature=1.0)
    ) as r:
        for i, _ in enumerate(r.iter_lines()):
            if i > 3:
                break
    st = _wait_idle(http)
    assert st["total_tokens"] - before < 4000
    assert http.post("/chat/completions", json=_chat()).status_code == 200  # slot is free


def test_many_concurrent_streams_all_succeed(worker):
    results: list = []

    def one(i):
        with httpx.Client(timeout=120) as c:
            r = c.post(
                f"{worker.base_url}/chat/completions",
                headers={"Authorization": f"Bearer {worker.token}"},
                json={"messages": [{"role": "user", "content": f"q{i}"}], "max_tokens": 12},
            )
            results.append(r.status_code)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 10


def test_serve_with_a_broken_model_prints_one_clear_line(tmp_path):
    (tmp_path / "config.json").write_text("{")
    out = subprocess.run(
        [sys.executable, "-m", "app", "serve", "--model", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2
    assert "not valid JSON" in out.stderr
    assert "Traceback" not in out.stderr + out.stdout
