"""Reasoning apart from the answer in gpt-oss's harmony format, as it streams.

The model writes messages, each a header then a body:
`<|channel|>analysis<|message|>…<|end|><|start|>assistant<|channel|>final<|message|>…`.
The `analysis` channel is reasoning; `final` (and any other) is the answer; headers are
never shown. A body ends at `<|end|>` (or the end-of-turn `<|return|>` / `<|call|>`), or at
the next `<|start|>` / `<|channel|>`: llama.cpp drops `<|end|>` from the text (a control
token) while keeping the header tokens (it renders those for gpt-oss), MLX keeps them all.

Text parsing, not token parsing: the HTTP layer sees text, and `openai-harmony`'s token
parser needs the o200k vocabulary file, which it downloads on first use.
"""

from __future__ import annotations

from inference.reasoning_split import Split

START = "<|start|>"
CHANNEL = "<|channel|>"
MESSAGE = "<|message|>"
_BODY_ENDS = ("<|end|>", "<|return|>", "<|call|>")  # dropped
_NEXT_HEADER = (START, CHANNEL)  # kept: they begin the next header
REASONING_CHANNELS = frozenset({"analysis"})


def channel_of(header: str) -> str:
    """`<|start|>assistant<|channel|>commentary to=functions.f <|constrain|>json` → commentary."""
    _, tag, rest = header.rpartition(CHANNEL)
    if not tag:
        return ""
    return rest.split("<|", 1)[0].split(maxsplit=1)[0] if rest.strip() else ""


def _held(text: str) -> int:
    """The length of the longest end of `text` that may begin a marker."""
    for k in range(min(len(text), 12), 0, -1):
        tail = text[-k:]
        if any(m.startswith(tail) for m in (*_BODY_ENDS, *_NEXT_HEADER)):
            return k
    return 0


class HarmonySplitter:
    """Feed it the output as it comes; each call returns what may be shown now."""

    def __init__(self, header: str = "") -> None:
        """`header`: what of the first message's header the prompt already holds (the text
        after its last `<|start|>assistant`); a complete one opens that channel's body."""
        self._pending = ""
        self._channel: str | None = None  # None: reading a header
        self._plain = False  # the model does not speak harmony: all of it is answer
        self._began = bool(header)  # a header was seen (the prompt's counts)
        self.saw_reasoning = False
        if MESSAGE in header:
            self._open(header.partition(MESSAGE)[0])
        else:
            self._pending = header

    def _open(self, header: str) -> None:
        self._channel = channel_of(header)
        self._began = True
        self.saw_reasoning = self.saw_reasoning or self._channel in REASONING_CHANNELS

    def _part(self, text: str) -> Split:
        if self._plain or self._channel not in REASONING_CHANNELS:
            return Split(content=text)
        return Split(reasoning=text)

    def feed(self, text: str) -> Split:
        self._pending += text
        out = Split()
        while self._pending:
            if self._plain:
                out, self._pending = out + self._part(self._pending), ""
                break
            if self._channel is None:
                head, tag, rest = self._pending.partition(MESSAGE)
                if tag:
                    self._open(head)
                    self._pending = rest
                    continue
                opening = head.lstrip()
                if opening.startswith((CHANNEL, START)):
                    self._began = True  # a harmony header, even if it never completes
                if not self._began and not (
                    opening.startswith((CHANNEL, START))
                    or CHANNEL.startswith(opening)
                    or START.startswith(opening)
                ):
                    self._plain = True  # not a header: plain text from a plain model
                    continue
                break  # a header still coming
            cut = [(self._pending.find(m), m) for m in (*_BODY_ENDS, *_NEXT_HEADER)]
            found = [(i, m) for i, m in cut if i >= 0]
            if not found:
                keep = _held(self._pending)
                body = self._pending[: len(self._pending) - keep]
                out += self._part(body)
                self._pending = self._pending[len(body) :]
                break
            i, marker = min(found)
            out += self._part(self._pending[:i])
            drop = len(marker) if marker in _BODY_ENDS else 0
            self._pending = self._pending[i + drop :]
            self._channel = None
        return out

    def finish(self) -> Split:
        """The output ended: release a held body; an unfinished header is not answer text,
        unless nothing harmony-like came at all."""
        pending, self._pending = self._pending, ""
        if self._channel is not None or self._plain:
            return self._part(pending)
        return Split() if self._began else Split(content=pending)
