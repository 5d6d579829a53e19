"""The llama.cpp engine (GGUF): ggml's NEON/AVX CPU kernels, where there is no Metal.

It serves sequences one at a time (llama-cpp-python's high-level API owns a single
context); requests queue in the scheduler and each starts as soon as the previous ends.
KV reuse across turns: the context keeps the last conversation's tokens and
`Llama.generate` re-evaluates only what differs; other conversations' states wait in a
RAM cache keyed by token prefix.
"""

from __future__ import annotations

import codecs
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from inference.engine import Admission, EngineInfo, StepOutput
from inference.errors import ModelError
from inference.prompt_checks import (
    check_logit_bias,
    check_prompt_fits,
    template_refusals_are_request_errors,
)
from inference.requests import ChatRequest, SamplingParams

STATE_CACHE_BYTES = 512 << 20
# llama.cpp seeds are uint32, and 0xFFFFFFFF (LLAMA_DEFAULT_SEED) means "pick one at random".
SEED_MODULUS = 0xFFFFFFFF


@dataclass
class _Sequence:
    request: ChatRequest
    prompt: list[int]
    tokens: Iterator[int]
    decoder: Any
    generated: list[int]


class LlamaCppEngine:
    """Serves one GGUF model; only the scheduler's thread may call it."""

    def __init__(self, model_file: str, model_id: str, n_ctx: int = 4096) -> None:
        import llama_cpp
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        threads = max(1, (os.cpu_count() or 2))
        try:
            self._llm = llama_cpp.Llama(
                model_path=model_file, n_ctx=n_ctx, n_threads=threads, n_batch=512, verbose=False
            )
        except (ValueError, RuntimeError) as e:
            raise ModelError(f"llama.cpp cannot load {model_file}: {e}") from None
        template = self._llm.metadata.get("tokenizer.chat_template")
        if not template:
            raise ModelError(f"{model_file} has no chat template (tokenizer.chat_template)")
        eos = self._llm.token_eos()
        bos = self._llm.token_bos()
        self._eos = eos
        self._eos_text = self._piece(eos)
        self._formatter = Jinja2ChatFormatter(
            template=template,
            eos_token=self._eos_text,
            bos_token=self._piece(bos) if bos >= 0 else "",
        )
        self._state_cache = llama_cpp.LlamaRAMCache(capacity_bytes=STATE_CACHE_BYTES)
        self._current: _Sequence | None = None
        self.info = EngineInfo(
            name="llamacpp",
            device="cpu",
            model=model_id,
            batching="sequential",
            max_batch=1,
            context_length=self._llm.n_ctx(),
        )

    @property
    def llm(self) -> Any:
        return self._llm

    def _piece(self, token: int) -> str:
        return self._llm.detokenize([token], special=True).decode("utf-8", errors="replace")

    def encode_chat(self, messages: list[dict]) -> list[int]:
        """The chat rendered with the GGUF's own template, as token ids."""
        return self._tokenize(self._formatter(messages=messages).prompt)

    def _tokenize(self, prompt: str) -> list[int]:
        # Specials in the template (<|im_start|> …) must become their control tokens.
        return self._llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)

    def prepare(self, request: ChatRequest) -> list[int]:
        with template_refusals_are_request_errors():
            text = self._formatter(messages=request.messages).prompt
        # llama.cpp splits text at special tokens in time quadratic in their number (16 s for
        # 30,000 short messages). Each end-of-turn marker is one token, so counting them
        # first refuses such a chat at once; one that passes has too few for that to matter.
        if self._eos_text:
            check_prompt_fits(text.count(self._eos_text), self.info.context_length, at_least=True)
        prompt = self._tokenize(text)
        check_prompt_fits(len(prompt), self.info.context_length)
        check_logit_bias(request.params.logit_bias, self._llm.n_vocab())
        return prompt

    def start(self, request: ChatRequest, prompt: list[int] | None = None) -> Admission:
        if self._current is not None:
            raise RuntimeError("llama.cpp engine runs one sequence at a time")
        if prompt is None:
            prompt = self.prepare(request)
        cached = self._restore_longest_prefix(prompt)
        p = request.params
        # Every request seeds its own draw: a seeded one replays exactly; an unseeded one
        # must not inherit the previous request's seed.
        seed = p.seed if p.seed is not None else secrets.randbits(32)
        self._llm.set_seed(seed % SEED_MODULUS)
        tokens = self._llm.generate(
            prompt,
            temp=p.temperature,
            # top_k at or past the vocabulary keeps every token; 0 is llama.cpp's "off".
            top_k=p.top_k if p.top_k < self._llm.n_vocab() else 0,
            top_p=p.top_p,
            min_p=p.min_p,
            repeat_penalty=p.repetition_penalty,
            presence_penalty=p.presence_penalty,
            frequency_penalty=p.frequency_penalty,
            logits_processor=_logit_bias_processor(p),
            reset=True,
        )
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._current = _Sequence(request, prompt, tokens, decoder, [])
        return Admission(prompt_tokens=len(prompt), cached_tokens=cached)

    def _restore_longest_prefix(self, prompt: list[int]) -> int:
        """Load the cached state sharing the longest prefix with `prompt`, if it beats the live one."""
        live = self._llm.n_tokens
        live_prefix = 0
        for a, b in zip(self._llm.input_ids[:live], prompt, strict=False):
            if a != b:
                break
            live_prefix += 1
        try:
            state = self._state_cache[prompt]
        except KeyError:
            return live_prefix
        stored_prefix = 0
        for a, b in zip(state.input_ids[: state.n_tokens], prompt, strict=False):
            if a != b:
                break
            stored_prefix += 1
        if stored_prefix > live_prefix:
            self._llm.load_state(state)
            return stored_prefix
        return live_prefix

    def step(self) -> list[StepOutput]:
        seq = self._current
        if seq is None:
            return []
        token = next(seq.tokens)
        seq.generated.append(token)
        if token == self._eos:
            text = seq.decoder.decode(b"", final=True)
            return [self._finish(StepOutput(seq.request.id, text, token, "stop"))]
        text = seq.decoder.decode(self._llm.detokenize([token]))
        if len(seq.generated) >= seq.request.params.max_tokens or (
            len(seq.prompt) + len(seq.generated) >= self._llm.n_ctx()
        ):
            text += seq.decoder.decode(b"", final=True)
            return [self._finish(StepOutput(seq.request.id, text, token, "length"))]
        return [StepOutput(seq.request.id, text, token)]

    def _finish(self, output: StepOutput) -> StepOutput:
        seq = self._current
        assert seq is not None
        # The last sampled token is not yet evaluated; the saved state covers what is.
        self._state_cache[seq.prompt + seq.generated[:-1]] = self._llm.save_state()
        self._close_current()
        return output

    def _close_current(self) -> None:
        if self._current is not None:
            self._current.tokens.close()
            self._current = None

    def cancel(self, request_id: int) -> None:
        if self._current is not None and self._current.request.id == request_id:
            self._close_current()

    def running(self) -> int:
        return 1 if self._current is not None else 0

    def close(self) -> None:
        self._close_current()
        self._llm.close()


def _logit_bias_processor(params: SamplingParams) -> Any:
    """A llama-cpp-python logits processor adding the request's logit_bias, or None."""
    if not params.logit_bias:
        return None
    import llama_cpp

    tokens = [t for t, _ in params.logit_bias]
    biases = [b for _, b in params.logit_bias]

    def add_bias(_input_ids: Any, scores: Any) -> Any:
        scores[tokens] += biases
        return scores

    return llama_cpp.LogitsProcessorList([add_bias])
