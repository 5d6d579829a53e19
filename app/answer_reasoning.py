"""An answer's reasoning as it streams: its text, how long the model thought, and when it is
due to be written to the history (often enough to survive a crash, not on every token)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

SAVE_INTERVAL_S = 1.0


@dataclass
class ReasoningTrack:
    clock: Callable[[], float] = time.monotonic
    parts: list[str] = field(default_factory=list)
    started: float | None = None  # the first piece of reasoning
    ended: float | None = None  # the first piece of the answer after it
    saved_at: float | None = None
    saved_length: int = 0

    @property
    def text(self) -> str:
        return "".join(self.parts)

    @property
    def thinking(self) -> bool:
        """Reasoning has begun and the answer has not."""
        return self.started is not None and self.ended is None

    def add(self, piece: str) -> None:
        if self.started is None:
            self.started = self.clock()
        self.parts.append(piece)

    def answer_began(self) -> None:
        if self.started is not None and self.ended is None:
            self.ended = self.clock()

    def seconds(self) -> float | None:
        """How long it thought (so far, while it still thinks); None: no reasoning."""
        if self.started is None:
            return None
        end = self.ended if self.ended is not None else self.clock()
        return max(0.0, end - self.started)

    def due(self, final: bool = False) -> bool:
        """Whether the history should get the reasoning now (new text, interval passed)."""
        length = sum(len(p) for p in self.parts)
        if length == self.saved_length and not (final and self.started is not None):
            return False
        now = self.clock()
        if not final and self.saved_at is not None and now - self.saved_at < SAVE_INTERVAL_S:
            return False
        self.saved_at, self.saved_length = now, length
        return True
