"""What a chat request asks for and what generation streams back."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

_ids = itertools.count(1)


@dataclass(frozen=True)
class SamplingParams:
    """OpenAI-style sampling knobs; temperature 0 means greedy."""

    temperature: float = 0.7
    top_p: float = 1.0
    top_k: int = 0
    min_p: float = 0.0
    repetition_penalty: float = 1.0
    presence_penalty: float = 0.0
    frequency_penalty: float = 0.0
    # (token id, additive bias) pairs; ids are checked against the vocabulary by the engine.
    logit_bias: tuple[tuple[int, float], ...] = ()
    seed: int | None = None  # 0 … 2**63-1; each sequence draws from its own random state
    max_tokens: int = 512
    stop: tuple[str, ...] = ()


@dataclass
class ChatRequest:
    """One chat completion to run: the conversation so far and how to sample the answer."""

    messages: list[dict]
    params: SamplingParams = field(default_factory=SamplingParams)
    id: int = field(default_factory=lambda: next(_ids))
    # "auto": drop the oldest turns that do not fit the context (else refuse with a 400).
    truncation: str = "disabled"
    truncated_messages: int = 0  # set by the engine's `prepare`: how many it dropped
    # Variables for the chat template beyond the messages, e.g. {"enable_thinking": False}.
    template_kwargs: dict = field(default_factory=dict)
    # Set by the engine's `prepare` (before the request's first event, which the HTTP layer
    # waits for): the rendered prompt's last few tokens as text, which say how the answer's
    # reasoning will come (an open `<think>`, gpt-oss's `<|start|>assistant`).
    prompt_tail: str = ""


@dataclass(frozen=True)
class TokenEvent:
    """One step of one stream: new text, and when it ends, why.

    finish_reason: None while running; "stop" (end of turn or stop string), "length",
    "cancelled", or "error" (then `error` says what went wrong). A request's first event
    has no text: it says the request passed the engine's checks and is queued.
    """

    request_id: int
    text: str
    finish_reason: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    error: str | None = None
    error_is_request: bool = False  # the request itself was at fault (HTTP 400, not 500)
    error_param: str | None = None  # which request field was at fault, OpenAI's `param`
    error_code: str | None = None  # OpenAI's `code`, e.g. "context_length_exceeded"
    truncated_messages: int = 0  # oldest messages the model did not see ("truncation": "auto")
