"""A scripted engine for scheduler unit tests: each sequence emits its words one per step."""

from __future__ import annotations

import threading

from inference.engine import Admission, EngineInfo, StepOutput
from inference.errors import RequestError
from inference.requests import ChatRequest


class FakeEngine:
    def __init__(self, words_per_answer: int = 5, max_batch: int = 64, fail_on_step: int = -1):
        self.info = EngineInfo("fake", "cpu", "fake-model", "continuous", max_batch)
        self.words = words_per_answer
        self.running_ids: dict[int, int] = {}
        self.batch_sizes: list[int] = []
        self.steps = 0
        self.fail_on_step = fail_on_step
        self.cancelled: list[int] = []
        self.step_gate = threading.Semaphore(10**6)  # tests may hold steps back
        self.closed = False

    def start(self, request: ChatRequest) -> Admission:
        if request.messages[-1]["content"] == "too long":
            raise RequestError("the conversation is too long", param="messages")
        self.running_ids[request.id] = 0
        return Admission(prompt_tokens=len(request.messages) * 3, cached_tokens=0)

    def step(self) -> list[StepOutput]:
        self.step_gate.acquire()
        self.steps += 1
        if self.steps == self.fail_on_step:
            raise RuntimeError("out of memory")
        self.batch_sizes.append(len(self.running_ids))
        outputs = []
        for rid in list(self.running_ids):
            n = self.running_ids[rid] = self.running_ids[rid] + 1
            limit = self.words
            done = n >= limit
            outputs.append(StepOutput(rid, f"w{n} ", n, "length" if done else None))
            if done:
                del self.running_ids[rid]
        return outputs

    def cancel(self, request_id: int) -> None:
        self.cancelled.append(request_id)
        self.running_ids.pop(request_id, None)

    def running(self) -> int:
        return len(self.running_ids)

    def close(self) -> None:
        self.closed = True
