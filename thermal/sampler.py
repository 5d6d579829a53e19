"""Samples a sensor source on its own thread (about 1 Hz) and keeps a short history."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable

from thermal.clock import Clock, SystemClock
from thermal.sensors.readings import SensorSource, Snapshot

log = logging.getLogger(__name__)


class Sampler:
    def __init__(
        self,
        source: SensorSource,
        period_s: float = 1.0,
        clock: Clock | None = None,
        history: int = 300,
    ) -> None:
        self.source = source
        self.period_s = period_s
        self.clock = clock or SystemClock()
        self.history: deque[Snapshot] = deque(maxlen=history)
        self._listeners: list[Callable[[Snapshot], None]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fennec-sensors", daemon=True)

    def add_listener(self, listener: Callable[[Snapshot], None]) -> None:
        self._listeners.append(listener)

    @property
    def latest(self) -> Snapshot | None:
        return self.history[-1] if self.history else None

    def sample_once(self) -> Snapshot:
        snapshot = self.source.read()
        self.history.append(snapshot)
        for listener in self._listeners:
            try:
                listener(snapshot)
            except Exception:  # one listener's bug must not stop sampling
                log.exception("sensor listener failed")
        return snapshot

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        next_t = self.clock.monotonic()
        while not self._stop.is_set():
            try:
                self.sample_once()
            except Exception:
                log.exception("sensor read failed")
            next_t += self.period_s
            delay = next_t - self.clock.monotonic()
            if delay > 0:
                if isinstance(self.clock, SystemClock):
                    self._stop.wait(delay)  # wakes at once on stop()
                else:
                    self.clock.sleep(delay)
            else:
                next_t = self.clock.monotonic()
