"""The scheduler: one thread owns the model and runs every request through it.

Requests arrive on a queue, each with its own reply callback; new ones join the running
batch between decode steps, up to the batch limit. The thermal governor drives two knobs
(`set_max_batch`, `set_pacing`) that take effect at the next step. Errors travel back to
the request as a final event, never as an exception in someone else's thread.

Idle unload: after `idle_unload_s` without work the thread closes the engine (freeing the
model's memory) and waits; the next request loads it again. The wait is one blocking queue
read whose timeout comes from the injected clock, so an idle worker wakes the CPU only then.
"""

from __future__ import annotations

import gc
import logging
import queue
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from inference.engine import Engine, EngineInfo, StepOutput
from inference.errors import FennecError, RequestError
from inference.requests import ChatRequest, TokenEvent
from inference.stop_strings import StopStringFilter
from thermal.clock import Clock, SystemClock
from thermal.knobs import StepReport

log = logging.getLogger(__name__)

EventSink = Callable[[TokenEvent], None]
RATE_WINDOW_S = 5.0
# What status reports of the model: loading (first load or reload), ready, unloaded (idle).
LOADING, READY, UNLOADED = "loading", "ready", "unloaded"


@dataclass
class _Active:
    request: ChatRequest
    sink: EventSink
    stops: StopStringFilter
    prompt_tokens: int = 0
    cached_tokens: int = 0
    completion_tokens: int = 0


@dataclass(frozen=True)
class _Pending:
    request: ChatRequest
    sink: EventSink
    prompt: list[int] | None  # the engine's `prepare` result; None for engines without one


@dataclass(frozen=True)
class SchedulerStatus:
    engine: EngineInfo
    active_requests: int
    queued_requests: int
    max_batch: int
    pacing_s: float
    paused: bool
    tokens_per_s: float
    total_tokens: int
    model_state: str = READY  # LOADING, READY or UNLOADED (freed after idle minutes)
    idle_unload_s: float = 0.0  # 0: never


@dataclass
class _Rate:
    """Generated tokens per second over a sliding window of the scheduler's clock."""

    samples: deque = field(default_factory=deque)

    def add(self, now: float, tokens: int) -> None:
        self.samples.append((now, tokens))
        while self.samples and now - self.samples[0][0] > RATE_WINDOW_S:
            self.samples.popleft()

    def per_second(self, now: float) -> float:
        recent = [(t, n) for t, n in self.samples if now - t <= RATE_WINDOW_S]
        if len(recent) < 2:
            return 0.0
        span = now - recent[0][0]
        return sum(n for _, n in recent[1:]) / span if span > 0 else 0.0


class Scheduler:
    """Owns the engine on its own thread; safe to call from any other thread."""

    def __init__(
        self,
        engine_factory: Callable[[], Engine],
        clock: Clock | None = None,
        max_batch: int = 8,
        pacing_s: float = 0.0,
        idle_unload_s: float = 0.0,
    ) -> None:
        self._engine_factory = engine_factory
        self._clock = clock or SystemClock()
        self._idle_unload_s = max(0.0, idle_unload_s)  # 0: keep the model loaded forever
        self._info: EngineInfo | None = None  # kept while unloaded: status still names it
        self._state = LOADING
        self._last_busy = 0.0
        self._max_batch = max(1, max_batch)
        self._pacing_s = max(0.0, pacing_s)
        self._inbox: queue.Queue = queue.Queue()
        self._pending: deque[_Pending] = deque()
        self._waiting: list[tuple[ChatRequest, EventSink]] = []  # arrived while unloaded
        self._active: dict[int, _Active] = {}
        self._engine: Engine | None = None
        self._ready = threading.Event()
        self._load_error: BaseException | None = None
        self._stopping = False
        self._paused = False
        self._rate = _Rate()
        self._total_tokens = 0
        self._step_observers: list[Callable[[StepReport], None]] = []
        self._thread = threading.Thread(target=self._run, name="fennec-model", daemon=True)

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> EngineInfo:
        """Start the model thread and wait until the model is loaded; raises its load error."""
        self._thread.start()
        self._ready.wait()
        if self._load_error is not None:
            raise self._load_error
        assert self._info is not None
        return self._info

    def stop(self) -> None:
        self._stopping = True
        self._inbox.put(("wake",))
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    # -- requests --------------------------------------------------------------------
    def submit(self, request: ChatRequest, sink: EventSink) -> None:
        """Queue a request; `sink` receives its events on the model thread."""
        self._inbox.put(("submit", request, sink))

    def cancel(self, request_id: int) -> None:
        """Stop a request wherever it is; its slot is free at the next step."""
        self._inbox.put(("cancel", request_id))

    # -- the governor's knobs ----------------------------------------------------------
    def set_max_batch(self, n: int) -> None:
        self._max_batch = max(1, int(n))

    def set_pacing(self, seconds: float) -> None:
        self._pacing_s = max(0.0, float(seconds))

    def set_paused(self, paused: bool) -> None:
        """Hold every request where it is (the tray's pause); resume where they stopped."""
        self._paused = bool(paused)
        self._inbox.put(("wake",))

    def wake(self) -> None:
        """Have the model thread look at the clock now (a test that moved a manual clock)."""
        self._inbox.put(("wake",))

    def add_step_observer(self, observer: Callable[[StepReport], None]) -> None:
        self._step_observers.append(observer)

    def status(self) -> SchedulerStatus:
        assert self._info is not None
        return SchedulerStatus(
            engine=self._info,
            active_requests=len(self._active),
            queued_requests=len(self._pending) + len(self._waiting) + self._inbox.qsize(),
            max_batch=self._max_batch,
            pacing_s=self._pacing_s,
            paused=self._paused,
            tokens_per_s=round(self._rate.per_second(self._clock.monotonic()), 2),
            total_tokens=self._total_tokens,
            model_state=self._state,
            idle_unload_s=self._idle_unload_s,
        )

    # -- the model thread ----------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._load()
        except BaseException as e:  # handed to start()'s caller as a value
            self._load_error = e
            self._ready.set()
            return
        self._ready.set()
        while not self._stopping:
            idle = not self._active and not self._pending
            if idle and self._inbox.empty():
                self._save_pending()
            # Only an idle model has an unload to wake for; a paused busy one waits for resume.
            timeout = self._idle_timeout() if idle else None
            self._drain_inbox(block=self._paused or idle, timeout=timeout)
            if self._engine is None:
                self._load_for_pending()
                continue
            if idle and self._unload_due():
                self._unload()
                continue
            if self._paused:
                continue
            self._step(self._engine)
        for active in list(self._active.values()):
            self._finish(active, "", "cancelled")
        if self._engine is not None:
            self._engine.close()

    def _step(self, engine: Engine) -> None:
        self._admit(engine)
        if not engine.running():
            return
        started = self._clock.monotonic()
        try:
            outputs = engine.step()
        except Exception as e:  # a failing step ends every running request, not the worker
            log.exception("decode step failed")
            self._fail_all(engine, f"generation failed: {e}")
            return
        now = self._last_busy = self._clock.monotonic()
        self._total_tokens += len(outputs)
        self._rate.add(now, len(outputs))
        report = StepReport(batch_size=len(outputs), seconds=now - started, tokens=len(outputs))
        for observer in self._step_observers:
            observer(report)
        for output in outputs:
            self._deliver(engine, output)
        if self._pacing_s > 0 and engine.running():
            self._clock.sleep(self._pacing_s)

    def _save_pending(self) -> None:
        """Idle: the engine writes finished conversations' KV to disk (if it keeps any)."""
        save = getattr(self._engine, "save_pending", None)
        if save is None:
            return
        try:
            save()
        except Exception:  # a lost cache file must not stop the model thread
            log.exception("saving prompt caches")

    # -- loading and idle unload ---------------------------------------------------------
    def _load(self) -> None:
        self._state = LOADING
        engine = self._engine_factory()
        self._engine, self._info = engine, engine.info
        self._state = READY
        self._last_busy = self._clock.monotonic()

    def _idle_timeout(self) -> float | None:
        """How long the idle wait may block: until the unload is due, or for ever."""
        if not self._idle_unload_s or self._engine is None:
            return None
        return max(0.0, self._last_busy + self._idle_unload_s - self._clock.monotonic())

    def _unload_due(self) -> bool:
        if not self._idle_unload_s or self._engine is None:
            return False
        return self._clock.monotonic() - self._last_busy >= self._idle_unload_s

    def _unload(self) -> None:
        """Free the model: close it, drop our reference, and collect what it held."""
        engine, self._engine = self._engine, None
        if engine is not None:
            try:
                engine.close()
            except Exception:
                log.exception("closing the engine to unload it")
        del engine
        gc.collect()
        self._state = UNLOADED
        log.info("model unloaded after %.0f idle seconds", self._idle_unload_s)

    def _load_for_pending(self) -> None:
        """Requests arrived while unloaded: load the model again, then check them."""
        if not self._waiting:
            return
        error: Exception | None = None
        try:
            self._load()  # they stay counted as queued while it loads
        except Exception as e:  # the waiting requests fail; the next one tries again
            log.exception("reloading the model")
            self._state, error = UNLOADED, e
        waiting = list(self._waiting)
        self._waiting.clear()
        for request, sink in waiting:
            if error is not None:
                _send(sink, _start_failure(request, error))
            else:
                self._prepare(request, sink)

    def _drain_inbox(self, block: bool, timeout: float | None = None) -> None:
        try:
            item = self._inbox.get(timeout=timeout) if block else self._inbox.get_nowait()
        except queue.Empty:
            return
        while True:
            self._handle(item)
            try:
                item = self._inbox.get_nowait()
            except queue.Empty:
                return

    def _handle(self, item: tuple) -> None:
        if item[0] == "submit":
            self._last_busy = self._clock.monotonic()
            if self._engine is None:  # unloaded: it waits for the reload
                self._waiting.append((item[1], item[2]))
            else:
                self._prepare(item[1], item[2])
        elif item[0] == "cancel":
            request_id = item[1]
            for entry in list(self._waiting):
                if entry[0].id == request_id:
                    self._waiting.remove(entry)
                    _send(entry[1], TokenEvent(request_id, "", "cancelled"))
            for entry in list(self._pending):
                if entry.request.id == request_id:
                    self._pending.remove(entry)
                    _send(entry.sink, TokenEvent(request_id, "", "cancelled"))
            active = self._active.get(request_id)
            if active is not None and self._engine is not None:
                self._engine.cancel(request_id)
                self._finish(active, "", "cancelled")

    def _prepare(self, request: ChatRequest, sink: EventSink) -> None:
        """Check a request as it arrives, so one that can never run (too long for the
        context, a token id past the vocabulary) is refused now, not after a queue."""
        prepare = getattr(self._engine, "prepare", None)  # scripted test engines have none
        prompt = None
        if prepare is not None:
            try:
                prompt = prepare(request)
            except Exception as e:
                _send(sink, _start_failure(request, e))
                return
        self._pending.append(_Pending(request, sink, prompt))
        _send(sink, TokenEvent(request.id, ""))  # accepted: the HTTP layer may answer 200 now

    def _admit(self, engine: Engine) -> None:
        limit = min(self._max_batch, engine.info.max_batch)
        while self._pending and engine.running() < limit:
            entry = self._pending.popleft()
            request = entry.request
            try:
                if entry.prompt is None:
                    admission = engine.start(request)
                else:
                    admission = engine.start(request, entry.prompt)
            except Exception as e:
                _send(entry.sink, _start_failure(request, e))
                continue
            self._active[request.id] = _Active(
                request,
                entry.sink,
                StopStringFilter(request.params.stop),
                prompt_tokens=admission.prompt_tokens,
                cached_tokens=admission.cached_tokens,
            )

    def _deliver(self, engine: Engine, output: StepOutput) -> None:
        active = self._active.get(output.request_id)
        if active is None:
            return
        active.completion_tokens += 1
        text, stopped = active.stops.feed(output.text)
        if output.finish_reason == "error":  # this sequence alone failed; the engine dropped it
            self._finish(active, text, "error", output.error or "generation failed")
        elif stopped:
            engine.cancel(output.request_id)
            self._finish(active, text, "stop")
        elif output.finish_reason is not None:
            self._finish(active, text + active.stops.flush(), output.finish_reason)
        elif text:
            _send(active.sink, self._event(active, text, None))

    def _finish(self, active: _Active, text: str, reason: str, error: str | None = None) -> None:
        self._active.pop(active.request.id, None)
        _send(active.sink, self._event(active, text, reason, error))

    def _event(self, a: _Active, text: str, reason: str | None, error: str | None = None):
        return TokenEvent(
            a.request.id,
            text,
            reason,
            prompt_tokens=a.prompt_tokens,
            completion_tokens=a.completion_tokens,
            cached_tokens=a.cached_tokens,
            error=error,
            truncated_messages=a.request.truncated_messages,
        )

    def _fail_all(self, engine: Engine, message: str) -> None:
        for active in list(self._active.values()):
            try:
                engine.cancel(active.request.id)
            except Exception:
                log.exception("cancel after failure")
            self._finish(active, "", "error", message)


def _start_failure(request: ChatRequest, e: Exception) -> TokenEvent:
    """The final event of a request that could not start: a 400 if it was at fault."""
    if isinstance(e, RequestError):
        return TokenEvent(
            request.id,
            "",
            "error",
            error=str(e),
            error_is_request=True,
            error_param=e.param,
            error_code=e.code,
        )
    if isinstance(e, FennecError):
        return TokenEvent(request.id, "", "error", error=str(e))
    log.exception("could not start request %s", request.id)
    return TokenEvent(request.id, "", "error", error=f"could not start: {e}")


def _send(sink: EventSink, event: TokenEvent) -> None:
    try:
        sink(event)
    except Exception:  # a broken listener must not stop the model thread
        log.exception("event sink failed")
