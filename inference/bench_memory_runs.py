"""The measurements of `fennec bench memory` (orchestrated in inference/bench_memory.py):
KV bytes and greedy agreement per precision in process, and time to first token, idle CPU
and memory after unload on real worker processes."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
import psutil

from inference.memory_check import MemoryOptions
from inference.model_source import load_engine, resolve
from inference.requests import ChatRequest, SamplingParams
from inference.worker_process import Worker, start_worker

WORDS = "the fennec fox sheds desert heat through its large ears at night".split()


def long_text(engine, tokens: int) -> list[dict]:
    """A one-message chat of about `tokens` prompt tokens (measured with the engine's own
    template and tokenizer), the words varied so no cache or pattern makes it cheap."""
    words = [f"{WORDS[i % len(WORDS)]}{i % 97}" for i in range(tokens)]
    lo, hi = 1, len(words)
    while lo < hi:  # the most words whose chat stays within `tokens`
        mid = (lo + hi + 1) // 2
        if len(engine.encode_chat([{"role": "user", "content": " ".join(words[:mid])}])) <= tokens:
            lo = mid
        else:
            hi = mid - 1
    return [{"role": "user", "content": " ".join(words[:lo])}]


def kv_bytes(engine) -> int:
    """Bytes of the finished conversation's KV that the engine holds (MLX: its prompt cache's
    arrays; llama.cpp: the parked sequences' state, which is their KV cells as stored)."""
    if engine.info.name == "mlx":
        return int(engine._prompt_cache.nbytes)
    import llama_cpp

    ctx = engine._context.ctx
    return sum(llama_cpp.llama_state_seq_get_size(ctx, s) for s in engine._slots._parked)


@dataclass
class KvRun:
    engine: str
    kv_bits: int
    prompt_tokens: int
    kv_bytes: int
    prefill_s: float
    decode_tok_s: float
    tokens: list[int]


def run_kv(model: str, engine_name: str, kv_bits: int, messages_tokens: int, new: int) -> KvRun:
    """One conversation of `messages_tokens` prompt tokens at a KV precision, in process."""
    files = resolve(model)
    memory = MemoryOptions(context=messages_tokens + new + 256, kv_bits=kv_bits)
    engine = load_engine(files, engine_name, memory=memory)
    try:
        messages = long_text(engine, messages_tokens)
        request = ChatRequest(messages, SamplingParams(temperature=0.0, max_tokens=new))
        started = time.perf_counter()
        admission = engine.start(request)
        tokens, first_at = [], None
        while engine.running():
            for output in engine.step():
                if output.token is not None:
                    tokens.append(output.token)
                    first_at = first_at or time.perf_counter()
        done = time.perf_counter()
        first_at = first_at or done
        decode = (len(tokens) - 1) / (done - first_at) if len(tokens) > 1 else 0.0
        return KvRun(
            engine_name,
            kv_bits,
            admission.prompt_tokens,
            kv_bytes(engine),
            first_at - started,
            decode,
            tokens,
        )
    finally:
        engine.close()


def agreement(reference: list[int], other: list[int]) -> float:
    """Share of positions where a greedy answer has the reference's token."""
    if not reference:
        return 1.0
    return sum(a == b for a, b in zip(reference, other, strict=False)) / len(reference)


# -- real workers ----------------------------------------------------------------------------
def stream_ttft(worker: Worker, messages: list[dict], max_tokens: int = 8) -> tuple[float, dict]:
    """Seconds to the first streamed content, and the final usage."""
    body = {
        "messages": messages,
        "max_tokens": max_tokens,
        "temperature": 0,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    headers = {"Authorization": f"Bearer {worker.token}"}
    first, usage, text = None, {}, []
    with httpx.Client(base_url=worker.base_url, timeout=600, headers=headers) as client:
        started = time.perf_counter()
        with client.stream("POST", "/chat/completions", json=body) as r:
            r.raise_for_status()
            for line in r.iter_lines():
                if not line.startswith("data: ") or line == "data: [DONE]":
                    continue
                chunk = json.loads(line[6:])
                if chunk.get("usage"):
                    usage = chunk["usage"]
                for choice in chunk.get("choices", []):
                    piece = choice.get("delta", {}).get("content")
                    if piece:
                        text.append(piece)
                        first = first or time.perf_counter()
    return (first or time.perf_counter()) - started, usage | {"text": "".join(text)}


def worker(model: str, engine: str, *args: str) -> Worker:
    return start_worker(model, engine, extra_args=("--no-governor", *args))


def status(w: Worker) -> dict:
    headers = {"Authorization": f"Bearer {w.token}"}
    return httpx.get(f"{w.base_url}/fennec/status", headers=headers, timeout=30).json()


def idle_cpu_percent(pid: int, seconds: float) -> float:
    """CPU time the process (threads included) used over `seconds`, as % of one core."""
    process = psutil.Process(pid)
    before = process.cpu_times()
    time.sleep(seconds)
    after = process.cpu_times()
    used = (after.user - before.user) + (after.system - before.system)
    return 100.0 * used / seconds


def wait_for_state(w: Worker, state: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if status(w).get("model_state") == state:
            return True
        time.sleep(0.5)
    return False


def as_dict(run: KvRun) -> dict:
    body = asdict(run)
    body["tokens"] = len(run.tokens)
    return body


def weights_bytes_of(model: str, engine: str) -> int:
    files = resolve(model)
    path = files.mlx_dir if engine == "mlx" else files.gguf_file
    assert path is not None
    return (
        path.stat().st_size
        if Path(path).is_file()
        else sum(p.stat().st_size for p in Path(path).glob("*.safetensors"))
    )
