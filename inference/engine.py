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
    finish_reason: str | None = None  # "stop" (end of turn), "length", or "error"
    error: str | None = None  # with "error": why this one sequence failed (its neighbours run on)


@dataclass(frozen=True)
class EngineInfo:
    """What the status endpoint and the tray show about the engine."""

    name: str  # "mlx" or "llamacpp"
    device: str  # "gpu" (Metal or CUDA) or "cpu"
    model: str  # the id clients use in requests
    batching: str  # "continuous" or "sequential"
    max_batch: int  # the most sequences the engine can run at once
    context_length: int = 0  # tokens of prompt + answer the model holds; 0: unknown


@dataclass(frozen=True)
class Admission:
    """Token counts of a sequence the engine just took on."""

    prompt_tokens: int
    cached_tokens: int


class Engine(Protocol):
    info: EngineInfo

    def prepare(self, request: ChatRequest) -> list[int]:
        """Template, tokenize and check a chat as soon as it arrives, before it queues:
        raise RequestError (e.g. code "context_length_exceeded") for one that cannot run.
        Optional: the scheduler runs engines without it (scripted test engines)."""
        ...

    def start(self, request: ChatRequest, prompt: list[int] | None = None) -> Admission:
        """Make the chat a running sequence; `prompt` is what `prepare` returned."""
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
