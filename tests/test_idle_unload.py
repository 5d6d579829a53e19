"""Idle unload: after N idle minutes (on the injected clock) the model is freed; the next
request loads it again and gets the same answer; the idle wait never polls."""

from __future__ import annotations

import gc
import queue
import time
import weakref

import pytest

from inference.requests import ChatRequest, SamplingParams
from inference.scheduler import LOADING, READY, UNLOADED, Scheduler
from tests.fake_engine import FakeEngine
from thermal.clock import ManualClock

MINUTE = 60.0


def _answer(s: Scheduler, text: str = "hi", timeout: float = 60.0) -> tuple[str, str]:
    q: queue.Queue = queue.Queue()
    request = ChatRequest(
        [{"role": "user", "content": text}], SamplingParams(temperature=0.0, max_tokens=8)
    )
    s.submit(request, q.put)
    parts, deadline = [], time.monotonic() + timeout
    while True:
        event = q.get(timeout=max(0.01, deadline - time.monotonic()))
        parts.append(event.text)
        if event.finish_reason is not None:
            return "".join(parts), event.finish_reason


def _wait_state(s: Scheduler, state: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while s.status().model_state != state:
        assert time.monotonic() < deadline, f"still {s.status().model_state}, not {state}"
        time.sleep(0.01)


class _Factory:
    """Makes a fresh scripted engine per load; keeps only weak references to them."""

    def __init__(self, fail_on_load: int = -1) -> None:
        self.loads = 0
        self.made: list[weakref.ref] = []
        self.fail_on_load = fail_on_load

    def __call__(self) -> FakeEngine:
        self.loads += 1
        if self.loads == self.fail_on_load:
            raise RuntimeError("disk went away")
        engine = FakeEngine(words_per_answer=3)
        self.made.append(weakref.ref(engine))
        return engine


@pytest.fixture
def idle_scheduler():
    made = []

    def make(factory, minutes: float, clock: ManualClock) -> Scheduler:
        s = Scheduler(factory, clock=clock, idle_unload_s=minutes * MINUTE)
        s.start()
        made.append(s)
        return s

    yield make
    for s in made:
        s.stop()


def test_unloads_after_the_idle_minutes_and_reloads_for_the_next_request(idle_scheduler):
    clock, factory = ManualClock(), _Factory()
    s = idle_scheduler(factory, 10, clock)
    first = _answer(s)
    clock.advance(9 * MINUTE)
    s.wake()
    time.sleep(0.1)
    assert s.status().model_state == READY  # nine minutes: still loaded
    clock.advance(1 * MINUTE)
    s.wake()
    _wait_state(s, UNLOADED)
    gc.collect()
    assert factory.made[0]() is None  # the engine object was released, not just closed
    assert s.status().engine.model == "fake-model"  # status still names the model
    assert _answer(s) == first
    assert factory.loads == 2 and s.status().model_state == READY


def test_each_request_restarts_the_idle_count(idle_scheduler):
    clock, factory = ManualClock(), _Factory()
    s = idle_scheduler(factory, 10, clock)
    for _ in range(3):
        clock.advance(6 * MINUTE)
        _answer(s)
    s.wake()
    time.sleep(0.1)
    assert s.status().model_state == READY and factory.loads == 1


def test_zero_minutes_never_unloads(idle_scheduler):
    clock, factory = ManualClock(), _Factory()
    s = idle_scheduler(factory, 0, clock)
    _answer(s)
    clock.advance(24 * 60 * MINUTE)
    s.wake()
    time.sleep(0.1)
    assert s.status().model_state == READY and factory.made[0]() is not None


def test_a_failed_reload_fails_that_request_and_the_next_one_loads(idle_scheduler):
    clock, factory = ManualClock(), _Factory(fail_on_load=2)
    s = idle_scheduler(factory, 1, clock)
    clock.advance(MINUTE)
    s.wake()
    _wait_state(s, UNLOADED)
    text, reason = _answer(s)
    assert reason == "error"
    assert s.status().model_state == UNLOADED
    assert _answer(s) == ("w1 w2 w3 ", "length") and factory.loads == 3


def test_status_says_loading_while_the_model_reloads(idle_scheduler):
    import threading

    gate = threading.Event()
    clock, inner = ManualClock(), _Factory()

    def slow_factory():
        if inner.loads >= 1:
            gate.wait(10)
        return inner()

    s = idle_scheduler(slow_factory, 1, clock)
    clock.advance(MINUTE)
    s.wake()
    _wait_state(s, UNLOADED)
    q: queue.Queue = queue.Queue()
    s.submit(ChatRequest([{"role": "user", "content": "hi"}]), q.put)
    _wait_state(s, LOADING)
    assert s.status().queued_requests == 1
    gate.set()
    _wait_state(s, READY)


def test_the_idle_wait_blocks_instead_of_polling(idle_scheduler, monkeypatch):
    """An idle model thread reads its queue once and sleeps in that read (no timed loop)."""
    clock, factory = ManualClock(), _Factory()
    s = idle_scheduler(factory, 10, clock)
    _answer(s)
    time.sleep(0.05)
    reads = []
    original = s._inbox.get
    monkeypatch.setattr(s._inbox, "get", lambda *a, **k: (reads.append(k), original(*a, **k))[1])
    time.sleep(0.5)
    assert len(reads) <= 1


def test_a_paused_request_neither_unloads_nor_spins(idle_scheduler, monkeypatch):
    """Paused mid-answer past the idle minutes: the model stays, the thread sleeps."""
    clock, factory = ManualClock(), _Factory()
    s = idle_scheduler(factory, 1, clock)
    engine = factory.made[0]()
    engine.words = 10**6
    q: queue.Queue = queue.Queue()
    s.submit(ChatRequest([{"role": "user", "content": "hi"}]), q.put)
    q.get(timeout=5)  # accepted
    s.set_paused(True)
    time.sleep(0.1)
    clock.advance(10 * MINUTE)
    s.wake()
    time.sleep(0.1)
    reads = []
    original = s._inbox.get
    monkeypatch.setattr(s._inbox, "get", lambda *a, **k: (reads.append(k), original(*a, **k))[1])
    time.sleep(0.3)
    assert len(reads) <= 1 and s.status().model_state == READY
    s.set_paused(False)
    s.cancel(max(engine.running_ids, default=0))


@pytest.mark.parametrize("engine_name", ["mlx", "llamacpp"])
def test_a_real_engine_is_freed_and_answers_the_same_after_reload(tiny_model, engine_name):
    from inference.model_source import load_engine, resolve

    files = resolve(str(tiny_model))
    made: list[weakref.ref] = []

    def factory():
        engine = load_engine(files, engine_name)
        made.append(weakref.ref(engine))
        return engine

    clock = ManualClock()
    s = Scheduler(factory, clock=clock, idle_unload_s=MINUTE)
    s.start()
    try:
        before = _answer(s, "tell me")
        clock.advance(MINUTE)
        s.wake()
        _wait_state(s, UNLOADED)
        gc.collect()
        assert made[0]() is None
        assert _answer(s, "tell me") == before
        assert len(made) == 2
    finally:
        s.stop()
