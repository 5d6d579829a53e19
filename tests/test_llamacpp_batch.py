"""The llama.cpp engine's continuous batching, driven step by step without the scheduler:
joining and leaving a running batch, chunked prefill, per-sequence sampling, stops,
cancellation freeing KV at once, and KV reuse per conversation across turns."""

from __future__ import annotations

import llama_cpp
import pytest

from inference import engine_llamacpp
from inference.engine_llamacpp import LlamaCppEngine
from inference.requests import ChatRequest, SamplingParams

GREEDY = SamplingParams(temperature=0.0, max_tokens=12)


@pytest.fixture(scope="module")
def engine(tiny_gguf):
    e = LlamaCppEngine(str(tiny_gguf), "tiny")
    yield e
    e.close()


def _chat(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


def _run(engine: LlamaCppEngine, requests: list[ChatRequest]) -> dict[int, list]:
    """Start every request, step until all end; each request's outputs in order."""
    out: dict[int, list] = {r.id: [] for r in requests}
    for r in requests:
        engine.start(r)
    while engine.running():
        for o in engine.step():
            out[o.request_id].append(o)
    return out


def _tokens(outputs: list) -> list[int]:
    return [o.token for o in outputs]


def _solo(engine: LlamaCppEngine, messages: list[dict], params: SamplingParams) -> list[int]:
    r = ChatRequest(messages, params)
    return _tokens(_run(engine, [r])[r.id])


def _kv_cells(engine: LlamaCppEngine, seq_id: int) -> int:
    memory = llama_cpp.llama_get_memory(engine._context.ctx)
    return llama_cpp.llama_memory_seq_pos_max(memory, seq_id) + 1


def test_a_newcomer_joins_a_running_answer_and_both_equal_their_solo_answers(engine):
    first, second = _chat("What keeps a fennec cool?"), _chat("Name a desert.")
    solo_first, solo_second = _solo(engine, first, GREEDY), _solo(engine, second, GREEDY)
    a = ChatRequest(first, GREEDY)
    engine.start(a)
    got = {a.id: _tokens(engine.step()) + _tokens(engine.step())}  # a is decoding
    b = ChatRequest(second, GREEDY)
    engine.start(b)
    got[b.id] = []
    sizes = []
    while engine.running():
        outputs = engine.step()
        sizes.append(len(outputs))
        for o in outputs:
            got[o.request_id].append(o.token)
    assert got[a.id] == solo_first and got[b.id] == solo_second
    assert max(sizes) == 2  # they shared decode steps
    assert sizes[-1] == 1  # the one left ran on alone after the other left


def test_a_long_prompt_is_prefilled_in_chunks_while_the_running_stream_flows(engine, monkeypatch):
    monkeypatch.setattr(engine_llamacpp, "PREFILL_CHUNK", 16)
    long_chat = _chat("thermal " * 60)
    runner = ChatRequest(_chat("Hello"), SamplingParams(temperature=0.0, max_tokens=30))
    engine.start(runner)
    engine.step()
    newcomer = ChatRequest(long_chat, SamplingParams(temperature=0.0, max_tokens=2))
    admission = engine.start(newcomer)
    assert admission.prompt_tokens > 3 * 16
    steps_until_first_token = 0
    while True:
        outputs = {o.request_id: o for o in engine.step()}
        steps_until_first_token += 1
        assert runner.id in outputs  # one token every step, prefill or not
        if newcomer.id in outputs:
            break
    assert steps_until_first_token >= admission.prompt_tokens // 16
    engine.cancel(runner.id)
    engine.cancel(newcomer.id)


def test_each_sequence_samples_with_its_own_seed_beside_others(engine):
    params = dict(temperature=1.2, top_k=40, top_p=0.95, max_tokens=16)
    seeds = [1, 2, 1]
    solos = {
        s: _solo(engine, _chat("Tell me a story"), SamplingParams(seed=s, **params)) for s in (1, 2)
    }
    assert solos[1] != solos[2]
    requests = [
        ChatRequest(_chat("Tell me a story"), SamplingParams(seed=s, **params)) for s in seeds
    ]
    got = _run(engine, requests)
    assert [_tokens(got[r.id]) for r in requests] == [solos[s] for s in seeds]


def test_greedy_and_sampled_sequences_share_a_batch(engine):
    greedy_solo = _solo(engine, _chat("Why are ears big?"), GREEDY)
    greedy = ChatRequest(_chat("Why are ears big?"), GREEDY)
    hot = ChatRequest(_chat("Why are ears big?"), SamplingParams(temperature=2.0, max_tokens=12))
    got = _run(engine, [greedy, hot])
    assert _tokens(got[greedy.id]) == greedy_solo
    assert len(got[hot.id]) >= 1


def test_end_of_generation_stops_the_sequence(engine):
    eos = engine._llm.token_eos()
    forced = SamplingParams(temperature=0.0, max_tokens=12, logit_bias=((eos, 100.0),))
    r = ChatRequest(_chat("Say nothing"), forced)
    (only,) = _run(engine, [r])[r.id]
    assert (only.finish_reason, only.token, only.text) == ("stop", eos, "")


def test_max_tokens_ends_with_length(engine):
    r = ChatRequest(_chat("Count"), SamplingParams(temperature=0.0, max_tokens=5))
    outputs = _run(engine, [r])[r.id]
    assert len(outputs) == 5 and outputs[-1].finish_reason == "length"
    assert all(o.finish_reason is None for o in outputs[:-1])


def test_cancel_frees_the_sequences_kv_at_once(engine):
    r = ChatRequest(_chat("A long answer please"), SamplingParams(temperature=0, max_tokens=50))
    engine.start(r)
    for _ in range(3):
        engine.step()
    seq_id = engine._running[r.id].seq_id
    assert _kv_cells(engine, seq_id) > 0
    engine.cancel(r.id)
    assert engine.running() == 0
    assert _kv_cells(engine, seq_id) == 0
    engine.cancel(r.id)  # twice is harmless


def test_each_conversation_reuses_its_own_kv_across_turns(engine):
    convo_a, convo_b = _chat("Tell me about heat sinks."), _chat("Tell me about fans.")
    a1, b1 = ChatRequest(convo_a, GREEDY), ChatRequest(convo_b, GREEDY)
    got = _run(engine, [a1, b1])  # both finish and stay parked
    answer_a = "".join(o.text for o in got[a1.id])
    a2_messages = convo_a + [
        {"role": "assistant", "content": answer_a},
        {"role": "user", "content": "And heat pipes?"},
    ]
    a2 = ChatRequest(a2_messages, GREEDY)
    admission = engine.start(a2)
    prompt_a1 = len(engine.encode_chat(convo_a))
    assert prompt_a1 <= admission.cached_tokens < admission.prompt_tokens
    engine.cancel(a2.id)
    # The same turn again after a cancel has nothing parked for it: a fresh prefill.
    assert engine.start(ChatRequest(a2_messages, GREEDY)).cached_tokens < prompt_a1
    while engine.running():
        engine.step()


def test_a_repeated_prompt_answers_the_same_from_the_parked_kv(engine):
    solo = _solo(engine, _chat("Repeat after me"), GREEDY)
    r = ChatRequest(_chat("Repeat after me"), GREEDY)
    admission = engine.start(r)
    assert admission.cached_tokens == admission.prompt_tokens - 1  # the last one re-decoded
    got = []
    while engine.running():
        got += _tokens(engine.step())
    assert got == solo
