"""The two knobs the governor turns on the inference scheduler."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class StepReport:
    """What one decode step did: the governor's power model learns from these."""

    batch_size: int
    seconds: float
    tokens: int


class ThrottleKnobs(Protocol):
    """Implemented by the scheduler; each change takes effect at its next step."""

    def set_max_batch(self, n: int) -> None: ...

    def set_pacing(self, seconds: float) -> None: ...
