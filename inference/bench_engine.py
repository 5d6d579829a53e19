"""`fennec bench engine`: Fennec's engines against the raw engines, in one run.

Per engine: single-stream decode and TTFT vs the raw engine (mlx-lm `stream_generate`,
llama.cpp `Llama.generate`); aggregate tok/s and p50/p95 TTFT at each client count vs the
raw batched loop and vs sequential serving (the same worker with a batch limit of 1); the
TTFT of a short request sent while a long answer streams. Every figure is measured beside
its reference on the same model in the same run, printed as a ratio and written as JSON;
the exit status is 1 when a target is missed. The workers run without the thermal governor:
this measures the engine, the governor has its own bench.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
from pathlib import Path

import httpx

from inference.bench_load import StreamTiming, run_load, short_during_long, stream_once
from inference.bench_raw import (
    MEASURED_PROMPT,
    WARMUP_PROMPTS,
    raw_llamacpp,
    raw_mlx,
    single_prompt,
)
from inference.bench_targets import evaluate, print_report
from inference.tiny_model import make_model
from inference.worker_process import start_worker

ENGINES = ("mlx", "llamacpp")


def prepare_models(root: Path, size: str) -> dict[str, str]:
    """The benchmark's random MoE: an MLX folder and a Q4_0 GGUF of the same weights."""
    import llama_cpp

    folder = root / f"{size}-qwen3_moe"
    q4 = root / f"{size}-qwen3_moe-q4_0.gguf"
    if not (folder / "model.safetensors").exists():
        print(f"making the {size} random MoE in {folder} …", flush=True)
        make_model(folder, "qwen3_moe", "mlx", size)
        make_model(folder, "qwen3_moe", "gguf", size)
    if not q4.exists():
        params = llama_cpp.llama_model_quantize_default_params()
        params.ftype = llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_0
        rc = llama_cpp.llama_model_quantize(
            str(folder / "model-f32.gguf").encode(), str(q4).encode(), params
        )
        if rc != 0:
            raise RuntimeError(f"llama_model_quantize failed ({rc})")
    return {"mlx": str(folder), "llamacpp": str(q4)}


def given_model(path: str) -> dict[str, str]:
    """`--model PATH`: each engine the model has weights for."""
    from inference.model_source import resolve

    files = resolve(path, download=False)
    found = {}
    if files.mlx_dir is not None:
        found["mlx"] = str(files.mlx_dir)
    if files.gguf_file is not None:
        found["llamacpp"] = str(files.gguf_file)
    return found


def _single(t: StreamTiming) -> dict:
    return {"ttft_s": round(t.ttft_s, 4), "decode_tps": round(t.decode_tps, 2), "tokens": t.tokens}


def serve_and_measure(
    model: str, engine: str, max_batch: int, args: argparse.Namespace, single: bool
) -> dict:
    """One worker: (single stream,) load at every level, a short request during a long one."""
    worker = start_worker(
        model, engine, extra_args=("--max-batch", str(max_batch), "--no-governor")
    )
    url = f"{worker.base_url}/chat/completions"
    levels = [int(x) for x in args.clients.split(",") if x.strip()]

    async def go() -> dict:
        found: dict = {}
        async with httpx.AsyncClient(timeout=900) as c:
            for i in WARMUP_PROMPTS:  # as the raw side warms up
                await stream_once(c, url, worker.token, single_prompt(i), args.single_tokens)
            if single:
                prompt = single_prompt(MEASURED_PROMPT)
                found["single"] = _single(
                    await stream_once(c, url, worker.token, prompt, args.single_tokens)
                )
        found["load"] = []
        for n in levels:
            for _ in range(args.warmup):
                await run_load(url, worker.token, n, args.max_tokens, warm=True)
            found["load"].append((await run_load(url, worker.token, n, args.max_tokens)).as_dict())
        for _ in range(args.warmup):
            await short_during_long(url, worker.token, args.long_tokens)
        found["short_during_long"] = await short_during_long(url, worker.token, args.long_tokens)
        return found

    try:
        return asyncio.run(go())
    finally:
        worker.stop()


def bench_engine(engine: str, model: str, args: argparse.Namespace, partial: dict) -> dict:
    """Every measurement of one engine; each phase's raw figures also land in `partial`
    (saved as they come, so a run cut short still leaves what it measured)."""
    levels = [int(x) for x in args.clients.split(",") if x.strip()]
    print(f"{engine}: raw engine, single stream and batched loop …", flush=True)
    raw = raw_mlx if engine == "mlx" else raw_llamacpp
    # The first run in a fresh process is slow (here 127 vs 290 tok/s for llama.cpp, 109–306
    # on the H200), as the worker's own first requests are, which its warm-ups absorb: the
    # raw side gets a whole unmeasured run for the same.
    if args.warmup:
        raw(model, args.single_tokens, levels, args.max_tokens, args.warmup)
    raw_single, raw_runs = raw(model, args.single_tokens, levels, args.max_tokens, args.warmup)
    partial["raw"] = {"single": _single(raw_single), "batched": [r.as_dict() for r in raw_runs]}
    _save(args, partial)
    print(f"{engine}: Fennec, batched worker …", flush=True)
    batched = serve_and_measure(model, engine, 64, args, single=True)
    partial["fennec"] = batched
    _save(args, partial)
    print(f"{engine}: Fennec, sequential worker (--max-batch 1) …", flush=True)
    sequential = serve_and_measure(model, engine, 1, args, single=False)
    ours = batched["single"]
    result = {
        "model": model,
        "single": {
            "raw": _single(raw_single),
            "fennec": ours,
            "decode_ratio": round(ours["decode_tps"] / max(raw_single.decode_tps, 1e-9), 3),
            "ttft_overhead_ms": round((ours["ttft_s"] - raw_single.ttft_s) * 1000, 1),
        },
        "concurrency": [],
        "short_during_long": {
            "fennec": batched["short_during_long"],
            "sequential": sequential["short_during_long"],
        },
    }
    for a, seq, raw in zip(batched["load"], sequential["load"], raw_runs, strict=True):
        result["concurrency"].append(
            {
                "clients": a["clients"],
                "fennec": a,
                "sequential": seq,
                "raw_batched": raw.as_dict(),
                "vs_raw_batched": round(a["aggregate_tps"] / max(raw.aggregate_tps, 1e-9), 3),
                "vs_sequential": round(a["aggregate_tps"] / max(seq["aggregate_tps"], 1e-9), 3),
            }
        )
    return result


def _save(args: argparse.Namespace, partial: dict) -> None:
    out = Path(args.json)
    name = f"{out.stem}-{partial['engine']}-partial.json"
    out.with_name(name).write_text(json.dumps(partial, indent=2))


def run_engine_bench(args: argparse.Namespace) -> int:
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    models = (
        given_model(args.model) if args.model else prepare_models(out.parent / "models", args.size)
    )
    wanted = [e for e in args.engines.split(",") if e in ENGINES and e in models]
    if not wanted:
        print(f"no engine to bench: the model has {sorted(models)}, asked for {args.engines}")
        return 2
    results: dict = {
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "note": args.note},
        "model": args.model or f"random qwen3_moe, {args.size} (MLX f32 on CPU, GGUF Q4_0)",
        "single_tokens": args.single_tokens,
        "max_tokens": args.max_tokens,
        "long_tokens": args.long_tokens,
        "governor": "off (--no-governor)",
        "warmup_passes_per_level": args.warmup,
    }
    for engine in wanted:
        results[engine] = bench_engine(engine, models[engine], args, {"engine": engine})
    results["targets"] = evaluate(results)
    out.write_text(json.dumps(results, indent=2))
    print_report(results)
    print(f"\nJSON: {out}")
    return 0 if all(t["met"] for t in results["targets"]) else 1
