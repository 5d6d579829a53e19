"""Issue 9, items 1 and 5, on both engines through the real scheduler: a request that fails
ends alone (its neighbours' answers are unchanged, later requests run), and a seeded request
gives the same answer beside others as alone."""

from __future__ import annotations

import queue

import pytest

from inference import engine_mlx_sampling
from inference.requests import ChatRequest, SamplingParams
from inference.scheduler import Scheduler
from tests.worker_fixtures import ENGINES, engine_scheduler

MESSAGES = [{"role": "user", "content": "Hello, how does a fennec stay cool?"}]
GREEDY = SamplingParams(temperature=0.0, max_tokens=40)
BAD_TOP_K = 7  # the injected failure below strikes requests with this top_k


@pytest.fixture(scope="module", params=ENGINES)
def engine_and_scheduler(request, tiny_model):
    with engine_scheduler(tiny_model, request.param) as running:
        yield running


def _submit(s: Scheduler, params: SamplingParams, messages=MESSAGES) -> queue.Queue:
    q: queue.Queue = queue.Queue()
    s.submit(ChatRequest(messages, params), q.put)
    return q


def _result(q: queue.Queue, timeout: float = 60.0):
    text = ""
    while True:
        e = q.get(timeout=timeout)
        text += e.text
        if e.finish_reason is not None:
            return text, e


def _inject_failure(kind: str, engine, monkeypatch) -> None:
    """Make requests with top_k == BAD_TOP_K fail inside the engine's decode step."""
    if kind == "mlx":
        real = engine_mlx_sampling.apply_top_k

        def failing_top_k(logprobs, top_k):
            if top_k == BAD_TOP_K:
                raise ValueError("injected sampler failure")
            return real(logprobs, top_k)

        monkeypatch.setattr(engine_mlx_sampling, "apply_top_k", failing_top_k)
    else:
        from inference.llamacpp_batch import SequenceSampler

        real_sample = SequenceSampler.sample

        def failing_sample(self, ctx, row):
            if self.params.top_k == BAD_TOP_K:
                raise RuntimeError("injected sampler failure")
            return real_sample(self, ctx, row)

        monkeypatch.setattr(SequenceSampler, "sample", failing_sample)


def test_a_failing_request_ends_alone_and_poisons_nothing(engine_and_scheduler, monkeypatch):
    kind, engine, s = engine_and_scheduler
    solo, _ = _result(_submit(s, GREEDY))
    sizes: list[int] = []
    s.add_step_observer(lambda report: sizes.append(report.batch_size))
    _inject_failure(kind, engine, monkeypatch)
    neighbour = _submit(s, GREEDY)
    bad = _submit(s, SamplingParams(temperature=1.0, top_k=BAD_TOP_K, max_tokens=40, seed=1))
    after_text, after = _result(bad)
    assert after.finish_reason == "error" and after.error
    text, last = _result(neighbour)
    assert (text, last.finish_reason) == (solo, "length")
    assert max(sizes) >= 2  # they really shared a batch
    monkeypatch.undo()
    # Later requests, sampled and greedy, run as before.
    sampled_text, sampled = _result(_submit(s, SamplingParams(temperature=1.0, max_tokens=8)))
    assert sampled.finish_reason in ("length", "stop")
    assert _result(_submit(s, GREEDY))[0] == solo


def test_a_failed_decode_step_leaves_a_clean_engine(engine_and_scheduler, monkeypatch):
    """A step failing for no one request's fault ends the running ones; the next run as new."""
    kind, engine, s = engine_and_scheduler
    solo, _ = _result(_submit(s, GREEDY))
    real_step = engine.step
    calls = {"n": 0}

    def step_failing_once():
        calls["n"] += 1
        if calls["n"] == 3:
            if kind == "mlx":
                # The model itself fails, as a real fault would, on either MLX path.
                monkeypatch.setattr(type(engine.model), "__call__", _raise)
            else:
                raise RuntimeError("injected fault")
        return real_step()

    monkeypatch.setattr(engine, "step", step_failing_once)
    _, last = _result(_submit(s, GREEDY))
    assert last.finish_reason == "error"
    monkeypatch.undo()
    assert _result(_submit(s, GREEDY))[0] == solo
    assert _result(_submit(s, SamplingParams(temperature=1.0, max_tokens=8)))[1].error is None


def _raise(*_args, **_kwargs):
    raise RuntimeError("injected fault in the model")


def test_top_k_past_the_vocabulary_runs_beside_others(engine_and_scheduler):
    _, _, s = engine_and_scheduler
    solo, _ = _result(_submit(s, GREEDY))
    neighbour = _submit(s, GREEDY)
    wide = _submit(s, SamplingParams(temperature=1.0, top_k=100_000, max_tokens=8))
    assert _result(wide)[1].finish_reason in ("length", "stop")
    assert _result(neighbour)[0] == solo


def test_concurrent_seeded_requests_reproduce_the_solo_answer(engine_and_scheduler):
    _, _, s = engine_and_scheduler
    seeded = SamplingParams(temperature=1.0, top_p=0.95, max_tokens=32, seed=1234)
    solo, _ = _result(_submit(s, seeded))
    other_seed, _ = _result(_submit(s, SamplingParams(**{**seeded.__dict__, "seed": 99})))
    assert other_seed != solo  # the seed matters, so equality below means something
    queues = [_submit(s, seeded) for _ in range(3)]
    unseeded = _submit(s, SamplingParams(temperature=1.0, max_tokens=32))
    other = _submit(s, SamplingParams(temperature=1.0, max_tokens=32, seed=7))
    assert [_result(q)[0] for q in queues] == [solo] * 3
    _result(unseeded)
    _result(other)


def test_unseeded_requests_differ(engine_and_scheduler):
    """An unseeded request draws its own numbers (it does not inherit an earlier seed)."""
    _, _, s = engine_and_scheduler
    _result(_submit(s, SamplingParams(temperature=1.0, max_tokens=4, seed=5)))
    params = SamplingParams(temperature=1.5, max_tokens=24)
    answers = {_result(_submit(s, params))[0] for _ in range(3)}
    assert len(answers) > 1
