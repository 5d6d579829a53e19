"""Reasoning apart from the answer, on real workers of both engines: a model whose template
opens `<think>` writes reasoning, then `</think>`, then its answer; the API streams the first
as `delta.reasoning_content` and the rest as `delta.content`, and says the same in one body.

The reference is the same model run in this process, its raw output split at the tag by
hand; the worker's split goes through the streaming splitter over real token boundaries.
"""

from __future__ import annotations

import json

import pytest

from inference.client import ChatClient
from inference.model_source import load_engine, resolve
from inference.reasoning_split import prompt_opens_reasoning
from inference.requests import ChatRequest, SamplingParams
from tests.thinking_model import make_thinking_model, think_token_ids
from tests.worker_fixtures import ENGINES, api_client, api_worker

QUESTION = [{"role": "user", "content": "Hello! How can I help you today?"}]
TOKENS = 24
# Small nudges towards `</think>`: the first that ends the reasoning mid-answer is used (the
# unnudged greedy answer of this seed already does, on both engines).
NUDGES = (0.0, 0.5, 1.0, 1.5, 2.0)


@pytest.fixture(scope="module")
def thinking_model(tmp_path_factory):
    return make_thinking_model(tmp_path_factory.mktemp("thinking-qwen3-moe"))


@pytest.fixture(scope="module", params=ENGINES)
def engine_name(request) -> str:
    return request.param


def raw_answer(engine, messages, bias=(), template_kwargs=None) -> tuple[str, bool]:
    """Greedy output of the engine in this process, unsplit, and whether the prompt opened
    the reasoning block."""
    request = ChatRequest(
        messages,
        SamplingParams(temperature=0.0, max_tokens=TOKENS, logit_bias=bias),
        template_kwargs=template_kwargs or {},
    )
    engine.start(request, engine.prepare(request))
    parts = []
    while True:
        for out in engine.step():
            parts.append(out.text)
            if out.finish_reason is not None:
                return "".join(parts), prompt_opens_reasoning(request.prompt_tail)


@pytest.fixture(scope="module")
def reference(thinking_model, engine_name):
    """(logit bias, raw text) of an answer with reasoning and an answer, and the raw text
    with thinking switched off."""
    engine = load_engine(resolve(str(thinking_model)), engine_name)
    _, close = think_token_ids(thinking_model)
    try:
        for nudge in NUDGES:
            bias = ((close, nudge),) if nudge else ()
            raw, opened = raw_answer(engine, QUESTION, bias)
            assert opened, "the template opens <think>: the engine must see it"
            before, tag, after = raw.partition("</think>")
            if tag and before.strip() and after.strip():
                break
        else:
            pytest.fail(f"no nudge in {NUDGES} made the model close its reasoning mid-answer")
        off, opened_off = raw_answer(engine, QUESTION, template_kwargs={"enable_thinking": False})
        assert not opened_off
        return bias, raw, off
    finally:
        engine.close()


@pytest.fixture(scope="module")
def worker(thinking_model, engine_name, reference):  # the reference first: one model at a time
    with api_worker(thinking_model, engine_name, max_batch=4) as w:
        yield w


def _body(bias, **extra) -> dict:
    body = {"messages": QUESTION, "temperature": 0, "max_tokens": TOKENS} | extra
    if bias:
        body["logit_bias"] = {str(t): b for t, b in bias}
    return body


def _stream(http, body: dict) -> list[dict]:
    deltas = []
    with http.stream("POST", "/chat/completions", json=body | {"stream": True}) as r:
        assert r.status_code == 200, r.read()
        for line in r.iter_lines():
            if line.startswith("data: ") and line != "data: [DONE]":
                event = json.loads(line[6:])
                deltas += [c["delta"] for c in event["choices"]]
    return deltas


def test_reasoning_and_answer_come_apart_in_one_body_and_in_the_stream(worker, reference):
    bias, raw, _ = reference
    before, _, after = raw.partition("</think>")
    with api_client(worker) as http:
        r = http.post("/chat/completions", json=_body(bias))
        assert r.status_code == 200, r.text
        message = r.json()["choices"][0]["message"]
        assert message["reasoning_content"] == before.strip()
        assert message["content"] == after.lstrip()
        assert "</think>" not in message["reasoning_content"]

        deltas = _stream(http, _body(bias))
    reasoning = "".join(d.get("reasoning_content", "") for d in deltas)
    content = "".join(d.get("content", "") for d in deltas)
    assert (reasoning, content) == (before.strip(), after.lstrip())
    kinds = [k for d in deltas for k in d if k != "role" and d[k]]
    first_answer = kinds.index("content")
    assert set(kinds[:first_answer]) == {"reasoning_content"}
    assert set(kinds[first_answer:]) == {"content"}  # nothing of the reasoning after it


def test_the_client_hands_reasoning_over_in_delta_reasoning(worker, reference):
    bias, raw, _ = reference
    before, _, after = raw.partition("</think>")
    client = ChatClient(worker.base_url, worker.token)
    try:
        params = {"temperature": 0, "max_tokens": TOKENS}
        if bias:
            params["logit_bias"] = {str(t): b for t, b in bias}
        deltas = list(client.stream_chat(QUESTION, **params))
    finally:
        client.close()
    assert "".join(d.reasoning for d in deltas) == before.strip()
    assert "".join(d.text for d in deltas) == after.lstrip()
    assert not any(d.reasoning and d.text for d in deltas)


@pytest.mark.parametrize(
    "switch", [{"think": False}, {"chat_template_kwargs": {"enable_thinking": False}}]
)
def test_thinking_switched_off_reaches_the_template(worker, reference, switch):
    _, _, off = reference
    with api_client(worker) as http:
        on = http.post("/chat/completions", json=_body(())).json()
        r = http.post("/chat/completions", json=_body((), **switch))
    assert r.status_code == 200, r.text
    body = r.json()
    message = body["choices"][0]["message"]
    assert "reasoning_content" not in message  # the template closed the block itself
    assert message["content"] == off
    # The closed empty block is in the prompt: more prompt tokens than with thinking on.
    assert body["usage"]["prompt_tokens"] > on["usage"]["prompt_tokens"]


def test_reasoning_sent_back_is_never_shown_to_the_model(worker):
    turns = [
        {"role": "user", "content": "Hello!"},
        {"role": "assistant", "content": "Hi there."},
        {"role": "user", "content": "Please explain how a mixture of experts works."},
    ]
    with_reasoning = [dict(m) for m in turns]
    with_reasoning[1]["reasoning_content"] = "a long secret chain of thought " * 20
    in_content = [dict(m) for m in turns]
    in_content[1]["content"] = "<think>\nthe chain of thought again\n</think>\n\nHi there."
    counts = []
    with api_client(worker) as http:
        for messages in (turns, with_reasoning, in_content):
            body = {"messages": messages, "max_tokens": 1, "temperature": 0}
            r = http.post("/chat/completions", json=body)
            assert r.status_code == 200, r.text
            counts.append(r.json()["usage"]["prompt_tokens"])
    assert counts[0] == counts[1] == counts[2]


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"think": "no"}, "think"),
        ({"chat_template_kwargs": {"enable_thinking": 0}}, "chat_template_kwargs.enable_thinking"),
        (
            {"chat_template_kwargs": {"tools_in_user_message": True}},
            "chat_template_kwargs.tools_in_user_message",
        ),
        ({"reasoning_effort": "extreme"}, "reasoning_effort"),
    ],
)
def test_a_wrong_switch_is_a_400_naming_it(worker, extra, param):
    with api_client(worker) as http:
        r = http.post("/chat/completions", json=_body((), **extra))
    assert r.status_code == 400
    assert r.json()["error"]["param"] == param
