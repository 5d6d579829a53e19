"""Context policy: a chat longer than the context is refused (400 context_length_exceeded)
unless it asks for "truncation": "auto"; then the system prompt and the newest whole turns
are kept, the last user message always, and the reply says how many messages were dropped."""

from __future__ import annotations

import pytest

from inference.context_fit import fit_prompt, keep_recent, split_turns
from inference.errors import RequestError
from inference.requests import ChatRequest, SamplingParams

SYSTEM = {"role": "system", "content": "be brief"}


def _chat(turns: int) -> list[dict]:
    messages = [SYSTEM]
    for i in range(turns):
        messages += [
            {"role": "user", "content": f"question {i}"},
            {"role": "assistant", "content": f"answer {i}"},
        ]
    return messages + [{"role": "user", "content": "last question"}]


def _words(messages: list[dict]) -> int:
    """A stand-in tokenizer: one token per word, two per message for the template."""
    return sum(len(m["content"].split()) + 2 for m in messages)


def test_turns_start_at_each_user_message_after_the_system_prompt():
    system, turns = split_turns([SYSTEM, {"role": "assistant", "content": "hello"}] + _chat(2)[1:])
    assert system == [SYSTEM]
    assert [t[0]["role"] for t in turns] == ["assistant", "user", "user", "user"]
    assert turns[-1] == [{"role": "user", "content": "last question"}]


def test_keeps_the_system_prompt_and_the_newest_whole_turns_that_fit():
    messages = _chat(10)  # 1 + 20 + 1 messages; each message costs 4 tokens here
    fitted = keep_recent(messages, _words, budget=4 + 4 * 4 + 4)
    assert fitted is not None
    assert fitted.messages[0] == SYSTEM
    assert fitted.messages[-1]["content"] == "last question"
    # Two whole question/answer turns fit beside the system prompt and the last question.
    assert [m["content"] for m in fitted.messages[1:-1]] == [
        "question 8",
        "answer 8",
        "question 9",
        "answer 9",
    ]
    assert fitted.dropped == 16 and fitted.tokens == _words(fitted.messages)


def test_a_turn_is_never_cut_in_half():
    messages = _chat(3)
    for budget in range(8, 40):
        fitted = keep_recent(messages, _words, budget)
        assert fitted is not None
        kept = fitted.messages[1:]
        assert kept[0]["role"] == "user" and fitted.tokens <= budget


def test_nothing_fits_when_the_last_message_alone_is_too_long():
    messages = [SYSTEM, {"role": "user", "content": "word " * 100}]
    assert keep_recent(messages, _words, budget=50) is None


def test_the_search_counts_few_prefixes():
    calls = []

    def counting(messages):
        calls.append(len(messages))
        return _words(messages)

    fitted = keep_recent(_chat(1000), counting, budget=400)
    assert fitted is not None and len(calls) <= 12


def _request(messages, truncation="disabled") -> ChatRequest:
    return ChatRequest(messages, SamplingParams(max_tokens=16), truncation=truncation)


def _encode(messages):
    return list(range(_words(messages)))


def test_fit_prompt_refuses_unless_truncation_is_auto():
    messages = _chat(50)
    with pytest.raises(RequestError) as refused:
        fit_prompt(_request(messages), _encode(messages), _encode, 100)
    assert refused.value.code == "context_length_exceeded"
    request = _request(messages, "auto")
    prompt = fit_prompt(request, _encode(messages), _encode, 100)
    assert len(prompt) <= 100 - 16 and request.truncated_messages > 0


# -- both engines, in process: the engine's own tokenizer and template --------------------
CONTEXT = 256


@pytest.fixture(scope="module", params=["mlx", "llamacpp"])
def small_context_app(request, tiny_model):
    from fastapi.testclient import TestClient

    from inference.memory_check import MemoryOptions
    from inference.model_source import load_engine, resolve
    from inference.scheduler import Scheduler
    from inference.server import create_app

    files = resolve(str(tiny_model))
    holder = {}

    def factory():
        holder["engine"] = load_engine(files, request.param, memory=MemoryOptions(context=CONTEXT))
        return holder["engine"]

    scheduler = Scheduler(factory)
    scheduler.start()
    app = create_app(scheduler, "t0ken")
    headers = {"Authorization": "Bearer t0ken"}
    with TestClient(app, base_url="http://127.0.0.1", headers=headers) as client:
        yield holder["engine"], client
    scheduler.stop()


def test_the_engine_keeps_what_fits_with_its_own_tokenizer(small_context_app):
    engine, _ = small_context_app
    messages = _chat(40)
    with pytest.raises(RequestError) as refused:
        engine.prepare(ChatRequest(messages))
    assert refused.value.code == "context_length_exceeded"
    request = _request(messages, "auto")
    prompt = engine.prepare(request)
    assert 0 < len(prompt) <= CONTEXT - 16
    kept = messages[:1] + messages[1 + request.truncated_messages :]
    assert prompt == engine.encode_chat(kept)  # exactly the kept messages, in order
    assert engine.info.context_length == CONTEXT


def test_the_api_truncates_on_request_and_says_how_many(small_context_app):
    _, http = small_context_app
    body = {"messages": _chat(40), "max_tokens": 4, "temperature": 0}
    r = http.post("/v1/chat/completions", json=body)
    assert r.status_code == 400 and r.json()["error"]["code"] == "context_length_exceeded"
    r = http.post("/v1/chat/completions", json=body | {"truncation": "auto"})
    assert r.status_code == 200, r.text
    usage = r.json()["usage"]
    assert usage["fennec"]["truncated_messages"] > 0
    assert usage["prompt_tokens"] < CONTEXT
    short = http.post("/v1/chat/completions", json=body | {"messages": _chat(1)})
    assert short.json()["usage"]["fennec"]["truncated_messages"] == 0
    bad = http.post("/v1/chat/completions", json=body | {"truncation": "yes"})
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "truncation"


def test_status_reports_the_context_in_use(small_context_app):
    _, http = small_context_app
    assert http.get("/v1/fennec/status").json()["context_length"] == CONTEXT
