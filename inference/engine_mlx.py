"""The MLX engine: mlx-lm's BatchGenerator does continuous batching on the Metal GPU.

Off Apple Silicon MLX runs on its CPU backend (how the tests exercise it here): there the
model is upcast to float32, because MLX-CPU's MoE expert matmul (gather_mm) is float32-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from inference.engine import Admission, EngineInfo, StepOutput
from inference.errors import ModelError
from inference.requests import ChatRequest

# Completed conversations whose KV cache is kept for the next turn.
PROMPT_CACHE_ENTRIES = 16


@dataclass
class _Sequence:
    request_id: int
    uid: int
    detokenizer: Any


class MlxEngine:
    """Serves one MLX model; only the scheduler's thread may call it."""

    def __init__(self, model_path: str, model_id: str) -> None:
        import mlx.core as mx
        from mlx_lm import load
        from mlx_lm.generate import BatchGenerator
        from mlx_lm.models.cache import LRUPromptCache

        self._mx = mx
        gpu = mx.metal.is_available()
        try:
            self._model, self._tokenizer = load(model_path)
        except Exception as e:  # e.g. "Model type X not supported.", missing or misshapen weights
            raise ModelError(f"MLX cannot load {model_id}: {e}") from None
        if not gpu:
            self._model.set_dtype(mx.float32)
        eos = sorted(self._tokenizer.eos_token_ids)
        self._generator = BatchGenerator(
            self._model,
            stop_tokens=[[t] for t in eos],
            completion_batch_size=64,
            prefill_batch_size=8,
            # The model thread's own stream: mlx-lm's module-level one belongs to the importer.
            stream=mx.default_stream(mx.default_device()),
        )
        self._prompt_cache = LRUPromptCache(max_size=PROMPT_CACHE_ENTRIES)
        self._sequences: dict[int, _Sequence] = {}  # by BatchGenerator uid
        self._by_request: dict[int, int] = {}
        self.info = EngineInfo(
            name="mlx",
            device="gpu" if gpu else "cpu",
            model=model_id,
            batching="continuous",
            max_batch=64,
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

    def start(self, request: ChatRequest) -> Admission:
        from mlx_lm.models.cache import can_trim_prompt_cache, trim_prompt_cache
        from mlx_lm.sample_utils import make_logits_processors, make_sampler

        prompt = self.encode_chat(request.messages)
        cache, rest = self._prompt_cache.fetch_nearest_cache("model", prompt)
        if cache is not None and not rest:
            # The whole prompt is cached: re-feed its last token so there are logits to sample.
            if can_trim_prompt_cache(cache):
                trim_prompt_cache(cache, 1)
                rest = prompt[-1:]
            else:
                cache, rest = None, prompt
        cached = len(prompt) - len(rest)
        p = request.params
        sampler = make_sampler(p.temperature, top_p=p.top_p, min_p=p.min_p, top_k=p.top_k)
        processors = make_logits_processors(
            repetition_penalty=p.repetition_penalty if p.repetition_penalty != 1.0 else None
        )
        if p.seed is not None:
            self._mx.random.seed(p.seed)
        (uid,) = self._generator.insert(
            [rest],
            max_tokens=[p.max_tokens],
            caches=[cache] if cache is not None else None,
            all_tokens=[prompt[:cached]],
            samplers=[sampler],
            logits_processors=[processors],
        )
        self._sequences[uid] = _Sequence(request.id, uid, self._tokenizer.detokenizer)
        self._by_request[request.id] = uid
        return Admission(prompt_tokens=len(prompt), cached_tokens=cached)

    def step(self) -> list[StepOutput]:
        outputs = []
        _, generated = self._generator.next()
        for r in generated:
            seq = self._sequences.get(r.uid)
            if seq is None:
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
        return outputs

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
