"""Reasoning apart from the answer: `<think>…</think>` (Qwen3, DeepSeek-R1 style) split out of
a model's output, as it streams.

Two ways a reasoning block starts: the model writes `<think>` first, or the chat template has
already opened it at the end of the prompt (DeepSeek-R1, Qwen3-Thinking-2507), so the output
begins inside it. Only a block at the very start counts: a `<think>` later in an answer is
answer text. Whitespace around the tags is trimmed, as the templates add it.

Streaming-safe: text is held back only while it could still be the start of a tag (or
whitespace that may turn out to precede one), and released at `finish`, so `"<thi"` at the
end of an answer is shown, not swallowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from inference.reasoning_harmony import HarmonySplitter

OPEN_TAG = "<think>"
CLOSE_TAG = "</think>"
# How much of the end of the prompt an engine hands over (ChatRequest.prompt_tail) to say
# whether the template opened a reasoning block: tokens (decoded), or characters.
REASONING_TAIL_TOKENS = 16
REASONING_TAIL_CHARS = 80

_START, _REASONING, _CONTENT = "start", "reasoning", "content"


@dataclass(frozen=True)
class Split:
    """Text for the two channels; either may be empty."""

    reasoning: str = ""
    content: str = ""

    def __add__(self, other: Split) -> Split:
        return Split(self.reasoning + other.reasoning, self.content + other.content)


def _held_tag_prefix(text: str, tag: str) -> int:
    """The length of the longest end of `text` that is a proper start of `tag`."""
    for k in range(min(len(tag) - 1, len(text)), 0, -1):
        if text.endswith(tag[:k]):
            return k
    return 0


class ReasoningSplitter:
    """Feed it the output as it comes; each call returns what may be shown now."""

    def __init__(self, inside: bool = False) -> None:
        """`inside`: the prompt ends in an open `<think>` (the output starts as reasoning)."""
        self._state = _REASONING if inside else _START
        self._pending = ""
        self._trim = inside  # drop whitespace at the start of the part now begun
        self.saw_reasoning = inside  # a reasoning block was opened (even an empty one)

    def feed(self, text: str) -> Split:
        self._pending += text
        out = Split()
        while True:
            if self._state == _START:
                stripped = self._pending.lstrip()
                if stripped.startswith(OPEN_TAG):
                    self._pending = stripped[len(OPEN_TAG) :]
                    self._state, self._trim, self.saw_reasoning = _REASONING, True, True
                    continue
                if not stripped or OPEN_TAG.startswith(stripped):
                    return out  # could still be the opening tag
                self._state = _CONTENT
                continue
            if self._trim:
                self._pending = self._pending.lstrip()
                if not self._pending:
                    return out
                self._trim = False
            if self._state == _CONTENT:
                out, self._pending = out + Split(content=self._pending), ""
                return out
            before, tag, after = self._pending.partition(CLOSE_TAG)
            if tag:
                out += Split(reasoning=before.rstrip())
                self._pending, self._state, self._trim = after, _CONTENT, True
                continue
            # Hold back a possible start of the closing tag and the whitespace before it.
            keep = _held_tag_prefix(self._pending, CLOSE_TAG)
            body = self._pending[: len(self._pending) - keep].rstrip()
            self._pending = self._pending[len(body) :]
            return out + Split(reasoning=body)

    def finish(self) -> Split:
        """The output ended: release what was held back."""
        pending, self._pending = self._pending, ""
        if self._state == _REASONING:
            return Split(reasoning=pending.rstrip())
        if self._state == _START:
            return Split(content=pending)
        return Split(content=pending) if not self._trim else Split()


def split_text(text: str, inside: bool = False) -> Split:
    """The whole output split at once (what the streaming splitter adds up to)."""
    splitter = ReasoningSplitter(inside)
    return splitter.feed(text) + splitter.finish()


def answer_without_reasoning(content: str) -> str:
    """An earlier assistant turn as the model may see it again: a leading reasoning block a
    client left in the content is dropped, as the reasoning models' own templates do."""
    return split_text(content).content


def prompt_opens_reasoning(prompt_tail: str) -> bool:
    """The rendered prompt (its last few tokens suffice) leaves a `<think>` open for the
    answer: the chat template started the reasoning block itself."""
    return prompt_tail.rstrip().endswith(OPEN_TAG)


ASSISTANT_START = "<|start|>assistant"  # harmony's (gpt-oss) generation prompt


def splitter_for(prompt_tail: str) -> ReasoningSplitter | HarmonySplitter:
    """The splitter for an answer to a prompt ending in `prompt_tail` (its last few tokens,
    as text): harmony after gpt-oss's `<|start|>assistant`, else `<think>` blocks, starting
    inside one when the template opened it."""
    from inference.reasoning_harmony import HarmonySplitter

    at = prompt_tail.rfind(ASSISTANT_START)
    if at >= 0:
        return HarmonySplitter(prompt_tail[at + len(ASSISTANT_START) :])
    return ReasoningSplitter(prompt_opens_reasoning(prompt_tail))
