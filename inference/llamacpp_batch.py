"""llama.cpp's low-level API for continuous batching (part of the llama.cpp engine).

One context holds every sequence's KV cache (a unified buffer, so a sequence may grow to
the whole context while others are short); one `llama_decode` advances every running
sequence at once. Each sequence samples from its own sampler chain with its own seed,
built like `Llama.generate`'s, so a greedy or seeded answer is the one the high-level API
gives alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import llama_cpp
from llama_cpp._internals import LlamaSampler

from inference.requests import SamplingParams

# llama.cpp seeds are uint32, and 0xFFFFFFFF (LLAMA_DEFAULT_SEED) means "pick one at random".
SEED_MODULUS = 0xFFFFFFFF
# Llama's default `last_n_tokens_size`: how far back the repetition penalties look.
PENALTY_LAST_N = 64


@dataclass(frozen=True)
class BatchEntry:
    """Tokens of one sequence in the next decode; `logits` asks for its next-token row."""

    seq_id: int
    start_pos: int
    tokens: list[int]
    logits: bool


class BatchContext:
    """A llama.cpp context with `n_seq_max` sequences over one unified KV buffer."""

    def __init__(self, llm: Any, kv_tokens: int, n_seq_max: int, n_batch: int) -> None:
        # The high-level Llama's own settings (threads, flash attention, types), so a
        # sequence computes what `Llama.generate` computes.
        params = llama_cpp.llama_context_params.from_buffer_copy(llm.context_params)
        params.n_ctx = kv_tokens
        params.n_seq_max = n_seq_max
        params.kv_unified = True
        params.n_batch = n_batch
        params.n_ubatch = n_batch
        self._ctx = llama_cpp.llama_init_from_model(llm.model, params)
        if not self._ctx:
            raise RuntimeError("llama.cpp could not create a batching context")
        self._memory = llama_cpp.llama_get_memory(self._ctx)
        self._batch = llama_cpp.llama_batch_init(n_batch, 0, 1)
        self.n_batch = n_batch
        self.kv_tokens = llama_cpp.llama_n_ctx(self._ctx)

    @property
    def ctx(self) -> Any:
        return self._ctx

    def decode(self, entries: list[BatchEntry]) -> list[int]:
        """Decode every entry in one step; the batch row of each entry's logits (or -1).

        Raises KvFull when the KV buffer has no room (nothing was decoded then)."""
        b = self._batch
        n = 0
        rows = []
        for entry in entries:
            for i, token in enumerate(entry.tokens):
                b.token[n] = token
                b.pos[n] = entry.start_pos + i
                b.n_seq_id[n] = 1
                b.seq_id[n][0] = entry.seq_id
                b.logits[n] = False
                n += 1
            if entry.logits:
                b.logits[n - 1] = True
                rows.append(n - 1)
            else:
                rows.append(-1)
        b.n_tokens = n
        rc = llama_cpp.llama_decode(self._ctx, b)
        if rc == 1:
            raise KvFull()
        if rc != 0:
            raise RuntimeError(f"llama_decode returned {rc}")
        return rows

    def forget(self, seq_id: int, from_pos: int = 0) -> None:
        """Free a sequence's KV cells from `from_pos` on (all of them by default)."""
        llama_cpp.llama_memory_seq_rm(self._memory, seq_id, from_pos, -1)

    def clear(self) -> None:
        llama_cpp.llama_memory_clear(self._memory, True)

    def close(self) -> None:
        if self._ctx:
            llama_cpp.llama_batch_free(self._batch)
            llama_cpp.llama_free(self._ctx)
            self._ctx = None


class KvFull(Exception):
    """The KV buffer has no free cells for this batch."""


class SequenceSampler:
    """One sequence's sampler chain: logit bias, penalties, then greedy or top-k/p … + seed."""

    def __init__(self, params: SamplingParams, n_vocab: int, seed: int) -> None:
        self.params = params
        chain = LlamaSampler()
        if params.logit_bias:
            chain.add_logit_bias(n_vocab, dict(params.logit_bias))
        chain.add_penalties(
            n_vocab=n_vocab,
            penalty_last_n=PENALTY_LAST_N,
            penalty_repeat=params.repetition_penalty,
            penalty_freq=params.frequency_penalty,
            penalty_present=params.presence_penalty,
        )
        if params.temperature == 0:
            chain.add_greedy()
        else:
            # top_k at or past the vocabulary keeps every token; 0 is llama.cpp's "off".
            chain.add_top_k(params.top_k if params.top_k < n_vocab else 0)
            chain.add_typical(1.0, 1)
            chain.add_top_p(params.top_p, 1)
            chain.add_min_p(params.min_p, 1)
            chain.add_temp(params.temperature)
            chain.add_dist(seed % SEED_MODULUS)
        self._chain = chain

    def sample(self, ctx: Any, row: int) -> int:
        """The next token from batch row `row`'s logits (also recorded for the penalties)."""
        return int(llama_cpp.llama_sampler_sample(self._chain.sampler, ctx, row))

    def close(self) -> None:
        self._chain.close()


def is_end_of_generation(llm: Any, token: int) -> bool:
    return bool(llama_cpp.llama_vocab_is_eog(llama_cpp.llama_model_get_vocab(llm.model), token))

