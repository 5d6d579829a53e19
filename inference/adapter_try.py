"""Base model and tuned model answer the same prompt, greedily, through the same engine code
the worker runs: what the tuning window's side-by-side shows (`fennec tune try`)."""

from __future__ import annotations

import queue
from dataclasses import dataclass
from pathlib import Path

from inference.errors import FennecError
from inference.model_source import load_engine, pick_engine, resolve
from inference.requests import ChatRequest, SamplingParams, TokenEvent
from inference.scheduler import Scheduler


@dataclass(frozen=True)
class SideBySide:
    engine: str
    base: str
    tuned: str


def greedy_answer(files, engine: str, adapter: Path | None, prompt: str, max_tokens: int) -> str:
    """One greedy answer from a freshly loaded engine (with the adapter, when given)."""
    scheduler = Scheduler(lambda: load_engine(files, engine, adapter), max_batch=1)
    scheduler.start()
    events: queue.Queue[TokenEvent] = queue.Queue()
    try:
        request = ChatRequest(
            [{"role": "user", "content": prompt}],
            SamplingParams(temperature=0.0, max_tokens=max_tokens),
        )
        scheduler.submit(request, events.put)
        parts = []
        while True:
            event = events.get(timeout=300)
            parts.append(event.text)
            if event.finish_reason is not None:
                if event.finish_reason == "error":
                    raise FennecError(event.error or "generation failed")
                return "".join(parts)
    finally:
        scheduler.stop()


def side_by_side(
    model: str, adapter: Path, prompt: str, engine: str = "auto", max_tokens: int = 64
) -> SideBySide:
    """The base model's answer beside the adapter's, on the engine `auto` picks here."""
    from inference.adapter_meta import check_adapter

    files = resolve(model)
    check_adapter(adapter, files)
    chosen = pick_engine(files, engine).engine
    return SideBySide(
        chosen,
        base=greedy_answer(files, chosen, None, prompt, max_tokens),
        tuned=greedy_answer(files, chosen, adapter, prompt, max_tokens),
    )
