"""Per-sequence sampling for the MLX engine (part of the engine: it imports mlx).

mlx-lm's BatchGenerator takes one sampler and logits processors per sequence. Ours give
each sequence two things mlx-lm's own `make_sampler` does not:
- its own random key, split at every token: a seeded request draws the same numbers
  whether it runs alone or beside others (the global key is shared by the whole batch);
- a failure of its own: an exception in its sampler or processors is caught and recorded
  here, the batch goes on with a placeholder token for this row, and the engine ends only
  this sequence. An exception escaping into BatchGenerator would end every neighbour and
  leave half-built arrays behind that fail later requests.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import mlx.core as mx
from mlx_lm.sample_utils import (
    apply_min_p,
    apply_top_k,
    apply_top_p,
    greedy_sampler,
    make_logits_processors,
)

from inference.requests import SamplingParams

LogitsProcessor = Callable[[Any, mx.array], mx.array]


def random_seed() -> int:
    """A seed for a request that sent none: its own stream, unrelated to any other."""
    return secrets.randbits(63)


@dataclass
class SequenceSampling:
    """The sampler and logits processors of one sequence, with its random key."""

    params: SamplingParams
    key: mx.array = field(init=False)
    failure: str | None = None

    def __post_init__(self) -> None:
        seed = self.params.seed if self.params.seed is not None else random_seed()
        self.key = mx.random.key(seed)

    def sampler(self) -> Callable[[mx.array], mx.array]:
        """What BatchGenerator calls with this sequence's log-probabilities (1 × vocab)."""
        if self.params.temperature == 0:
            # Greedy needs no key and cannot fail; one shared function lets mlx-lm sample an
            # all-greedy batch in one call.
            return greedy_sampler
        return self._sample

    def processors(self) -> list[LogitsProcessor]:
        p = self.params
        made = make_logits_processors(
            logit_bias=dict(p.logit_bias) or None,
            repetition_penalty=p.repetition_penalty if p.repetition_penalty != 1.0 else None,
            presence_penalty=p.presence_penalty or None,
            frequency_penalty=p.frequency_penalty or None,
        )
        return [self._guarded(processor) for processor in made]

    def _sample(self, logprobs: mx.array) -> mx.array:
        if self.failure is not None:
            return greedy_sampler(logprobs)
        p = self.params
        try:
            # The same chain and order as mlx-lm's make_sampler.
            if 0 < p.top_p < 1.0:
                logprobs = apply_top_p(logprobs, p.top_p)
            if p.min_p != 0.0:
                logprobs = apply_min_p(logprobs, p.min_p)
            # top_k at or past the vocabulary keeps every token: the same as no top_k.
            if 0 < p.top_k < logprobs.shape[-1]:
                logprobs = apply_top_k(logprobs, p.top_k)
            key, subkey = mx.random.split(self.key)
            token = mx.random.categorical(logprobs * (1.0 / p.temperature), key=subkey)
        except Exception as e:
            self.failure = f"sampling failed: {e}"
            return greedy_sampler(logprobs)
        self.key = key  # advanced only once the draw is built
        return token

    def _guarded(self, processor: LogitsProcessor) -> LogitsProcessor:
        def run(tokens: Any, logits: mx.array) -> mx.array:
            if self.failure is not None:
                return logits
            try:
                return processor(tokens, logits)
            except Exception as e:
                self.failure = f"logits processing failed: {e}"
                return logits

        return run
