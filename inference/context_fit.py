"""Fitting a conversation into the context: keep the system prompt and the newest whole turns,
drop the oldest (and say how many), never the last user message.

`keep_recent` is pure (token counting is passed in, the engine's own tokenizer in the worker),
so the app can run the same rule to show where the model stopped seeing earlier messages.
`fit_prompt` is what both engines' `prepare` runs: a request that overflows the context is
refused (400 context_length_exceeded) unless it asked for `"truncation": "auto"`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from inference.errors import RequestError
from inference.prompt_checks import CONTEXT_LENGTH_EXCEEDED, check_prompt_fits
from inference.requests import ChatRequest

# A truncated chat leaves this share of the context for the answer (less if max_tokens asks less).
ANSWER_SHARE = 4


@dataclass(frozen=True)
class Fitted:
    messages: list[dict]  # the system messages, then the newest turns that fit
    dropped: int  # messages left out, all from the start of the conversation
    tokens: int  # the kept chat's prompt tokens


def split_turns(messages: list[dict]) -> tuple[list[dict], list[list[dict]]]:
    """The leading system messages, and the rest cut into turns: each starts at a user message
    and holds what answers it (assistant, tool). Anything before the first user message is a
    turn of its own."""
    head = 0
    while head < len(messages) and messages[head].get("role") == "system":
        head += 1
    turns: list[list[dict]] = []
    for message in messages[head:]:
        if not turns or message.get("role") == "user":
            turns.append([])
        turns[-1].append(message)
    return messages[:head], turns


def keep_recent(
    messages: list[dict], count_tokens: Callable[[list[dict]], int], budget: int
) -> Fitted | None:
    """The system messages plus the most recent whole turns whose prompt is at most `budget`
    tokens; None when even the system messages and the last turn do not fit. Counting is
    monotone in the turns kept, so a binary search needs O(log n) counts, each of at most
    `budget` turns (every turn is at least one token)."""
    system, turns = split_turns(messages)
    if not turns:
        tokens = count_tokens(system)
        return Fitted(list(system), 0, tokens) if tokens <= budget else None

    def kept(k: int) -> list[dict]:
        return system + [m for turn in turns[len(turns) - k :] for m in turn]

    tokens = count_tokens(kept(1))
    if tokens > budget:
        return None
    lo, hi = 1, min(len(turns), max(1, budget))  # lo always fits
    best_tokens = tokens
    while lo < hi:
        mid = (lo + hi + 1) // 2
        n = count_tokens(kept(mid))
        if n <= budget:
            lo, best_tokens = mid, n
        else:
            hi = mid - 1
    chosen = kept(lo)
    return Fitted(chosen, len(messages) - len(chosen), best_tokens)


def answer_room(max_tokens: int, context_length: int) -> int:
    """Tokens a truncated chat leaves free for its answer."""
    return max(1, min(max_tokens, context_length // ANSWER_SHARE))


def fit_prompt(
    request: ChatRequest,
    prompt: list[int],
    encode: Callable[[list[dict]], list[int]],
    context_length: int,
) -> list[int]:
    """The request's prompt (`prompt`: its whole chat encoded), truncated as the request
    allows; sets `request.truncated_messages`. Raises RequestError when it cannot fit."""
    if not context_length or len(prompt) < context_length:
        return prompt
    if request.truncation != "auto":
        check_prompt_fits(len(prompt), context_length)  # raises context_length_exceeded
    budget = context_length - answer_room(request.params.max_tokens, context_length)
    fitted = keep_recent(request.messages, lambda m: len(encode(m)), budget)
    if fitted is None:
        raise RequestError(
            f"This model's maximum context length is {context_length} tokens; even the system "
            "prompt and the last message do not fit in it with room for an answer. Please "
            "shorten them.",
            param="messages",
            code=CONTEXT_LENGTH_EXCEEDED,
        )
    request.truncated_messages = fitted.dropped
    return encode(fitted.messages)
