"""Issue 9's fuzz test: schemathesis drives every route of the worker's own /openapi.json on
each engine, with requests that fit the schema and requests that break it. Whatever it sends:
no status of 500 or more, no answer slower than 30 s, every error OpenAI-shaped, and the
worker still answers a normal request afterwards."""

from __future__ import annotations

import os
from collections import Counter

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from tests.worker_fixtures import ENGINES, api_worker

# A few hundred in CI; FENNEC_FUZZ_EXAMPLES=5000 for a longer hunt on your own machine.
EXAMPLES_PER_ENGINE = int(os.environ.get("FENNEC_FUZZ_EXAMPLES", "200"))
ANSWER_WITHIN_S = 30.0
# Answers are cut to a few tokens: the fuzz is about what the worker accepts, and a random
# model asked for 32,768 tokens would spend the test's time generating, not probing.
MAX_FUZZ_TOKENS = 8
MADE_UP_AUTH_DRAW = 4
ERROR_FIELDS = {"message", "type", "param", "code"}


@pytest.fixture(scope="module", params=ENGINES)
def worker(request, tiny_model):
    with api_worker(tiny_model, request.param, max_batch=4) as w:
        yield w


def _short_answers(case) -> None:
    body = case.body
    if not isinstance(body, dict) or case.operation.path != "/v1/chat/completions":
        return
    for name in ("max_tokens", "max_completion_tokens"):
        value = body.get(name)
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            if value is None or value > MAX_FUZZ_TOKENS:
                body[name] = MAX_FUZZ_TOKENS


def _check(response, case) -> None:
    where = f"{case.method} {case.formatted_path} body={case.body!r:.300}"
    assert response.status_code < 500, f"{where} → {response.status_code} {response.text[:300]}"
    assert response.elapsed < ANSWER_WITHIN_S, where
    if response.status_code >= 400:
        # schemathesis keeps every value of a header: a list per (lower-case) name.
        content_type = response.headers.get("content-type", [""])[0]
        assert content_type.startswith("application/json"), where
        error = response.json()["error"]
        assert set(error) == ERROR_FIELDS, where
        assert isinstance(error["message"], str) and error["message"], where
        assert isinstance(error["type"], str), where


def test_fuzz_the_api(worker):
    auth = {"Authorization": f"Bearer {worker.token}"}
    root = worker.base_url.removesuffix("/v1")
    schema = schemathesis.openapi.from_url(f"{root}/openapi.json", headers=auth)
    chat = schema["/v1/chat/completions"]["POST"]
    # Half the cases go to the chat route, the one with a model behind it.
    cases = st.one_of(
        *(source.as_strategy(mode) for source in (chat, schema) for mode in GenerationMode)
    )
    statuses: Counter = Counter()
    by_route: Counter = Counter()

    @settings(
        max_examples=EXAMPLES_PER_ENGINE,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )
    @given(case=cases, auth_draw=st.integers(0, 9))
    def probe(case, auth_draw: int) -> None:
        _short_answers(case)
        # Most cases carry the real token, so they reach the routes; some keep the
        # Authorization header schemathesis made up, to probe the guard. (Not 0: hypothesis
        # draws the bounds of a range far more often than the middle.)
        made_up = {k: v for k, v in (case.headers or {}).items() if k.lower() == "authorization"}
        if auth_draw != MADE_UP_AUTH_DRAW or not made_up:
            others = {k: v for k, v in (case.headers or {}).items() if k not in made_up}
            case.headers = others | auth
        try:
            response = case.call(base_url=root, timeout=ANSWER_WITHIN_S)
        finally:
            if case.operation.path == "/v1/fennec/pause":  # a paused worker answers no chat
                httpx.post(f"{worker.base_url}/fennec/pause", headers=auth, json={"paused": False})
        statuses[response.status_code] += 1
        by_route[(case.method, case.operation.path, response.status_code)] += 1
        _check(response, case)

    try:
        probe()
    finally:
        if not worker.alive():  # say how it died, not just that connections were refused
            print(
                f"\nthe worker exited ({worker.process.returncode}):", *worker.log[-30:], sep="\n"
            )
    print("\n".join(f"{route}: {n}" for route, n in sorted(by_route.items())))
    print(
        f"\nfuzz ({worker.base_url}): {sum(statuses.values())} requests, statuses {dict(statuses)}"
    )
    assert sum(statuses.values()) >= EXAMPLES_PER_ENGINE
    normal = {"messages": [{"role": "user", "content": "Hello"}], "max_tokens": 4}
    r = httpx.post(f"{worker.base_url}/chat/completions", headers=auth, json=normal, timeout=60)
    assert r.status_code == 200 and r.json()["usage"]["completion_tokens"] == 4
    assert worker.alive()
