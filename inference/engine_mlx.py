"""The MLX engine: mlx-lm's BatchGenerator does continuous batching on the GPU.

The GPU is Metal on a Mac or CUDA elsewhere (see mlx_device). Without one MLX runs on its
CPU backend (how the tests exercise it here): there the model is upcast to float32,
because MLX-CPU's MoE expert matmul (gather_mm) is float32-only.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inference.engine import Admission, EngineInfo, StepOutput
from inference.errors import ModelError
from inference.prompt_checks import (
    check_logit_bias,
    check_prompt_fits,
    template_refusals_are_request_errors,
)
from inference.requests import ChatRequest

log = logging.getLogger(__name__)

# Completed conversations whose KV cache is kept for the next turn.
PROMPT_CACHE_ENTRIES = 16
# config.json keys that name a model's context window, most specific first.
CONTEXT_KEYS = ("max_position_embeddings", "max_sequence_length", "seq_length", "n_positions")
# When the config names none: a window every architecture we load handles.
FALLBACK_CONTEXT = 4096


@dataclass
class _Sequence:
    request_id: int
    uid: int
    detokenizer: Any
    sampling: Any  # its SequenceSampling: the random key and any failure of its own


def context_length(model_path: str) -> int:
    """The model's context window from its config.json (nested text_config included)."""
    try:
        config = json.loads((Path(model_path) / "config.json").read_text())
    except (OSError, ValueError):
        return FALLBACK_CONTEXT
    for section in (config, config.get("text_config") or {}):
        for key in CONTEXT_KEYS:
            value = section.get(key)
            if isinstance(value, int) and value > 0:
                return value
    return FALLBACK_CONTEXT


class MlxEngine:
    """Serves one MLX model; only the scheduler's thread may call it."""

    def __init__(self, model_path: str, model_id: str) -> None:
        from inference.mlx_device import detect_device, use_kernel_cache

        use_kernel_cache()  # before MLX compiles its first kernel
        import mlx.core as mx
        from mlx_lm import load
        from mlx_lm.models.cache import LRUPromptCache

        self._mx = mx
        self.device = detect_device(mx)
        gpu = self.device.is_gpu
        try:
            self._model, self._tokenizer = load(model_path)
        except Exception as e:  # e.g. "Model type X not supported.", missing or misshapen weights
            raise ModelError(f"MLX cannot load {model_id}: {e}") from None
        if not gpu:
            self._model.set_dtype(mx.float32)
        self._eos = sorted(self._tokenizer.eos_token_ids)
        self._generator = self._new_generator()
        self._prompt_cache = LRUPromptCache(max_size=PROMPT_CACHE_ENTRIES)
        self._sequences: dict[int, _Sequence] = {}  # by BatchGenerator uid
        self._by_request: dict[int, int] = {}
        args = getattr(self._model, "args", None)
        self._vocab = int(getattr(args, "vocab_size", 0) or len(self._tokenizer.vocab))
        self.info = EngineInfo(
            name="mlx",
            device="gpu" if gpu else "cpu",
            model=model_id,
            batching="continuous",
            max_batch=64,
            context_length=context_length(model_path),
        )

    def _new_generator(self) -> Any:
        from mlx_lm.generate import BatchGenerator

        mx = self._mx
        return BatchGenerator(
            self._model,
            stop_tokens=[[t] for t in self._eos],
            completion_batch_size=64,
            prefill_batch_size=8,
            # The model thread's own stream: mlx-lm's module-level one belongs to the importer.
            stream=mx.default_stream(mx.default_device()),
        )

    @property
    def tokenizer(self) -> Any:
        return self._tokenizer

    @property
    def model(self) -> Any:
        return self._model

    def encode_chat(self, messages: list[dict]) -> list[int]:
        """The chat rendered with the model's own template, as token ids."""
        return list(self._tokenizer.apply_chat_template(messages, add_generation_prompt=True))

    def prepare(self, request: ChatRequest) -> list[int]:
        with template_refusals_are_request_errors():
            prompt = self.encode_chat(request.messages)
        check_prompt_fits(len(prompt), self.info.context_length)
        check_logit_bias(request.params.logit_bias, self._vocab)
        return prompt

    def start(self, request: ChatRequest, prompt: list[int] | None = None) -> Admission:
        from mlx_lm.models.cache import can_trim_prompt_cache, trim_prompt_cache

        from inference.engine_mlx_sampling import SequenceSampling

        if prompt is None:
            prompt = self.prepare(request)
        cache, rest = self._prompt_cache.fetch_nearest_cache("model", prompt)
        if cache is not None and not rest:
            # The whole prompt is cached: re-feed its last token so there are logits to sample.
            if can_trim_prompt_cache(cache):
                trim_prompt_cache(cache, 1)
                rest = prompt[-1:]
            else:
                cache, rest = None, prompt
        cached = len(prompt) - len(rest)
        sampling = SequenceSampling(request.params)
        # The answer ends where the context does (finish_reason "length").
        room = self.info.context_length - len(prompt)
        (uid,) = self._generator.insert(
            [rest],
            max_tokens=[max(1, min(request.params.max_tokens, room))],
            caches=[cache] if cache is not None else None,
            all_tokens=[prompt[:cached]],
            samplers=[sampling.sampler()],
            logits_processors=[sampling.processors()],
        )
        self._sequences[uid] = _Sequence(request.id, uid, self._tokenizer.detokenizer, sampling)
        self._by_request[request.id] = uid
        return Admission(prompt_tokens=len(prompt), cached_tokens=cached)

    def step(self) -> list[StepOutput]:
        try:
            _, generated = self._generator.next()
        except Exception:
            # Not any one sequence's fault (those are caught per sequence): the batch's state
            # is unknown now, so start a clean generator for the requests still to come.
            self._reset()
            raise
        outputs = []
        failed = []
        for r in generated:
            seq = self._sequences.get(r.uid)
            if seq is None:
                continue
            if seq.sampling.failure is not None:
                failed.append(seq)
                continue
            if r.finish_reason != "stop":  # the end-of-turn token itself is not shown
                seq.detokenizer.add_token(r.token)
            if r.finish_reason is not None:
                seq.detokenizer.finalize()
            outputs.append(
                StepOutput(seq.request_id, seq.detokenizer.last_segment, r.token, r.finish_reason)
            )
            if r.finish_reason is not None:
                if r.prompt_cache is not None and r.all_tokens:
                    self._prompt_cache.insert_cache("model", list(r.all_tokens), r.prompt_cache)
                self._forget(r.uid)
        for seq in failed:  # ended alone; its neighbours' tokens above are unaffected
            log.warning("request %s failed: %s", seq.request_id, seq.sampling.failure)
            self.cancel(seq.request_id)
            outputs.append(StepOutput(seq.request_id, "", None, "error", seq.sampling.failure))
        return outputs

    def _reset(self) -> None:
        try:
            self._generator.close()
        except Exception:
            log.exception("closing a failed generator")
        self._generator = self._new_generator()
        self._sequences.clear()
        self._by_request.clear()

    def cancel(self, request_id: int) -> None:
        uid = self._by_request.get(request_id)
        if uid is None:
            return
        self._generator.remove([uid])
        self._forget(uid)

    def _forget(self, uid: int) -> None:
        seq = self._sequences.pop(uid)
        self._by_request.pop(seq.request_id, None)

    def running(self) -> int:
        return len(self._sequences)

    def close(self) -> None:
        self._generator.close()
        self._sequences.clear()
        self._by_request.clear()
