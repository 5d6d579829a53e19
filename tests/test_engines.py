"""Both engines through the real scheduler: greedy equals the engine's own reference token for
token, sampling knobs work, KV cache is reused across turns, MLX batches concurrent requests."""

from __future__ import annotations

import queue

import pytest

from inference.requests import ChatRequest, SamplingParams
from inference.scheduler import Scheduler
from tests.worker_fixtures import ENGINES, engine_scheduler

MESSAGES = [{"role": "user", "content": "Hello, how does a fennec stay cool?"}]


def _collect(s: Scheduler, request: ChatRequest, timeout: float = 60.0):
    q: queue.Queue = queue.Queue()
    s.submit(request, q.put)
    text = ""
    while True:
        e = q.get(timeout=timeout)
        text += e.text
        if e.finish_reason is not None:
            return text, e


@pytest.fixture(scope="module", params=ENGINES)
def engine_and_scheduler(request, tiny_model):
    with engine_scheduler(tiny_model, request.param) as running:
        yield running


def test_greedy_equals_the_engines_own_reference(engine_and_scheduler, tiny_gguf):
    kind, engine, s = engine_and_scheduler
    tokens: list[int] = []
    original_step = engine.step

    def recording_step():
        outputs = original_step()
        tokens.extend(o.token for o in outputs)
        return outputs

    engine.step = recording_step
    try:
        _, last = _collect(s, ChatRequest(MESSAGES, SamplingParams(temperature=0.0, max_tokens=16)))
    finally:
        engine.step = original_step
    prompt = engine.encode_chat(MESSAGES)
    if kind == "mlx":
        from mlx_lm import stream_generate

        ref = stream_generate(engine.model, engine.tokenizer, prompt, max_tokens=16)
        assert tokens == [r.token for r in ref]
    else:
        # llama.cpp's own high-level API, greedy, in a fresh context of its own
        import llama_cpp

        llm = llama_cpp.Llama(model_path=str(tiny_gguf), n_ctx=512, verbose=False)
        ref = []
        for t in llm.generate(prompt, temp=0.0):
            ref.append(t)
            if len(ref) == 16:
                break
        assert tokens == ref
        completion = llm.create_completion(prompt, max_tokens=16, temperature=0.0)
        assert completion["usage"]["completion_tokens"] == last.completion_tokens
        llm.close()
    assert last.completion_tokens == 16 and last.finish_reason == "length"
    assert last.prompt_tokens == len(prompt)


def test_same_seed_same_answer_other_seed_other_answer(engine_and_scheduler):
    _, _, s = engine_and_scheduler
    params = dict(temperature=1.5, max_tokens=24, top_k=50, top_p=0.95, min_p=0.01)
    a, _ = _collect(s, ChatRequest(MESSAGES, SamplingParams(seed=7, **params)))
    b, _ = _collect(s, ChatRequest(MESSAGES, SamplingParams(seed=7, **params)))
    c, _ = _collect(s, ChatRequest(MESSAGES, SamplingParams(seed=8, **params)))
    assert a == b
    assert a != c


def test_repetition_penalty_changes_greedy_output(engine_and_scheduler):
    _, _, s = engine_and_scheduler
    plain, _ = _collect(s, ChatRequest(MESSAGES, SamplingParams(temperature=0, max_tokens=24)))
    penalised, _ = _collect(
        s,
        ChatRequest(MESSAGES, SamplingParams(temperature=0, max_tokens=24, repetition_penalty=3.0)),
    )
    assert plain != penalised


def test_stop_string_cuts_the_answer(engine_and_scheduler):
    _, _, s = engine_and_scheduler
    full, _ = _collect(s, ChatRequest(MESSAGES, SamplingParams(temperature=0, max_tokens=24)))
    stop = full[6:9]
    cut, last = _collect(
        s, ChatRequest(MESSAGES, SamplingParams(temperature=0, max_tokens=24, stop=(stop,)))
    )
    assert cut == full[: full.find(stop)]
    assert last.finish_reason == "stop"


def test_second_turn_reuses_the_kv_cache(engine_and_scheduler):
    _, _, s = engine_and_scheduler
    turn1 = [{"role": "user", "content": "Tell me about thermal limits in laptops."}]
    answer, first = _collect(s, ChatRequest(turn1, SamplingParams(temperature=0, max_tokens=12)))
    turn2 = turn1 + [
        {"role": "assistant", "content": answer},
        {"role": "user", "content": "And power limits?"},
    ]
    _, second = _collect(s, ChatRequest(turn2, SamplingParams(temperature=0, max_tokens=4)))
    # Everything up to the end of turn one's prompt at least is served from cache.
    assert second.cached_tokens >= first.prompt_tokens
    assert second.cached_tokens < second.prompt_tokens


def test_concurrent_requests_all_finish_in_one_batch(engine_and_scheduler):
    _, _, s = engine_and_scheduler
    sizes: list[int] = []
    s.add_step_observer(lambda r: sizes.append(r.batch_size))
    queues = []
    for i in range(4):
        q: queue.Queue = queue.Queue()
        s.submit(
            ChatRequest(
                [{"role": "user", "content": f"question {i}"}],
                SamplingParams(temperature=0, max_tokens=10),
            ),
            q.put,
        )
        queues.append(q)
    for q in queues:
        while (e := q.get(timeout=60)).finish_reason is None:
            pass
        assert e.finish_reason == "length"
    assert max(sizes) == 4  # both engines batch continuously


RAISING_TEMPLATE = "{{ raise_exception('Conversation roles must alternate user/assistant') }}"


def test_a_template_that_refuses_the_messages_is_the_clients_error(
    engine_and_scheduler, monkeypatch
):
    """Some models' templates raise on a conversation they do not accept (Mixtral's wants
    alternating roles): that is a 400 naming the messages, not a server fault."""
    kind, engine, s = engine_and_scheduler
    if kind == "mlx":
        monkeypatch.setattr(engine.tokenizer._tokenizer, "chat_template", RAISING_TEMPLATE)
    else:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        refusing = Jinja2ChatFormatter(template=RAISING_TEMPLATE, eos_token="", bos_token="")
        monkeypatch.setattr(engine, "_formatter", refusing)
    _, last = _collect(s, ChatRequest(MESSAGES, SamplingParams(max_tokens=4)))
    assert (last.finish_reason, last.error_is_request, last.error_param) == (
        "error",
        True,
        "messages",
    )
    assert "must alternate" in last.error
