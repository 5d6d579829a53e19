"""The MLX engine: a lone request on mlx-lm's single-stream path, BatchGenerator's
continuous batching from the second one on (and back when one is left), on the GPU.

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

from inference.chat_prompt import render_folding_system, template_messages
from inference.context_fit import fit_prompt
from inference.engine import Admission, EngineInfo, StepOutput
from inference.errors import ModelError
from inference.kv_memory import kv_group_size, model_kv_shape
from inference.prompt_checks import (
    check_logit_bias,
    template_refusals_are_request_errors,
)
from inference.prompt_store import PromptStore
from inference.reasoning_split import REASONING_TAIL_TOKENS
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
    detokenizer: Any
    sampling: Any  # its SequenceSampling: the random key and any failure of its own
    processors: list[Any]
    max_tokens: int  # the answer's limit: the request's max_tokens, cut where the context ends
    generated: int = 0
    uid: int | None = None  # its BatchGenerator uid while batched
    single: Any = None  # its SingleStream while it runs alone


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

    def __init__(
        self,
        model_path: str,
        model_id: str,
        adapter_path: str | None = None,
        context: int = 0,  # tokens the model holds; 0: its trained length
        kv_bits: int = 16,  # 8 or 4: mlx-lm's quantised KV cache
        prompt_store: PromptStore | None = None,  # conversations' KV saved on disk
    ) -> None:
        from inference.mlx_device import detect_device, use_kernel_cache

        use_kernel_cache()  # before MLX compiles its first kernel
        import mlx.core as mx
        from mlx_lm import load
        from mlx_lm.models.cache import LRUPromptCache

        self._mx = mx
        self.device = detect_device(mx)
        gpu = self.device.is_gpu
        try:
            self._model, self._tokenizer = load(model_path, adapter_path=adapter_path)  # LoRA
        except Exception as e:  # e.g. "Model type X not supported.", missing or misshapen weights
            raise ModelError(f"MLX cannot load {model_id}: {e}") from None
        if not gpu:
            self._model.set_dtype(mx.float32)
        self._eos = sorted(self._tokenizer.eos_token_ids)
        # The model thread's own stream: mlx-lm's module-level one belongs to the importer.
        self._stream = mx.default_stream(mx.default_device())
        self._generator = self._new_generator()
        self._prompt_cache = LRUPromptCache(max_size=PROMPT_CACHE_ENTRIES)
        self._sequences: dict[int, _Sequence] = {}  # by request id
        self._by_uid: dict[int, int] = {}  # BatchGenerator uid → request id
        self._single: _Sequence | None = None  # the lone sequence on the single-stream path
        self._carried: list[StepOutput] = []  # tokens a sequence brought into the batch
        self._kv_bits = kv_bits
        self._store = prompt_store
        self._unsaved: list[tuple[list[int], Any]] = []  # finished, for the store when idle
        self._kv_group = kv_group_size(model_kv_shape(Path(model_path)).head_dim, kv_bits)
        args = getattr(self._model, "args", None)
        self._vocab = int(getattr(args, "vocab_size", 0) or len(self._tokenizer.vocab))
        self.info = EngineInfo(
            name="mlx",
            device="gpu" if gpu else "cpu",
            model=model_id,
            # mlx-lm's BatchGenerator has no quantised cache: 8/4-bit KV runs one at a time.
            batching="continuous" if kv_bits == 16 else "sequential",
            max_batch=64 if kv_bits == 16 else 1,
            context_length=context or context_length(model_path),
        )

    def new_cache(self) -> list[Any]:
        """An empty KV cache for one sequence, quantised as the engine was asked."""
        from mlx_lm.models.cache import make_prompt_cache

        cache = make_prompt_cache(self._model)
        if self._kv_bits == 16:
            return cache
        return [
            c.to_quantized(group_size=self._kv_group, bits=self._kv_bits)
            if hasattr(c, "to_quantized")
            else c
            for c in cache
        ]

    def _new_generator(self) -> Any:
        from mlx_lm.generate import BatchGenerator

        return BatchGenerator(
            self._model,
            stop_tokens=[[t] for t in self._eos],
            completion_batch_size=64,
            prefill_batch_size=8,
            stream=self._stream,
        )

    @property
    def tokenizer(self) -> Any:
        return self._tokenizer

    @property
    def model(self) -> Any:
        return self._model

    def encode_chat(self, messages: list[dict], template_kwargs: dict | None = None) -> list[int]:
        """The chat rendered with the model's own template, as token ids; `template_kwargs`:
        its extra variables (enable_thinking, …)."""

        def render(chat: list[dict]) -> list[int]:
            return self._tokenizer.apply_chat_template(
                chat, add_generation_prompt=True, **(template_kwargs or {})
            )

        return list(render_folding_system(render, template_messages(messages)))

    def _encoder(self, request: ChatRequest):
        """How this request's chat (or a truncated part of it) becomes tokens."""
        return lambda messages: self.encode_chat(messages, request.template_kwargs)

    def prepare(self, request: ChatRequest) -> list[int]:
        with template_refusals_are_request_errors():
            prompt = self.encode_chat(request.messages, request.template_kwargs)
        request.prompt_tail = self._tokenizer.decode(prompt[-REASONING_TAIL_TOKENS:])
        with template_refusals_are_request_errors():
            prompt = fit_prompt(request, prompt, self._encoder(request), self.info.context_length)
        check_logit_bias(request.params.logit_bias, self._vocab)
        return prompt

    def start(self, request: ChatRequest, prompt: list[int] | None = None) -> Admission:
        from mlx_lm.models.cache import can_trim_prompt_cache, trim_prompt_cache

        from inference.engine_mlx_sampling import SequenceSampling

        if prompt is None:
            prompt = self.prepare(request)
        cache, rest = self._prompt_cache.fetch_nearest_cache("model", prompt)
        cache, rest = self._saved_cache(prompt, cache, rest)
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
        seq = _Sequence(
            request.id,
            self._tokenizer.detokenizer,
            sampling,
            sampling.processors(),
            max(1, min(request.params.max_tokens, room)),
        )
        if not self._sequences:  # alone: the single-stream path
            from inference.mlx_single_stream import SingleStream

            seq.single = SingleStream(
                self._model,
                self._stream,
                cache if cache is not None else self.new_cache(),
                prompt[:cached],
                sampling.sampler(),
                seq.processors,
                prompt=rest,
            )
            self._single = seq
        else:
            if self._single is not None:
                self._single_to_batch()
            self._insert(seq, rest, cache, prompt[:cached])
        self._sequences[request.id] = seq
        return Admission(prompt_tokens=len(prompt), cached_tokens=cached)

    def _insert(self, seq: _Sequence, rest: list[int], cache: Any, fed: list[int]) -> None:
        (uid,) = self._generator.insert(
            [rest],
            max_tokens=[seq.max_tokens - seq.generated],
            caches=[cache] if cache is not None else None,
            all_tokens=[fed],
            samplers=[seq.sampling.sampler()],
            logits_processors=[seq.processors],
        )
        seq.uid = uid
        self._by_uid[uid] = seq.request_id

    def _single_to_batch(self) -> None:
        """A second sequence arrived: the lone one joins BatchGenerator with its KV cache and
        the token it has sampled but not shown (shown at the next step, then fed)."""
        seq, self._single = self._single, None
        assert seq is not None and seq.single is not None
        stream, seq.single = seq.single, None
        if not stream.started:  # nothing computed yet: an ordinary newcomer
            cache = stream.cache if stream.fed else None
            self._insert(seq, stream.unstarted_prompt, cache, stream.fed)
            return
        token = stream.next(feed_ahead=False)
        output = self._emit(seq, token, None)
        self._carried.append(output)
        if output.finish_reason is None:
            self._insert(seq, [token], stream.cache, stream.fed)
        else:
            self._keep_cache(stream.fed, stream.cache)
            self._forget(seq)

    def _batch_to_single(self) -> None:
        """One sequence left, decoding: take it out of BatchGenerator onto the cheaper path."""
        from inference.mlx_single_stream import SingleStream

        g = self._generator
        gen = g._generation_batch  # mlx-lm internals: checked by the mode-switch tests
        if g._unprocessed_sequences or len(g._prompt_batch) or len(gen) != 1:
            return
        if gen._next_tokens is None or gen.uids[0] not in self._by_uid:
            return
        uid = gen.uids[0]
        pending = gen._next_tokens[:1]  # sampled after the last token it showed
        cache, fed = g.remove([uid], return_prompt_caches=True)[uid]
        seq = self._sequences[self._by_uid.pop(uid)]
        seq.uid = None
        seq.single = SingleStream(
            self._model,
            self._stream,
            cache,
            list(fed),
            seq.sampling.sampler(),
            seq.processors,
            pending=pending,
        )
        self._single = seq

    def _emit(self, seq: _Sequence, token: int, reason: str | None) -> StepOutput:
        """One shown token; `reason` as BatchGenerator says, or worked out here."""
        seq.generated += 1
        if reason is None:
            if token in self._eos:
                reason = "stop"
            elif seq.generated >= seq.max_tokens:
                reason = "length"
        if reason != "stop":  # the end-of-turn token itself is not shown
            seq.detokenizer.add_token(token)
        if reason is not None:
            seq.detokenizer.finalize()
        return StepOutput(seq.request_id, seq.detokenizer.last_segment, token, reason)

    def _keep_cache(self, tokens: list[int], cache: Any) -> None:
        if cache is not None and tokens:
            self._prompt_cache.insert_cache("model", list(tokens), cache)
            if self._store is not None:  # and on disk when idle, for after a restart
                self._unsaved.append((list(tokens), cache))

    def save_pending(self) -> None:
        """Write finished conversations' KV to the store. The scheduler calls this when
        idle, so a save never delays the end of an answer or the start of the next."""
        from inference.prompt_files import save_mlx_cache

        pending, self._unsaved = self._unsaved, []
        for tokens, cache in pending if self._store is not None else ():
            self._store.save(tokens, lambda path, cache=cache: save_mlx_cache(path, cache))

    def _saved_cache(self, prompt: list[int], cache: Any, rest: list[int]) -> tuple[Any, list]:
        """A longer prefix saved on disk (by an earlier worker) beats the one in memory."""
        if self._store is None:
            return cache, rest
        from inference.prompt_files import load_mlx_cache

        found = self._store.load(
            prompt,
            lambda entry: load_mlx_cache(entry, self.new_cache()),
            longer_than=len(prompt) - len(rest),
        )
        if found is None:
            return cache, rest
        from mlx_lm.models.cache import trim_prompt_cache

        entry, loaded = found
        trim_prompt_cache(loaded, len(entry.tokens) - entry.common)  # past the shared start
        return loaded, prompt[entry.common :]

    @property
    def mode(self) -> str:
        """"single" (one sequence on the single-stream path), "batch" or "idle"."""
        if self._single is not None:
            return "single"
        return "batch" if self._sequences else "idle"

    def step(self) -> list[StepOutput]:
        try:
            if self._single is not None:
                return self._step_single()
            outputs = self._step_batch()
        except Exception:
            # Not any one sequence's fault (those are caught per sequence): the state is
            # unknown now, so start clean for the requests still to come.
            self._reset()
            raise
        if len(self._sequences) == 1:
            self._batch_to_single()
        return outputs

    def _step_single(self) -> list[StepOutput]:
        seq = self._single
        assert seq is not None and seq.single is not None
        stream = seq.single
        # The last allowed token: nothing to compute after it.
        token = stream.next(feed_ahead=seq.generated + 1 < seq.max_tokens)
        if seq.sampling.failure is not None:
            return [self._fail(seq)]
        output = self._emit(seq, token, None)
        if output.finish_reason is not None:
            self._keep_cache(stream.fed, stream.cache)
            self._forget(seq)
        return [output]

    def _step_batch(self) -> list[StepOutput]:
        outputs, self._carried = self._carried, []
        _, generated = self._generator.next()
        failed = []
        for r in generated:
            request_id = self._by_uid.get(r.uid)
            if request_id is None:
                continue
            seq = self._sequences[request_id]
            if seq.sampling.failure is not None:
                failed.append(seq)
                continue
            outputs.append(self._emit(seq, r.token, r.finish_reason))
            if r.finish_reason is not None:
                self._keep_cache(r.all_tokens, r.prompt_cache)
                self._forget(seq)
        for seq in failed:  # ended alone; its neighbours' tokens above are unaffected
            self.cancel(seq.request_id)
            outputs.append(self._fail(seq))
        return outputs

    def _fail(self, seq: _Sequence) -> StepOutput:
        log.warning("request %s failed: %s", seq.request_id, seq.sampling.failure)
        self.cancel(seq.request_id)
        return StepOutput(seq.request_id, "", None, "error", seq.sampling.failure)

    def _reset(self) -> None:
        try:
            self._generator.close()
        except Exception:
            log.exception("closing a failed generator")
        self._generator = self._new_generator()
        self._sequences.clear()
        self._by_uid.clear()
        self._single = None
        self._carried = []

    def cancel(self, request_id: int) -> None:
        seq = self._sequences.get(request_id)
        if seq is None:
            return
        if seq.uid is not None:
            self._generator.remove([seq.uid])
        self._forget(seq)

    def _forget(self, seq: _Sequence) -> None:
        self._sequences.pop(seq.request_id, None)
        if seq.uid is not None:
            self._by_uid.pop(seq.uid, None)
        if self._single is seq:
            self._single = None
        seq.single = None

    def running(self) -> int:
        return len(self._sequences)

    def close(self) -> None:
        """Release the model: drop the weights and caches, and hand MLX's buffers back."""
        self.save_pending()
        self._generator.close()
        self._sequences.clear()
        self._by_uid.clear()
        self._single = None
        self._prompt_cache = None
        self._generator = self._model = None
        import gc

        gc.collect()
        self._mx.clear_cache()  # MLX keeps freed buffers for reuse unless told
