"""The llama.cpp engine (GGUF): ggml's NEON/AVX CPU kernels, where there is no Metal.

Continuous batching through llama.cpp's low-level API: one context, one sequence id per
running chat, one `llama_decode` per step for all of them. A newcomer joins between steps;
its prompt is prefilled in chunks beside the running streams' decode tokens, so those keep
flowing. A finished chat stays parked in its sequence for the next turn (KV reuse); a
cancelled one frees its KV at once. The high-level `Llama` object holds the weights, the
tokenizer and the chat template; its own context is kept small and never decodes.
"""

from __future__ import annotations

import codecs
import logging
import os
import secrets
from dataclasses import dataclass, field
from typing import Any

from inference.chat_prompt import TemplateFormatter
from inference.context_fit import fit_prompt
from inference.engine import Admission, EngineInfo, StepOutput
from inference.errors import ModelError
from inference.llamacpp_batch import (
    BatchContext,
    BatchEntry,
    KvFull,
    SequenceSampler,
    is_end_of_generation,
)
from inference.llamacpp_slots import SequenceSlots
from inference.prompt_checks import (
    check_logit_bias,
    check_prompt_fits,
    template_refusals_are_request_errors,
)
from inference.prompt_store import PromptStore
from inference.reasoning_split import REASONING_TAIL_CHARS
from inference.requests import ChatRequest

log = logging.getLogger(__name__)

MAX_RUNNING = 16  # sequences decoding at once
PARKED_CONVERSATIONS = 8  # finished chats whose KV waits for their next turn
# Prompt tokens prefilled per step beside the decode tokens: small enough that running
# streams keep their pace, large enough that a newcomer's prompt is in within a few steps.
PREFILL_CHUNK = 256
N_BATCH = PREFILL_CHUNK + MAX_RUNNING
# KV cells of all sequences together, in contexts: two full-length chats, or many short ones.
KV_CONTEXTS = 2
# The Llama object's own context only tokenizes; llama.cpp wants one all the same.
HOLDER_CTX = 256


def kv_cache_types(kv_bits: int) -> dict:
    """Llama's settings for a KV precision. The batching context copies them. llama.cpp can
    quantise the V cache only with flash attention, so 8/4-bit turns it on."""
    import llama_cpp

    if kv_bits == 16:
        return {}
    kind = {8: llama_cpp.GGML_TYPE_Q8_0, 4: llama_cpp.GGML_TYPE_Q4_0}[kv_bits]
    return {"type_k": kind, "type_v": kind, "flash_attn": True}


def engine_threads() -> int:
    """CPU threads llama.cpp computes with: every core (the bench's raw reference uses it too)."""
    return max(1, os.cpu_count() or 2)


@dataclass
class _Sequence:
    request: ChatRequest
    seq_id: int
    tokens: list[int]  # prompt, then every sampled token
    prompt_len: int
    n_past: int  # how many of `tokens` the KV holds
    sampler: SequenceSampler
    decoder: Any = field(default_factory=lambda: codecs.getincrementaldecoder("utf-8")("replace"))

    @property
    def generated(self) -> int:
        return len(self.tokens) - self.prompt_len


class LlamaCppEngine:
    """Serves one GGUF model; only the scheduler's thread may call it."""

    def __init__(
        self,
        model_file: str,
        model_id: str,
        n_ctx: int = 4096,
        lora_path: str | None = None,
        kv_bits: int = 16,  # 8 or 4: q8_0 / q4_0 keys and values
        prompt_store: PromptStore | None = None,  # conversations' KV saved on disk
    ) -> None:
        import llama_cpp
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        threads = engine_threads()
        self._store = prompt_store
        self._unsaved: list[tuple[int, list[int]]] = []  # parked, for the store when idle
        try:
            self._llm = llama_cpp.Llama(
                model_path=model_file,
                n_ctx=HOLDER_CTX,
                n_threads=threads,
                n_batch=N_BATCH,
                verbose=False,
                lora_path=lora_path,
                **kv_cache_types(kv_bits),
            )
        except (ValueError, RuntimeError) as e:
            raise ModelError(f"llama.cpp cannot load {model_file}: {e}") from None
        template = self._llm.metadata.get("tokenizer.chat_template")
        if not template:
            raise ModelError(f"{model_file} has no chat template (tokenizer.chat_template)")
        eos = self._llm.token_eos()
        bos = self._llm.token_bos()
        self._eos_text = self._piece(eos)
        # Messages read as transformers' apply_chat_template reads them (chat_prompt).
        self._formatter = TemplateFormatter(
            Jinja2ChatFormatter(
                template=template,
                eos_token=self._eos_text,
                bos_token=self._piece(bos) if bos >= 0 else "",
            )
        )
        # SentencePiece vocabularies (Mixtral's) start every text with a space token; the
        # answer's own first one is not shown (transformers' decoder strips it too).
        self._strip_first_space = self._llm.metadata.get("tokenizer.ggml.model") == "llama" and (
            self._llm.metadata.get("tokenizer.ggml.add_space_prefix", "true") != "false"
        )
        self._n_seq = MAX_RUNNING + PARKED_CONVERSATIONS
        self._context = BatchContext(self._llm, KV_CONTEXTS * n_ctx, self._n_seq, N_BATCH)
        if lora_path:  # LoRA (issue 16): llama.cpp keeps adapters per context
            from inference.adapter_llamacpp import attach_lora

            attach_lora(self._llm, self._context.ctx)
        self._slots = SequenceSlots(self._context, self._n_seq, PARKED_CONVERSATIONS)
        self._running: dict[int, _Sequence] = {}  # by request id, in admission order
        self._n_vocab = self._llm.n_vocab()
        self.info = EngineInfo(
            name="llamacpp",
            device="cpu",
            model=model_id,
            batching="continuous",
            max_batch=MAX_RUNNING,
            context_length=n_ctx,
        )

    def _piece(self, token: int) -> str:
        return self._llm.detokenize([token], special=True).decode("utf-8", errors="replace")

    def encode_chat(self, messages: list[dict], template_kwargs: dict | None = None) -> list[int]:
        """The chat rendered with the GGUF's own template, as token ids; `template_kwargs`:
        its extra variables (enable_thinking, …)."""
        return self._tokenize(self._formatter(messages=messages, **(template_kwargs or {})).prompt)

    def _tokenize(self, prompt: str) -> list[int]:
        # Specials in the template (<|im_start|> …) must become their control tokens.
        return self._llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)

    def _encoder(self, request: ChatRequest):
        """How this request's chat (or a truncated part of it) becomes tokens."""
        return lambda messages: self.encode_chat(messages, request.template_kwargs)

    def prepare(self, request: ChatRequest) -> list[int]:
        with template_refusals_are_request_errors():
            text = self._formatter(messages=request.messages, **request.template_kwargs).prompt
        request.prompt_tail = text[-REASONING_TAIL_CHARS:]
        # llama.cpp splits text at special tokens in time quadratic in their number (16 s for
        # 30,000 short messages). Each end-of-turn marker is one token, so counting them
        # first refuses such a chat at once; one that passes has too few for that to matter.
        if self._eos_text and request.truncation != "auto":
            check_prompt_fits(text.count(self._eos_text), self.info.context_length, at_least=True)
        prompt = self._tokenize(text)
        with template_refusals_are_request_errors():
            prompt = fit_prompt(request, prompt, self._encoder(request), self.info.context_length)
        check_logit_bias(request.params.logit_bias, self._n_vocab)
        return prompt

    def start(self, request: ChatRequest, prompt: list[int] | None = None) -> Admission:
        if prompt is None:
            prompt = self.prepare(request)
        p = request.params
        # Every request seeds its own draw: a seeded one replays exactly, beside others too.
        seed = p.seed if p.seed is not None else secrets.randbits(32)
        sampler = SequenceSampler(p, self._n_vocab, seed)
        self.save_pending()
        seq_id, reused = self._slots.take(prompt)
        reused = self._saved_sequence(prompt, seq_id, reused)
        self._running[request.id] = _Sequence(
            request, seq_id, list(prompt), len(prompt), reused, sampler
        )
        return Admission(prompt_tokens=len(prompt), cached_tokens=reused)

    def step(self) -> list[StepOutput]:
        if not self._running:
            return []
        try:
            plan = self._plan()
            rows = self._decode([entry for _, entry in plan])
        except Exception:
            # The KV's state is unknown after a failed decode: start clean for what comes next.
            self._reset()
            raise
        outputs = []
        for (seq, entry), row in zip(plan, rows, strict=True):
            seq.n_past += len(entry.tokens)
            if row >= 0:
                outputs.append(self._sample(seq, row))
        return outputs

    def _plan(self) -> list[tuple[_Sequence, BatchEntry]]:
        """Every decoding sequence's last token, then prompt chunks up to PREFILL_CHUNK."""
        plan = []
        budget = PREFILL_CHUNK
        for seq in self._running.values():
            pending = seq.tokens[seq.n_past :]
            if seq.n_past >= seq.prompt_len:  # decoding: one token, always
                plan.append((seq, BatchEntry(seq.seq_id, seq.n_past, pending, True)))
            elif budget > 0:
                chunk = pending[:budget]
                budget -= len(chunk)
                done = len(chunk) == len(pending)
                plan.append((seq, BatchEntry(seq.seq_id, seq.n_past, chunk, done)))
        return plan

    def _decode(self, entries: list[BatchEntry]) -> list[int]:
        while True:
            try:
                return self._context.decode(entries)
            except KvFull:
                # Parked conversations give their room to running ones.
                if not self._slots.evict_one():
                    raise RuntimeError("the KV cache is full") from None

    def _sample(self, seq: _Sequence, row: int) -> StepOutput:
        rid = seq.request.id
        try:
            token = seq.sampler.sample(self._context.ctx, row)
        except Exception as e:  # this sequence alone fails; its neighbours run on
            log.warning("request %s failed: %s", rid, e)
            self._drop(seq)
            return StepOutput(rid, "", None, "error", f"sampling failed: {e}")
        seq.tokens.append(token)
        if is_end_of_generation(self._llm, token):
            return self._finish(seq, seq.decoder.decode(b"", final=True), token, "stop")
        piece = self._llm.detokenize([token])
        if seq.generated == 1 and self._strip_first_space and piece.startswith(b" "):
            piece = piece[1:]
        text = seq.decoder.decode(piece)
        if (
            seq.generated >= seq.request.params.max_tokens
            or len(seq.tokens) >= self.info.context_length
        ):
            text += seq.decoder.decode(b"", final=True)
            return self._finish(seq, text, token, "length")
        return StepOutput(rid, text, token)

    def _finish(self, seq: _Sequence, text: str, token: int, reason: str) -> StepOutput:
        del self._running[seq.request.id]
        seq.sampler.close()
        # The last sampled token is not in the KV yet; what is waits for the next turn.
        self._slots.park(seq.seq_id, seq.tokens[: seq.n_past])
        if self._store is not None:  # and on disk when idle, for after a restart
            self._unsaved.append((seq.seq_id, seq.tokens[: seq.n_past]))
        return StepOutput(seq.request.id, text, token, reason)

    def save_pending(self) -> None:
        """Write parked conversations' KV to the store. The scheduler calls this when idle,
        so a save never delays the end of an answer; `start` calls it before a parked
        sequence can be reused (its KV would change)."""
        from inference.prompt_files import save_llamacpp_sequence

        pending, self._unsaved = self._unsaved, []
        ctx = self._context.ctx
        for seq_id, tokens in pending if self._store is not None else ():
            if self._slots.holding(seq_id) != tokens:  # evicted or reused meanwhile
                continue
            self._store.save(
                tokens, lambda path, s=seq_id, t=tokens: save_llamacpp_sequence(ctx, path, s, t)
            )

    def _saved_sequence(self, prompt: list[int], seq_id: int, reused: int) -> int:
        """A longer prefix saved on disk (by an earlier worker) beats the parked one: loaded
        into `seq_id`; returns how many prompt tokens its KV now holds."""
        if self._store is None:
            return reused
        from inference.prompt_files import load_llamacpp_sequence

        tried = []

        def load(entry) -> None:
            tried.append(entry)
            while True:
                self._context.forget(seq_id)
                if load_llamacpp_sequence(self._context.ctx, entry, seq_id):
                    return
                if not self._slots.evict_one():  # no room left to make: the file failed
                    raise ValueError("llama.cpp could not load the state file")

        found = self._store.load(prompt, load, longer_than=reused)
        if found is None:
            if tried:  # failed loads left the sequence's cells unknown
                self._context.forget(seq_id)
                return 0
            return reused
        entry, _ = found
        reuse = min(entry.common, len(prompt) - 1)  # the last one is fed for its logits
        self._context.forget(seq_id, reuse)
        return reuse

    def _drop(self, seq: _Sequence) -> None:
        self._running.pop(seq.request.id, None)
        seq.sampler.close()
        self._slots.release(seq.seq_id)

    def cancel(self, request_id: int) -> None:
        seq = self._running.get(request_id)
        if seq is not None:
            self._drop(seq)

    def _reset(self) -> None:
        for seq in self._running.values():
            seq.sampler.close()
        self._running.clear()
        self._unsaved.clear()
        self._context.clear()
        self._slots.reset(self._n_seq)

    def running(self) -> int:
        return len(self._running)

    def parked(self) -> int:
        """Finished conversations whose KV is kept for a next turn."""
        return self._slots.parked()

    def close(self) -> None:
        self.save_pending()
        self._reset()
        self._context.close()
        self._llm.close()
