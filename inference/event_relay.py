"""Carry token events from the model thread to the HTTP event loop with few wake-ups.

Waking an event loop from another thread costs a syscall and a context switch; on a
2-core laptop those steal time from the engine's own threads. The relay wakes the loop only
when it is waiting for the first new event; while the loop is busy or pausing between
chunks, events just pile up and leave together.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque

from inference.requests import TokenEvent

# Pause between streamed chunks: invisible to a reader, enough to batch fast engines' tokens.
COALESCE_S = 0.010


class EventRelay:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._buffer: deque[TokenEvent] = deque()
        self._lock = threading.Lock()
        self._armed = True
        self._ready = asyncio.Event()

    def push(self, event: TokenEvent) -> None:
        """Called on the model thread."""
        with self._lock:
            self._buffer.append(event)
            wake, self._armed = self._armed, False
        if wake:
            self._loop.call_soon_threadsafe(self._ready.set)

    async def take(self, timeout: float | None = None) -> list[TokenEvent]:
        """Every event that has arrived, waiting for at least one; [] on timeout."""
        while True:
            with self._lock:
                if self._buffer:
                    events = list(self._buffer)
                    self._buffer.clear()
                    return events
                self._armed = True
                self._ready.clear()
            try:
                await asyncio.wait_for(self._ready.wait(), timeout)
            except TimeoutError:
                return []
