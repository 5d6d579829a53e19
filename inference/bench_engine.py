"""`fennec bench engine`: Fennec against the raw engines and mlx_lm.server, in one run.

Every figure is measured beside its reference on the same model in the same run (this
machine is shared and noisy), printed as a ratio, and written as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from inference.bench_load import StreamTiming, run_load
from inference.tiny_model import make_model
from inference.worker_process import start_worker

PROMPT = "Explain, step by step, how a laptop keeps its processor cool under load."
MESSAGES = [{"role": "user", "content": PROMPT}]


def prepare_models(root: Path, size: str) -> tuple[Path, Path]:
    """The benchmark's random MoE: an f32 MLX folder and a Q4_0 GGUF of the same weights."""
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
    return folder, q4


def raw_mlx(folder: Path, max_tokens: int) -> StreamTiming:
    import mlx.core as mx
    from mlx_lm import load, stream_generate

    model, tokenizer = load(str(folder))
    model.set_dtype(mx.float32)
    prompt = tokenizer.apply_chat_template(MESSAGES, add_generation_prompt=True)
    for _ in stream_generate(model, tokenizer, prompt, max_tokens=4):  # warm-up
        pass
    start = time.perf_counter()
    first, n = None, 0
    for _ in stream_generate(model, tokenizer, prompt, max_tokens=max_tokens):
        first = first or time.perf_counter()
        n += 1
    end = time.perf_counter()
    del model
    gc.collect()
    return StreamTiming(True, first - start, end - start, n)


def raw_llamacpp(gguf: Path, max_tokens: int) -> tuple[StreamTiming, StreamTiming]:
    """Two references: `Llama.generate` (the token loop everything is built on, fastest) and
    `create_completion(stream=True)` (the public high-level API)."""
    import llama_cpp

    from inference.engine_llamacpp import LlamaCppEngine

    engine = LlamaCppEngine(str(gguf), "raw")  # only for its chat templating: same prompt tokens
    prompt = engine.encode_chat(MESSAGES)
    llm: llama_cpp.Llama = engine.llm
    list(llm.create_completion(prompt, max_tokens=4, temperature=0.0, stream=True))  # warm-up

    def timed(tokens) -> StreamTiming:
        llm.reset()
        start = time.perf_counter()
        first, n = None, 0
        for _ in tokens():
            first = first or time.perf_counter()
            n += 1
            if n == max_tokens:
                break
        end = time.perf_counter()
        return StreamTiming(True, first - start, end - start, n)

    generate = timed(lambda: llm.generate(prompt, temp=0.0))
    completion = timed(
        lambda: llm.create_completion(prompt, max_tokens=max_tokens, temperature=0.0, stream=True)
    )
    engine.close()
    return generate, completion


def fennec_single(model: str, engine: str, max_tokens: int) -> StreamTiming:
    from inference.bench_load import stream_once

    worker = start_worker(model, engine, extra_args=("--max-batch", "32"))
    try:

        async def go() -> StreamTiming:
            async with httpx.AsyncClient(timeout=600) as c:
                url = f"{worker.base_url}/chat/completions"
                await stream_once(c, url, worker.token, "warm up", 4)
                return await stream_once(c, url, worker.token, PROMPT, max_tokens)

        return asyncio.run(go())
    finally:
        worker.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mlx_lm_server_load(folder: Path, levels: list[int], max_tokens: int) -> list[dict]:
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mlx_lm",
            "server",
            "--model",
            str(folder),
            "--port",
            str(port),
            "--decode-concurrency",
            "32",
            "--prompt-concurrency",
            "8",
            "--log-level",
            "WARNING",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/v1/chat/completions"
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.5)
        model = str(folder)  # mlx_lm.server reads "model" as a path or hub id
        asyncio.run(run_load(url, None, 1, 4, model))  # warm-up (loads the model)
        return [asyncio.run(run_load(url, None, n, max_tokens, model)).as_dict() for n in levels]
    finally:
        proc.terminate()
        proc.wait(30)


def fennec_load(folder: Path, levels: list[int], max_tokens: int) -> list[dict]:
    worker = start_worker(str(folder), "mlx", extra_args=("--max-batch", "64"))
    url = f"{worker.base_url}/chat/completions"
    try:
        asyncio.run(run_load(url, worker.token, 1, 4))
        return [asyncio.run(run_load(url, worker.token, n, max_tokens)).as_dict() for n in levels]
    finally:
        worker.stop()


def _single(t: StreamTiming) -> dict:
    return {"ttft_s": round(t.ttft_s, 4), "decode_tps": round(t.decode_tps, 2), "tokens": t.tokens}


def run_engine_bench(args: argparse.Namespace) -> int:
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    folder, q4 = prepare_models(out.parent / "models", args.size)
    levels = [int(x) for x in args.clients.split(",") if x.strip()]
    n = args.max_tokens
    results: dict = {
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
        "model": {"size": args.size, "mlx": "f32", "llamacpp": "Q4_0"},
        "max_tokens": n,
        "llamacpp_single_tokens": args.llamacpp_tokens,
    }

    print("single stream, MLX (f32) …", flush=True)
    r_mlx, f_mlx = raw_mlx(folder, n), fennec_single(str(folder), "mlx", n)
    print("single stream, llama.cpp (Q4_0) …", flush=True)
    # llama.cpp decodes hundreds of tokens a second here: a longer answer keeps the
    # measurement about steady decoding, not about the first and last 10-ms chunk.
    m = args.llamacpp_tokens
    (r_cpp, r_cpp_api), f_cpp = raw_llamacpp(q4, m), fennec_single(str(q4), "llamacpp", m)
    results["single"] = {
        "mlx": {
            "raw": _single(r_mlx),
            "fennec": _single(f_mlx),
            "decode_ratio": round(f_mlx.decode_tps / r_mlx.decode_tps, 3),
            "ttft_overhead_ms": round((f_mlx.ttft_s - r_mlx.ttft_s) * 1000, 1),
        },
        "llamacpp": {
            "raw": _single(r_cpp),
            "fennec": _single(f_cpp),
            "decode_ratio": round(f_cpp.decode_tps / r_cpp.decode_tps, 3),
            "ttft_overhead_ms": round((f_cpp.ttft_s - r_cpp.ttft_s) * 1000, 1),
            "raw_create_completion": _single(r_cpp_api),
            "decode_ratio_vs_create_completion": round(f_cpp.decode_tps / r_cpp_api.decode_tps, 3),
        },
        "cpu_fallback_vs_mlx_cpu_decode": round(f_cpp.decode_tps / max(f_mlx.decode_tps, 1e-9), 2),
    }
    print(f"concurrency {levels}: mlx_lm.server …", flush=True)
    ref = mlx_lm_server_load(folder, levels, n)
    print(f"concurrency {levels}: Fennec (MLX) …", flush=True)
    ours = fennec_load(folder, levels, n)
    results["concurrency"] = [
        {
            "clients": a["clients"],
            "fennec": a,
            "mlx_lm_server": b,
            "aggregate_ratio": round(a["aggregate_tps"] / max(b["aggregate_tps"], 1e-9), 3),
            "p95_ttft_ratio": round(a["ttft_p95_s"] / max(b["ttft_p95_s"], 1e-9), 3),
        }
        for a, b in zip(ours, ref, strict=True)
    ]
    out.write_text(json.dumps(results, indent=2))
    _print(results)
    print(f"\nJSON: {out}")
    return 0


def _print(r: dict) -> None:
    s = r["single"]
    print("\nsingle stream    decode tok/s (raw engine → Fennec via HTTP)   ratio   TTFT overhead")
    for name in ("mlx", "llamacpp"):
        e = s[name]
        print(
            f"  {name:<10} {e['raw']['decode_tps']:>10.1f} → {e['fennec']['decode_tps']:<10.1f}"
            f"       {e['decode_ratio']:.3f}   {e['ttft_overhead_ms']:+.1f} ms"
        )
    print(
        f"  (llama.cpp raw create_completion stream: {e['raw_create_completion']['decode_tps']:.1f}"
        f" tok/s; Fennec ÷ it = {e['decode_ratio_vs_create_completion']:.3f})"
    )
    print(f"  llama.cpp Q4_0 vs MLX-CPU f32 decode: {s['cpu_fallback_vs_mlx_cpu_decode']}×")
    print(
        "\nclients  aggregate tok/s (mlx_lm.server → Fennec)  ratio   p95 TTFT s (ref → ours)"
        "  failed (ours/ref)"
    )
    for c in r["concurrency"]:
        a, b = c["fennec"], c["mlx_lm_server"]
        print(
            f"  {c['clients']:>4}   {b['aggregate_tps']:>8.1f} → {a['aggregate_tps']:<8.1f}"
            f"                  {c['aggregate_ratio']:.3f}   {b['ttft_p95_s']:.3f} → "
            f"{a['ttft_p95_s']:.3f}          {a['failed']}/{b['failed']}"
        )
