"""Where a conversation's next answer is made: this machine's worker or a remote provider.

A pure function of plain values (no network, no clock, no Qt), so every rule is a unit test.
The rules, first match wins (`RULES` says the same words the UI shows):

1. a Local-only conversation is answered here, whatever else is asked;
2. the user's explicit choice for the conversation (local or a provider) is followed;
3. with automatic offload on, an Allowed-remote conversation goes to the offload provider
   when its prompt is over the size threshold, when the local worker is down, or when the
   governor holds generation under the tok/s floor (the laptop is hot);
4. otherwise it is answered here.
A remote answer of an Allowed-remote conversation may fall back to local if the remote fails.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import Enum

LOCAL = "local"
CHARS_PER_TOKEN = 4  # a rough, tokenizer-free estimate: routing must not need the model


class Privacy(str, Enum):
    LOCAL_ONLY = "local-only"
    ALLOWED_REMOTE = "allowed-remote"


@dataclass(frozen=True)
class OffloadPolicy:
    """Automatic offload of Allowed-remote conversations; off while `provider` is None."""

    provider: str | None = None
    prompt_tokens_over: int | None = None  # None: size never offloads
    tok_s_floor: float | None = None  # None: heat never offloads


@dataclass(frozen=True)
class WorkerState:
    """What routing needs from the worker's /v1/fennec/status."""

    up: bool = True
    held_tok_s: float | None = None  # decode speed while the governor holds it back, else None

    @classmethod
    def from_status(cls, status: dict | None) -> WorkerState:
        """`None` (no answer from the worker) is a worker that is down. An idle, cool worker
        reports 0 tok/s; that is not slow, so only a throttled or paced one counts."""
        if status is None:
            return cls(up=False)
        if status.get("paused"):
            return cls(held_tok_s=0.0)
        held = (status.get("throttle") or 0) > 0 or (status.get("pacing_s") or 0) > 0
        busy = (status.get("active_requests") or 0) > 0
        speed = status.get("tokens_per_s")
        if held and busy and isinstance(speed, int | float):
            return cls(held_tok_s=float(speed))
        return cls()


@dataclass(frozen=True)
class Route:
    target: str  # LOCAL or a provider's name
    rule: str  # the rule that decided, in words a user can read
    fallback_to_local: bool = False  # a failing remote may hand the answer back to local

    @property
    def remote(self) -> bool:
        return self.target != LOCAL


RULES = (
    "Local-only conversations are answered on this machine, always.",
    "Your choice of model or provider for a conversation is followed.",
    "With automatic offload on, an Allowed-remote conversation goes to the offload provider "
    "when its prompt is over the size threshold, when the local model is not running, or when "
    "the laptop is hot enough that generation is held under the tok/s floor.",
    "Everything else is answered on this machine.",
    "If a remote provider fails before answering, an Allowed-remote conversation is answered "
    "on this machine instead, with a note.",
)


def estimate_tokens(messages: list[dict]) -> int:
    """Prompt size without a tokenizer: about four characters a token."""
    chars = sum(len(str(m.get("content") or "")) for m in messages)
    return chars // CHARS_PER_TOKEN + 1


def route(
    privacy: Privacy,
    choice: str | None,
    prompt_tokens: int,
    policy: OffloadPolicy,
    worker: WorkerState,
    providers: Collection[str],
) -> Route:
    """Decide where the next answer is made. `choice`: None (automatic), LOCAL or a name."""
    if privacy is not Privacy.ALLOWED_REMOTE:
        if choice not in (None, LOCAL):
            return Route(LOCAL, f"Local-only conversation: not sent to {choice}")
        return Route(LOCAL, "Local-only conversation")
    if choice == LOCAL:
        return Route(LOCAL, "You chose this machine")
    if choice is not None:
        if choice not in providers:
            return Route(LOCAL, f"No provider named {choice}: answered on this machine")
        return Route(choice, f"You chose {choice}", fallback_to_local=True)
    offload = policy.provider
    if offload is None or offload not in providers:
        return Route(LOCAL, "Automatic offload is off")
    if policy.prompt_tokens_over is not None and prompt_tokens > policy.prompt_tokens_over:
        return Route(
            offload,
            f"Prompt of about {prompt_tokens} tokens is over {policy.prompt_tokens_over}",
            fallback_to_local=True,
        )
    if not worker.up:
        return Route(offload, "The local model is not running", fallback_to_local=False)
    floor = policy.tok_s_floor
    if floor is not None and worker.held_tok_s is not None and worker.held_tok_s < floor:
        return Route(
            offload,
            f"Laptop is hot: {worker.held_tok_s:.1f} tok/s is under the {floor:g} tok/s floor",
            fallback_to_local=True,
        )
    return Route(LOCAL, "Answered on this machine")


def answered_label(target: str | None, note: str | None = None) -> str:
    """The quiet words under an answer: who made it, and any note (None: not an answer)."""
    if target is None:
        return ""
    who = "answered on this machine" if target == LOCAL else f"answered by {target}"
    return f"{who} ({note})" if note else who
