"""gpt-oss-style harmony reasoning apart from the answer, on real workers of both engines: a
model whose template opens the analysis channel writes reasoning, then (nudged towards the
markers) a new message header and a body; the API gives the analysis as reasoning_content
and the rest as content. The reference is the same model's raw output in this process,
split by a regular-expression reading of the format (tests/harmony_model.py)."""

from __future__ import annotations

import itertools
import json

import pytest

from inference.model_source import load_engine, resolve
from inference.requests import ChatRequest, SamplingParams
from tests.harmony_model import harmony_reference, make_harmony_model, marker_ids
from tests.worker_fixtures import ENGINES, api_client, api_worker

TEXTS = ["The fennec fox", "快速的棕色狐狸", "Hello! How can I help you today?", "def add(a, b):"]
NUDGES = list(itertools.product((0.9, 1.2, 0.6), (0.2, 0.4, 0.8)))  # (<|start|>, <|message|>)
TOKENS = 48


@pytest.fixture(scope="module")
def harmony_model(tmp_path_factory):
    return make_harmony_model(tmp_path_factory.mktemp("harmony-qwen3-moe"))


@pytest.fixture(scope="module", params=ENGINES)
def engine_name(request) -> str:
    return request.param


def _request(text: str, bias: tuple) -> ChatRequest:
    params = SamplingParams(temperature=0.0, max_tokens=TOKENS, logit_bias=bias)
    return ChatRequest([{"role": "user", "content": text}], params)


@pytest.fixture(scope="module")
def reference(harmony_model, engine_name):
    """(text, bias, expected split) of an answer with both reasoning and answer text."""
    engine = load_engine(resolve(str(harmony_model)), engine_name)
    ids = marker_ids(harmony_model)
    try:
        for text, (start, message) in itertools.product(TEXTS, NUDGES):
            bias = ((ids["<|start|>"], start), (ids["<|message|>"], message))
            request = _request(text, bias)
            engine.start(request, engine.prepare(request))
            parts, done = [], False
            while not done:
                for out in engine.step():
                    parts.append(out.text)
                    done = done or out.finish_reason is not None
            assert request.prompt_tail.endswith("<|channel|>analysis<|message|>")
            split = harmony_reference("<|channel|>analysis<|message|>" + "".join(parts))
            if split.reasoning.strip() and split.content.strip():
                return text, bias, split
        pytest.fail("no nudge made the model leave its analysis for another message")
    finally:
        engine.close()


@pytest.fixture(scope="module")
def worker(harmony_model, engine_name, reference):
    with api_worker(harmony_model, engine_name, max_batch=4) as w:
        yield w


def _body(text: str, bias: tuple, **extra) -> dict:
    return {
        "messages": [{"role": "user", "content": text}],
        "temperature": 0,
        "max_tokens": TOKENS,
        "logit_bias": {str(t): b for t, b in bias},
    } | extra


def test_analysis_is_reasoning_and_the_next_message_is_the_answer(worker, reference):
    text, bias, expected = reference
    with api_client(worker) as http:
        r = http.post("/chat/completions", json=_body(text, bias))
        assert r.status_code == 200, r.text
        message = r.json()["choices"][0]["message"]
        assert (message["reasoning_content"], message["content"]) == (
            expected.reasoning,
            expected.content,
        )
        deltas = []
        with http.stream("POST", "/chat/completions", json=_body(text, bias, stream=True)) as s:
            for line in s.iter_lines():
                if line.startswith("data: ") and line != "data: [DONE]":
                    deltas += [c["delta"] for c in json.loads(line[6:])["choices"]]
    reasoning = "".join(d.get("reasoning_content", "") for d in deltas)
    content = "".join(d.get("content", "") for d in deltas)
    assert (reasoning, content) == (expected.reasoning, expected.content)
