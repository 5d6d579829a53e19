"""The scheduler's contract, on a scripted engine: batching, knobs, cancel, errors as values."""

from __future__ import annotations

import queue
import threading
import time

import pytest

from inference.engine import StepOutput
from inference.errors import ModelError, RequestError
from inference.requests import ChatRequest, SamplingParams
from inference.scheduler import Scheduler
from tests.fake_engine import FakeEngine
from thermal.clock import ManualClock


def _request(text="hi", **params) -> ChatRequest:
    return ChatRequest([{"role": "user", "content": text}], SamplingParams(**params))


def _drain(q: queue.Queue, n_finished: int, timeout: float = 10.0) -> list:
    events, done, deadline = [], 0, time.monotonic() + timeout
    while done < n_finished:
        e = q.get(timeout=max(0.01, deadline - time.monotonic()))
        events.append(e)
        done += e.finish_reason is not None
    return events


@pytest.fixture
def run():
    schedulers = []

    def make(engine: FakeEngine, **kw) -> Scheduler:
        s = Scheduler(lambda: engine, **kw)
        s.start()
        schedulers.append(s)
        return s

    yield make
    for s in schedulers:
        s.stop()


def test_streams_text_and_finishes_with_usage(run):
    s = run(FakeEngine(words_per_answer=3))
    q: queue.Queue = queue.Queue()
    s.submit(_request(), q.put)
    events = _drain(q, 1)
    assert "".join(e.text for e in events) == "w1 w2 w3 "
    last = events[-1]
    assert last.finish_reason == "length"
    assert last.completion_tokens == 3 and last.prompt_tokens == 3


def test_requests_join_the_running_batch_up_to_the_limit(run):
    engine = FakeEngine(words_per_answer=20)
    engine.step_gate = threading.Semaphore(0)
    s = run(engine, max_batch=3)
    q: queue.Queue = queue.Queue()
    for _ in range(5):
        s.submit(_request(), q.put)
    for _ in range(200):
        engine.step_gate.release()
    _drain(q, 5)
    assert max(engine.batch_sizes) == 3  # never more than the limit
    assert engine.batch_sizes[0] >= 1


def test_lowering_the_batch_limit_applies_to_admissions_at_next_step(run):
    engine = FakeEngine(words_per_answer=4)
    s = run(engine, max_batch=1)
    s.set_max_batch(4)
    q: queue.Queue = queue.Queue()
    for _ in range(4):
        s.submit(_request(), q.put)
    _drain(q, 4)
    assert max(engine.batch_sizes) == 4
    assert s.status().max_batch == 4


def test_pacing_sleeps_on_the_injected_clock_between_steps(run):
    clock = ManualClock()
    s = run(FakeEngine(words_per_answer=5), clock=clock, pacing_s=0.5)
    q: queue.Queue = queue.Queue()
    s.submit(_request(), q.put)
    _drain(q, 1)
    # 5 steps, a pause after each step that leaves work running: 4 × 0.5 s of simulated time
    assert clock.monotonic() == pytest.approx(2.0)
    s.set_pacing(0)
    assert s.status().pacing_s == 0


def test_cancel_frees_the_slot_immediately(run):
    engine = FakeEngine(words_per_answer=10**6)
    s = run(engine, max_batch=1)
    q1: queue.Queue = queue.Queue()
    q2: queue.Queue = queue.Queue()
    first = _request()
    s.submit(first, q1.put)
    q1.get(timeout=5)  # it is running
    second = _request()
    s.submit(second, q2.put)
    s.cancel(first.id)
    assert _drain(q1, 1)[-1].finish_reason == "cancelled"
    assert q2.get(timeout=5).request_id == second.id  # the freed slot went to the waiting one
    assert first.id in engine.cancelled
    s.cancel(second.id)
    _drain(q2, 1)


def test_cancel_of_a_queued_request(run):
    engine = FakeEngine(words_per_answer=10**6)
    s = run(engine, max_batch=1)
    q: queue.Queue = queue.Queue()
    running, waiting = _request(), _request()
    s.submit(running, q.put)
    s.submit(waiting, q.put)
    s.cancel(waiting.id)
    s.cancel(running.id)
    reasons = {e.request_id: e.finish_reason for e in _drain(q, 2)}
    assert reasons == {running.id: "cancelled", waiting.id: "cancelled"}


def test_stop_string_ends_the_request_and_cancels_it_in_the_engine(run):
    engine = FakeEngine(words_per_answer=10)
    s = run(engine)
    q: queue.Queue = queue.Queue()
    r = _request(stop=("w3",))
    s.submit(r, q.put)
    events = _drain(q, 1)
    assert "".join(e.text for e in events) == "w1 w2 "
    assert events[-1].finish_reason == "stop"
    assert r.id in engine.cancelled


def test_a_failing_step_ends_running_requests_with_an_error_and_the_worker_goes_on(run):
    engine = FakeEngine(words_per_answer=3, fail_on_step=1)
    s = run(engine)
    q: queue.Queue = queue.Queue()
    s.submit(_request(), q.put)
    last = _drain(q, 1)[-1]
    assert last.finish_reason == "error" and "out of memory" in last.error
    s.submit(_request(), q.put)
    assert _drain(q, 1)[-1].finish_reason == "length"


def test_a_bad_request_is_an_error_event_marked_as_the_clients_fault(run):
    s = run(FakeEngine())
    q: queue.Queue = queue.Queue()
    s.submit(_request("too long"), q.put)
    e = _drain(q, 1)[-1]
    assert e.finish_reason == "error" and e.error_is_request and "too long" in e.error


class CheckingEngine(FakeEngine):
    """A scripted engine that checks requests as they arrive, as the real ones do."""

    def prepare(self, request: ChatRequest) -> list[int]:
        if request.messages[-1]["content"] == "too long":
            raise RequestError("over the context", param="messages", code="context_length_exceeded")
        return [1, 2, 3]

    def start(self, request: ChatRequest, prompt: list[int] | None = None):
        assert prompt == [1, 2, 3]  # what prepare made travels to start
        return super().start(request)


def test_a_request_the_engine_refuses_is_answered_even_while_paused(run):
    """The check runs as the request arrives, not when a slot frees: nothing queues first."""
    s = run(CheckingEngine())
    s.set_paused(True)
    q: queue.Queue = queue.Queue()
    s.submit(_request("too long"), q.put)
    e = q.get(timeout=5)
    assert (e.finish_reason, e.error_is_request, e.error_param, e.error_code) == (
        "error",
        True,
        "messages",
        "context_length_exceeded",
    )
    s.submit(_request("fine"), q.put)
    accepted = q.get(timeout=5)
    assert (accepted.text, accepted.finish_reason) == ("", None)  # queued, paused
    assert s.status().queued_requests == 1
    s.set_paused(False)
    assert _drain(q, 1)[-1].finish_reason == "length"


def test_a_sequence_that_fails_alone_ends_alone(run):
    engine = FakeEngine(words_per_answer=4)
    real_step = engine.step
    doomed: list[int] = []

    def step():
        outputs = real_step()
        return [
            StepOutput(o.request_id, "", None, "error", "sampler broke")
            if o.request_id in doomed
            else o
            for o in outputs
        ]

    engine.step = step
    s = run(engine)
    good, bad = queue.Queue(), queue.Queue()
    bad_request = _request("bad")
    doomed.append(bad_request.id)
    s.submit(_request(), good.put)
    s.submit(bad_request, bad.put)
    assert _drain(bad, 1)[-1].error == "sampler broke"
    events = _drain(good, 1)
    assert "".join(e.text for e in events) == "w1 w2 w3 w4 "


def test_a_load_error_reaches_start_as_the_original_exception():
    def broken():
        raise ModelError("config.json is missing")

    with pytest.raises(ModelError, match="config.json"):
        Scheduler(broken).start()


def test_status_counts_tokens_and_rate(run):
    clock = ManualClock()
    s = run(FakeEngine(words_per_answer=6), clock=clock, pacing_s=0.25)
    q: queue.Queue = queue.Queue()
    s.submit(_request(), q.put)
    _drain(q, 1)
    st = s.status()
    assert st.total_tokens == 6
    assert st.tokens_per_s == pytest.approx(4.0, rel=0.01)  # one token per 0.25 s
    assert st.active_requests == 0 and st.engine.name == "fake"


def test_pause_holds_requests_and_resume_finishes_them(run):
    engine = FakeEngine(words_per_answer=3)
    s = run(engine)
    s.set_paused(True)
    q: queue.Queue = queue.Queue()
    s.submit(_request(), q.put)
    accepted = q.get(timeout=5)
    assert (accepted.text, accepted.finish_reason) == ("", None)
    with pytest.raises(queue.Empty):
        q.get(timeout=0.3)
    assert s.status().paused and engine.steps == 0
    s.set_paused(False)
    assert _drain(q, 1)[-1].finish_reason == "length"
