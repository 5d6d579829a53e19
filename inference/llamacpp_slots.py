"""Which llama.cpp sequence ids are running, parked or free (part of the llama.cpp engine).

A finished conversation stays parked in its sequence, KV and all, so its next turn (whose
prompt starts with this one's prompt and answer) prefills only the new messages. Parked
sequences are evicted least recently used first when a newcomer needs an id or KV room.
"""

from __future__ import annotations

from collections import OrderedDict

from inference.llamacpp_batch import BatchContext
from inference.prompt_store import common_prefix


class SequenceSlots:
    """Sequence ids of one BatchContext; only the model thread may call it."""

    def __init__(self, context: BatchContext, n_seq: int, parked_max: int) -> None:
        self._context = context
        self._free = list(range(n_seq - 1, -1, -1))  # pop() hands out 0 first
        self._parked: OrderedDict[int, list[int]] = OrderedDict()  # seq id → tokens in KV
        self._parked_max = parked_max

    def take(self, prompt: list[int]) -> tuple[int, int]:
        """A sequence id for `prompt` and how many of its first tokens are already in KV.

        The parked conversation sharing the longest prefix is reused (its cells past the
        prefix freed); at least the last prompt token is left to decode, for its logits."""
        best, best_len = None, 0
        for seq_id, tokens in self._parked.items():
            n = common_prefix(tokens, prompt)
            if n > best_len:
                best, best_len = seq_id, n
        if best is not None:
            del self._parked[best]
            reuse = min(best_len, len(prompt) - 1)
            self._context.forget(best, reuse)
            return best, reuse
        if not self._free:
            self.evict_one()
        return self._free.pop(), 0

    def park(self, seq_id: int, tokens: list[int]) -> None:
        """Keep a finished sequence's KV (`tokens` are what it holds) for a next turn."""
        self._parked[seq_id] = tokens
        while len(self._parked) > self._parked_max:
            self.evict_one()

    def release(self, seq_id: int) -> None:
        """Free a sequence's KV now and its id for the next newcomer."""
        self._context.forget(seq_id)
        self._free.append(seq_id)

    def evict_one(self) -> bool:
        """Free the least recently parked conversation; False if none is parked."""
        if not self._parked:
            return False
        seq_id, _ = self._parked.popitem(last=False)
        self.release(seq_id)
        return True

    def parked(self) -> int:
        return len(self._parked)

    def holding(self, seq_id: int) -> list[int] | None:
        """The tokens a parked sequence's KV holds; None if it is not parked."""
        return self._parked.get(seq_id)

    def reset(self, n_seq: int) -> None:
        """Everything free (after the KV buffer was cleared)."""
        self._parked.clear()
        self._free = list(range(n_seq - 1, -1, -1))
