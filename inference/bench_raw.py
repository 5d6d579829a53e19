"""The raw engines the engine bench measures Fennec against, in process, no HTTP.

Single stream: mlx-lm's `stream_generate`, llama.cpp's `Llama.generate`. Many clients: the
engine's own batched loop with every prompt inserted at once (mlx-lm's BatchGenerator;
llama.cpp's `llama_decode` over one sequence per prompt). Prompts, greedy sampling and
warm-up are the ones the HTTP side gets, so the figures compare like with like: the single
stream is measured on a prompt after two full-length warm-ups of the same form, each load level after
`warmup` unmeasured passes (a GPU compiles kernels for each new shape on first use).
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass

from inference.bench_load import StreamTiming, client_prompt, percentile

WARMUP_PROMPTS = (1, 2)  # single_prompt(i) for the warm-ups, then single_prompt(3) measured
MEASURED_PROMPT = 3


def single_prompt(i: int) -> str:
    """Prompts of one form (same length), different from their first token on: a warm-up
    leaves no cached prefix for the measured one beyond the chat template's."""
    return f"{i}: explain, step by step, how a laptop keeps its processor cool under load."


@dataclass(frozen=True)
class BatchedRun:
    clients: int
    wall_s: float
    total_tokens: int
    aggregate_tps: float
    ttft_p50_s: float
    ttft_p95_s: float

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _batched(clients: int, start: float, firsts: list[float], end: float, tokens: int):
    ttfts = [f - start for f in firsts]
    wall = end - start
    return BatchedRun(
        clients,
        round(wall, 3),
        tokens,
        round(tokens / wall, 2),
        round(percentile(ttfts, 50), 4),
        round(percentile(ttfts, 95), 4),
    )


def _chat(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


# -- MLX ------------------------------------------------------------------------------------
def _mlx_model(folder: str):
    import mlx.core as mx
    from mlx_lm import load

    from inference.mlx_device import detect_device, use_kernel_cache

    use_kernel_cache()
    model, tokenizer = load(folder)
    if not detect_device(mx).is_gpu:
        model.set_dtype(mx.float32)  # as the engine does on the CPU
    return model, tokenizer


def raw_mlx(
    folder: str, max_tokens: int, levels: list[int], load_tokens: int, warmup: int
) -> tuple[StreamTiming, list]:
    """`stream_generate` alone, then a BatchGenerator loop at each level."""
    from mlx_lm import stream_generate

    model, tokenizer = _mlx_model(folder)

    def encode(text: str) -> list[int]:
        return tokenizer.apply_chat_template(_chat(text), add_generation_prompt=True)

    for i in WARMUP_PROMPTS:  # as long as the measured answer: every KV length seen once
        for _ in stream_generate(model, tokenizer, encode(single_prompt(i)), max_tokens=max_tokens):
            pass
    prompt = encode(single_prompt(MEASURED_PROMPT))
    start = time.perf_counter()
    first, n = None, 0
    for _ in stream_generate(model, tokenizer, prompt, max_tokens=max_tokens):
        first = first or time.perf_counter()
        n += 1
    single = StreamTiming(True, first - start, time.perf_counter() - start, n)

    runs = []
    for clients in levels:
        for _ in range(warmup):
            warm = [encode(client_prompt(i, warm=True)) for i in range(clients)]
            _mlx_batched(model, tokenizer, warm, load_tokens)
        prompts = [encode(client_prompt(i)) for i in range(clients)]
        runs.append(_mlx_batched(model, tokenizer, prompts, load_tokens))
    del model
    gc.collect()
    return single, runs


def _mlx_batched(model, tokenizer, prompts: list[list[int]], max_tokens: int) -> BatchedRun:
    from mlx_lm.generate import BatchGenerator

    gen = BatchGenerator(
        model,
        stop_tokens=[[t] for t in tokenizer.eos_token_ids],
        completion_batch_size=64,
        prefill_batch_size=8,
    )
    start = time.perf_counter()
    uids = gen.insert(prompts, max_tokens=[max_tokens] * len(prompts))
    firsts: dict[int, float] = {}
    tokens, left = 0, set(uids)
    while left:
        for r in gen.next_generated():
            firsts.setdefault(r.uid, time.perf_counter())
            tokens += 1
            if r.finish_reason is not None:
                left.discard(r.uid)
    run = _batched(len(prompts), start, list(firsts.values()), time.perf_counter(), tokens)
    gen.close()
    return run


# -- llama.cpp -------------------------------------------------------------------------------
def raw_llamacpp(
    gguf: str, max_tokens: int, levels: list[int], load_tokens: int, warmup: int
) -> tuple[StreamTiming, list]:
    """`Llama.generate` alone, then the low-level batched loop at each level."""
    import llama_cpp

    from inference.engine_llamacpp import LlamaCppEngine, engine_threads

    templater = LlamaCppEngine(gguf, "raw")  # only for its chat templating: same prompt tokens
    n = max(levels)
    prompts = {i: templater.encode_chat(_chat(client_prompt(i))) for i in range(n)}
    warms = {i: templater.encode_chat(_chat(client_prompt(i, warm=True))) for i in range(n)}
    singles = {i: templater.encode_chat(_chat(single_prompt(i))) for i in (1, 2, 3)}
    templater.close()
    # The engine's thread count: the same arithmetic on both sides.
    llm = llama_cpp.Llama(
        model_path=gguf, n_ctx=4096, n_batch=512, n_threads=engine_threads(), verbose=False
    )

    def timed(prompt: list[int], n_max: int) -> StreamTiming:
        llm.reset()
        start = time.perf_counter()
        first, n = None, 0
        for _ in llm.generate(prompt, temp=0.0):
            first = first or time.perf_counter()
            n += 1
            if n == n_max:
                break
        return StreamTiming(True, first - start, time.perf_counter() - start, n)

    for i in WARMUP_PROMPTS:  # as long as the measured answer, as on the MLX side
        timed(singles[i], max_tokens)
    single = timed(singles[MEASURED_PROMPT], max_tokens)
    runs = []
    for clients in levels:
        for _ in range(warmup):
            _llama_batched(llm, [warms[i] for i in range(clients)], load_tokens)
        runs.append(_llama_batched(llm, [prompts[i] for i in range(clients)], load_tokens))
    llm.close()
    return single, runs


def _llama_batched(llm, prompts: list[list[int]], max_tokens: int) -> BatchedRun:
    from inference.llamacpp_batch import BatchContext, BatchEntry, SequenceSampler
    from inference.requests import SamplingParams

    n = len(prompts)
    kv = sum(len(p) for p in prompts) + n * (max_tokens + 1) + 256
    context = BatchContext(llm, kv, n, max(512, kv))
    samplers = [SequenceSampler(SamplingParams(temperature=0.0), llm.n_vocab(), 0) for _ in prompts]
    start = time.perf_counter()
    entries = [BatchEntry(i, 0, p, True) for i, p in enumerate(prompts)]
    past = [len(p) for p in prompts]
    firsts: list[float] = []
    tokens = 0
    for step in range(max_tokens):
        rows = context.decode(entries)
        sampled = [s.sample(context.ctx, row) for s, row in zip(samplers, rows, strict=True)]
        if step == 0:
            firsts = [time.perf_counter()] * n
        tokens += n
        entries = [BatchEntry(i, past[i], [t], True) for i, t in enumerate(sampled)]
        past = [p + 1 for p in past]
    run = _batched(n, start, firsts, time.perf_counter(), tokens)
    for s in samplers:
        s.close()
    context.close()
    return run
