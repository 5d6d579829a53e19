"""The interface both engines (MLX and llama.cpp) implement for the scheduler.

The scheduler's thread is the only caller: it loads, starts, steps and cancels. Engines
report per-sequence progress as `StepOutput`s; stop strings, pacing and batching limits
live in the scheduler, so they behave the same on both engines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from inference.requests import ChatRequest


@dataclass(frozen=True)
class StepOutput:
    """What one decode step produced for one running sequence."""

    request_id: int
    text: str
    token: int | None
    finish_reason: str | None = None  # "stop" (end of turn) or "length"


@dataclass(frozen=True)
class EngineInfo:
    """What the status endpoint and the tray show about the engine."""

    name: str  # "mlx" or "llamacpp"
    device: str  # "gpu" (Metal) or "cpu"
    model: str  # the id clients use in requests
    batching: str  # "continuous" or "sequential"
    max_batch: int  # the most sequences the engine can run at once


@dataclass(frozen=True)
class Admission:
    """Token counts of a sequence the engine just took on."""

    prompt_tokens: int
    cached_tokens: int


class Engine(Protocol):
    info: EngineInfo

    def start(self, request: ChatRequest) -> Admission:
        """Template and tokenize the chat, then make it a running sequence."""
        ...

    def step(self) -> list[StepOutput]:
        """Advance every running sequence by one step (prefill or one decoded token)."""
        ...

    def cancel(self, request_id: int) -> None:
        """Drop a running sequence now, freeing its slot."""
        ...

    def running(self) -> int:
        """How many sequences are running."""
        ...

    def close(self) -> None:
        """Release the model."""
        ...
