"""The MLX engine's two paths: a lone request on the single-stream path, BatchGenerator from
the second request on, back to the single path when one is left. Streams survive every
switch token for token (greedy and seeded), KV reuse survives, cancels and failures end
only their own sequence, and the governor's batch limit keeps a lone stream single."""

from __future__ import annotations

import queue

import pytest

from inference import engine_mlx_sampling
from inference.engine_mlx import MlxEngine
from inference.requests import ChatRequest, SamplingParams
from inference.scheduler import Scheduler

GREEDY = SamplingParams(temperature=0.0, max_tokens=24)
SEEDED = SamplingParams(temperature=1.0, top_k=20, max_tokens=24, seed=11)


@pytest.fixture(scope="module")
def engine(tiny_model):
    e = MlxEngine(str(tiny_model), "tiny")
    yield e
    e.close()


def _chat(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


def _drain(engine: MlxEngine, got: dict[int, list], modes: list[str] | None = None) -> None:
    while engine.running():
        for o in engine.step():
            got.setdefault(o.request_id, []).append(o)
        if modes is not None:
            modes.append(engine.mode)


def _solo(engine: MlxEngine, messages: list[dict], params: SamplingParams) -> list[int]:
    r = ChatRequest(messages, params)
    engine.start(r)
    assert engine.mode == "single"
    got: dict[int, list] = {}
    _drain(engine, got)
    return [o.token for o in got[r.id]]


@pytest.mark.parametrize("params", [GREEDY, SEEDED], ids=["greedy", "seeded"])
def test_a_stream_keeps_its_tokens_through_single_batch_single(engine, params):
    long_chat, short_chat = _chat("Why do fennecs have big ears?"), _chat("Hi")
    short = SamplingParams(temperature=0.0, max_tokens=4)
    solo_long, solo_short = _solo(engine, long_chat, params), _solo(engine, short_chat, short)
    a = ChatRequest(_chat("Why do fennecs have big ears?"), params)
    engine.start(a)
    got: dict[int, list] = {}
    for _ in range(5):
        for o in engine.step():
            got.setdefault(o.request_id, []).append(o)
    assert engine.mode == "single"
    b = ChatRequest(short_chat, short)
    engine.start(b)
    assert engine.mode == "batch"
    modes: list[str] = []
    _drain(engine, got, modes)
    assert [o.token for o in got[a.id]] == solo_long
    assert [o.token for o in got[b.id]] == solo_short
    assert "single" in modes[modes.index("batch") :]  # back alone once b left
    assert engine.mode == "idle"


def test_kv_reuse_survives_the_switches(engine):
    turn1 = _chat("Tell me about heat pipes.")
    a = ChatRequest(turn1, GREEDY)
    engine.start(a)
    engine.step()
    engine.start(ChatRequest(_chat("Hi"), SamplingParams(temperature=0.0, max_tokens=2)))
    got: dict[int, list] = {}
    _drain(engine, got)  # a finishes on the single path after the batch
    answer = "".join(o.text for o in got[a.id])
    turn2 = turn1 + [
        {"role": "assistant", "content": answer},
        {"role": "user", "content": "And vapour chambers?"},
    ]
    admission = engine.start(ChatRequest(turn2, GREEDY))
    assert len(engine.encode_chat(turn1)) <= admission.cached_tokens < admission.prompt_tokens
    _drain(engine, {})


def test_cancel_in_either_mode_ends_only_that_stream(engine):
    a = ChatRequest(_chat("One"), GREEDY)
    engine.start(a)
    engine.step()
    engine.cancel(a.id)
    assert (engine.mode, engine.running()) == ("idle", 0)
    solo_b = _solo(engine, _chat("Two"), GREEDY)
    a, b = ChatRequest(_chat("One"), GREEDY), ChatRequest(_chat("Two"), GREEDY)
    engine.start(a)
    engine.start(b)
    got: dict[int, list] = {}
    for o in engine.step():
        got.setdefault(o.request_id, []).append(o)
    engine.cancel(a.id)
    _drain(engine, got)
    assert [o.token for o in got[b.id]] == solo_b


def test_a_sampler_failure_on_the_single_path_ends_that_stream(engine, monkeypatch):
    def failing_top_k(logprobs, top_k):
        raise ValueError("injected sampler failure")

    monkeypatch.setattr(engine_mlx_sampling, "apply_top_k", failing_top_k)
    r = ChatRequest(_chat("fail"), SamplingParams(temperature=1.0, top_k=5, max_tokens=8))
    engine.start(r)
    (out,) = engine.step()
    assert out.finish_reason == "error" and "injected" in out.error
    assert engine.mode == "idle"


def test_a_batch_limit_of_one_keeps_every_stream_on_the_single_path(tiny_model):
    holder = {}

    def factory():
        holder["engine"] = MlxEngine(str(tiny_model), "tiny")
        return holder["engine"]

    s = Scheduler(factory, max_batch=8)
    s.start()
    try:
        s.set_max_batch(1)  # the governor's knob
        modes: list[str] = []
        s.add_step_observer(lambda _r: modes.append(holder["engine"].mode))
        queues = []
        for i in range(3):
            q: queue.Queue = queue.Queue()
            s.submit(
                ChatRequest(_chat(f"q{i}"), SamplingParams(temperature=0, max_tokens=6)), q.put
            )
            queues.append(q)
        for q in queues:
            while q.get(timeout=60).finish_reason is None:
                pass
        assert modes and set(modes) <= {"single", "idle"}
    finally:
        s.stop()
