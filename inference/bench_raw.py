"""The raw engines the engine bench measures Fennec against, in process, no HTTP.

Single stream: mlx-lm's `stream_generate`, llama.cpp's `Llama.generate`. Many clients: the
engine's own batched loop with every prompt inserted at once (mlx-lm's BatchGenerator;
llama.cpp's `llama_decode` over one sequence per prompt). Prompts and greedy sampling are
the ones the HTTP load sends, so the figures compare like with like.
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass

from inference.bench_load import StreamTiming, client_prompt, percentile

SINGLE_PROMPT = "Explain, step by step, how a laptop keeps its processor cool under load."


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
    folder: str, max_tokens: int, levels: list[int], load_tokens: int
) -> tuple[StreamTiming, list]:
    """`stream_generate` alone, then a BatchGenerator loop at each level."""
    from mlx_lm import stream_generate
    from mlx_lm.generate import BatchGenerator

    model, tokenizer = _mlx_model(folder)
    prompt = tokenizer.apply_chat_template(_chat(SINGLE_PROMPT), add_generation_prompt=True)
    for _ in stream_generate(model, tokenizer, prompt, max_tokens=4):  # warm-up
        pass
    start = time.perf_counter()
    first, n = None, 0
    for _ in stream_generate(model, tokenizer, prompt, max_tokens=max_tokens):
        first = first or time.perf_counter()
        n += 1
    single = StreamTiming(True, first - start, time.perf_counter() - start, n)

    runs = []
    for clients in levels:
        prompts = [
            tokenizer.apply_chat_template(_chat(client_prompt(i)), add_generation_prompt=True)
            for i in range(clients)
        ]
        gen = BatchGenerator(
            model,
            stop_tokens=[[t] for t in tokenizer.eos_token_ids],
            completion_batch_size=64,
            prefill_batch_size=8,
        )
        start = time.perf_counter()
        uids = gen.insert(prompts, max_tokens=[load_tokens] * clients)
        firsts: dict[int, float] = {}
        tokens, left = 0, set(uids)
        while left:
            for r in gen.next_generated():
                firsts.setdefault(r.uid, time.perf_counter())
                tokens += 1
                if r.finish_reason is not None:
                    left.discard(r.uid)
        runs.append(_batched(clients, start, list(firsts.values()), time.perf_counter(), tokens))
        gen.close()
    del model
    gc.collect()
    return single, runs


# -- llama.cpp -------------------------------------------------------------------------------
def raw_llamacpp(gguf: str, max_tokens: int, levels: list[int], load_tokens: int):
    """`Llama.generate` alone, then the low-level batched loop at each level."""
    import llama_cpp

    from inference.engine_llamacpp import LlamaCppEngine

    templater = LlamaCppEngine(gguf, "raw")  # only for its chat templating: same prompt tokens
    prompts = {i: templater.encode_chat(_chat(client_prompt(i))) for i in range(max(levels))}
    single_prompt = templater.encode_chat(_chat(SINGLE_PROMPT))
    templater.close()
    llm = llama_cpp.Llama(model_path=gguf, n_ctx=4096, n_batch=512, verbose=False)
    for i, _ in enumerate(llm.generate(single_prompt, temp=0.0)):  # warm-up
        if i == 4:
            break
    llm.reset()
    start = time.perf_counter()
    first, n = None, 0
    for _ in llm.generate(single_prompt, temp=0.0):
        first = first or time.perf_counter()
        n += 1
        if n == max_tokens:
            break
    single = StreamTiming(True, first - start, time.perf_counter() - start, n)
    runs = [_llama_batched(llm, [prompts[i] for i in range(c)], load_tokens) for c in levels]
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
