"""The worker as a fleet member, against a real `fennec serve` on the tiny model: probes,
Prometheus metrics, drain on SIGTERM, configuration from the environment."""

from __future__ import annotations

import json
import signal
import threading
import time

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.cli import build_parser
from inference.serve_env import cluster_settings
from inference.worker_process import start_worker


def _start(tiny_model, monkeypatch, **env: str):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return start_worker(str(tiny_model), "llamacpp", extra_args=("--no-governor",))


@pytest.fixture(scope="module")
def worker(tiny_model):
    with pytest.MonkeyPatch.context() as mp:
        w = _start(tiny_model, mp, FENNEC_ALLOWED_HOSTS="fennec.example.svc")
    yield w
    w.stop()


def _root(worker) -> str:
    return worker.base_url.removesuffix("/v1")


def _metrics(worker) -> dict[str, float]:
    text = httpx.get(_root(worker) + "/metrics", timeout=10).text
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_probes_need_no_token_but_the_api_still_does(worker):
    root = _root(worker)
    assert httpx.get(root + "/healthz").json() == {"status": "ok"}
    ready = httpx.get(root + "/readyz")
    assert ready.status_code == 200 and ready.json()["ready"] is True
    assert httpx.get(worker.base_url + "/models").status_code == 401
    assert "/healthz" not in httpx.get(
        worker.base_url.replace("/v1", "/openapi.json"),
        headers={"Authorization": f"Bearer {worker.token}"},
    ).text


def test_probes_keep_the_host_guard_and_allow_configured_names(worker):
    root = _root(worker)
    for path in ("/healthz", "/readyz", "/metrics"):
        assert httpx.get(root + path, headers={"Host": "evil.example"}).status_code == 403
    allowed = httpx.get(root + "/readyz", headers={"Host": "fennec.example.svc:8000"})
    assert allowed.status_code == 200


def test_metrics_count_a_streamed_answer(worker):
    before = _metrics(worker)
    assert before["fennec_queue_depth"] == 0 and before["fennec_active_sequences"] == 0
    assert "fennec_temperature_celsius" not in before  # no sensor here: no made-up series
    body = {
        "model": "default",
        "messages": [{"role": "user", "content": "Hello"}],
        "max_tokens": 8,
        "temperature": 0,
        "stream": True,
    }
    headers = {"Authorization": f"Bearer {worker.token}"}
    with httpx.stream(
        "POST", worker.base_url + "/chat/completions", json=body, headers=headers, timeout=60
    ) as r:
        assert r.status_code == 200
        text = r.read().decode()
    # TTFT counts answers with text; greedy on this prompt has some (a sampled one may not)
    assert '"content": "' in text.replace('"content": ""', "")
    after = _metrics(worker)
    assert after["fennec_time_to_first_token_seconds_count"] == (
        before["fennec_time_to_first_token_seconds_count"] + 1
    )
    assert 0 < after["fennec_time_to_first_token_seconds_sum"] < 30
    assert after["fennec_generated_tokens_total"] >= before["fennec_generated_tokens_total"] + 1
    assert after["fennec_in_flight_requests"] == 0 and after["fennec_draining"] == 0


def _paused_stream(worker, out: dict) -> threading.Thread:
    """A streaming answer held by the worker's pause: in flight for as long as we like."""
    headers = {"Authorization": f"Bearer {worker.token}"}
    httpx.post(worker.base_url + "/fennec/pause", json={"paused": True}, headers=headers)
    body = {
        "model": "default",
        "messages": [{"role": "user", "content": "Tell me a story"}],
        "max_tokens": 16,
        "temperature": 0,
        "stream": True,
    }

    def run() -> None:
        try:
            with httpx.stream(
                "POST", worker.base_url + "/chat/completions", json=body, headers=headers,
                timeout=60,
            ) as r:
                out["status"] = r.status_code
                out["lines"] = [line for line in r.iter_lines() if line]
        except httpx.HTTPError as e:
            out["error"] = repr(e)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while _metrics(worker)["fennec_in_flight_requests"] < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    return thread


def test_sigterm_drains_refuses_newcomers_and_finishes_the_running_stream(
    tiny_model, monkeypatch
):
    w = _start(tiny_model, monkeypatch, FENNEC_DRAIN_GRACE_S="30")
    try:
        out: dict = {}
        thread = _paused_stream(w, out)
        w.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        while httpx.get(_root(w) + "/readyz").status_code == 200:
            assert time.monotonic() < deadline, "readyz never turned 503"
            time.sleep(0.05)
        ready = httpx.get(_root(w) + "/readyz").json()
        assert ready == {"ready": False, "reason": "draining for shutdown", "in_flight": 1}
        headers = {"Authorization": f"Bearer {w.token}"}
        late = httpx.post(
            w.base_url + "/chat/completions",
            json={"model": "default", "messages": [{"role": "user", "content": "hi"}]},
            headers=headers,
        )
        assert late.status_code == 503 and late.headers["Retry-After"] == "1"
        assert late.json()["error"]["type"] == "server_error"
        time.sleep(1.0)
        assert w.alive()  # still serving its running stream
        httpx.post(w.base_url + "/fennec/pause", json={"paused": False}, headers=headers)
        thread.join(30)
        assert out.get("status") == 200, out
        assert out["lines"][-1] == "data: [DONE]"
        finishes = [
            json.loads(line[6:])["choices"][0].get("finish_reason")
            for line in out["lines"][:-1]
            if json.loads(line[6:]).get("choices")
        ]
        assert finishes[-1] in ("stop", "length")
        # uvicorn's way: shut down cleanly, then end by the signal it was sent
        assert w.process.wait(15) == -signal.SIGTERM
        assert any("draining" in line for line in w.log)
    finally:
        w.stop()


def test_drain_gives_up_after_the_grace_period(tiny_model, monkeypatch):
    w = _start(tiny_model, monkeypatch, FENNEC_DRAIN_GRACE_S="1")
    try:
        out: dict = {}
        thread = _paused_stream(w, out)
        started = time.monotonic()
        w.process.send_signal(signal.SIGTERM)
        assert w.process.wait(15) == -signal.SIGTERM
        elapsed = time.monotonic() - started
        assert 1.0 <= elapsed < 8.0  # the grace, plus uvicorn's 2-s close of the stragglers
        thread.join(10)
        assert out.get("lines", [""])[-1:] != ["data: [DONE]"]  # cut, not completed
    finally:
        w.stop()


def test_serve_reads_its_configuration_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("FENNEC_MODEL", str(tmp_path))
    monkeypatch.setenv("FENNEC_PORT", "8123")
    monkeypatch.setenv("FENNEC_NO_GOVERNOR", "true")
    monkeypatch.setenv("FENNEC_HOST", "0.0.0.0")
    args = build_parser().parse_args(["serve"])
    assert (args.model, args.port, args.no_governor, args.host) == (
        str(tmp_path), 8123, True, "0.0.0.0"
    )
    assert build_parser().parse_args(["serve", "--port", "9"]).port == 9  # a flag wins
    monkeypatch.setenv("FENNEC_PORT", "eighty")
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve"])
    monkeypatch.delenv("FENNEC_MODEL")
    monkeypatch.delenv("FENNEC_PORT")
    with pytest.raises(SystemExit):  # without FENNEC_MODEL, --model is required again
        build_parser().parse_args(["serve"])


def test_cluster_settings():
    env = {
        "FENNEC_ALLOWED_HOSTS": "10.0.0.7, fennec.default.svc,,",
        "FENNEC_DRAIN_GRACE_S": "45",
        "FENNEC_TOKEN": "t0ken",
    }
    settings = cluster_settings(env)
    assert settings.allowed_hosts == {"10.0.0.7", "fennec.default.svc"}
    assert settings.drain_grace_s == 45 and settings.token == "t0ken"
    assert "t0ken" not in repr(settings)
    assert cluster_settings({}).drain_grace_s == 30
    assert cluster_settings({}, default_grace_s=0.0).drain_grace_s == 0
    with pytest.raises(ValueError, match="FENNEC_DRAIN_GRACE_S"):
        cluster_settings({"FENNEC_DRAIN_GRACE_S": "soon"})
