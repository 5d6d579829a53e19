"""Streaming load against any OpenAI-compatible server: TTFT, decode rate, aggregate tok/s."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from dataclasses import asdict, dataclass

import httpx


@dataclass(frozen=True)
class StreamTiming:
    ok: bool
    ttft_s: float  # request sent → first content
    total_s: float
    tokens: int  # from usage when the server reports it, else content chunks
    error: str = ""

    @property
    def decode_tps(self) -> float:
        span = self.total_s - self.ttft_s
        return (self.tokens - 1) / span if self.tokens > 1 and span > 0 else 0.0


@dataclass(frozen=True)
class LoadResult:
    clients: int
    ok: int
    failed: int
    wall_s: float
    total_tokens: int
    aggregate_tps: float
    ttft_p50_s: float
    ttft_p95_s: float

    def as_dict(self) -> dict:
        return asdict(self)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def client_prompt(i: int, warm: bool = False) -> str:
    """Client i's prompt: each different from its first token, so no client is served from
    another's cache, nor the measured pass from the warm-up's; all of one length."""
    return f"{'w' if warm else 'm'}{i % 10} client {i}: explain thermal limits, part {i}."


async def stream_once(
    client: httpx.AsyncClient,
    url: str,
    token: str | None,
    prompt: str,
    max_tokens: int,
    model: str = "default",
) -> StreamTiming:
    body = {
        "model": model,
        "messages": [{"role": "user", "content": prompt}],
        "max_tokens": max_tokens,
        "temperature": 0.0,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    start = time.perf_counter()
    first = None
    chunks = 0
    usage_tokens = None
    try:
        async with client.stream("POST", url, json=body, headers=headers) as r:
            if r.status_code != 200:
                await r.aread()
                return StreamTiming(
                    False, 0, time.perf_counter() - start, 0, f"HTTP {r.status_code}"
                )
            async for line in r.aiter_lines():
                if not line.startswith("data: ") or line == "data: [DONE]":
                    continue
                event = json.loads(line[6:])
                if "error" in event:
                    return StreamTiming(
                        False, 0, time.perf_counter() - start, 0, str(event["error"])[:200]
                    )
                if event.get("usage"):
                    usage_tokens = event["usage"].get("completion_tokens")
                for choice in event.get("choices") or []:
                    if choice.get("delta", {}).get("content"):
                        chunks += 1
                        if first is None:
                            first = time.perf_counter()
    except httpx.HTTPError as e:
        return StreamTiming(False, 0, time.perf_counter() - start, 0, str(e))
    end = time.perf_counter()
    tokens = usage_tokens if usage_tokens is not None else chunks
    return StreamTiming(True, (first or end) - start, end - start, tokens)


async def run_load(
    url: str,
    token: str | None,
    clients: int,
    max_tokens: int,
    model: str = "default",
    warm: bool = False,
) -> LoadResult:
    """`clients` streaming requests at once; each a different prompt so no cache is shared."""
    limits = httpx.Limits(max_connections=clients + 4)
    async with httpx.AsyncClient(timeout=httpx.Timeout(900.0), limits=limits) as client:
        start = time.perf_counter()
        timings = await asyncio.gather(
            *(
                stream_once(client, url, token, client_prompt(i, warm), max_tokens, model)
                for i in range(clients)
            )
        )
        wall = time.perf_counter() - start
    ok = [t for t in timings if t.ok]
    total = sum(t.tokens for t in ok)
    ttfts = [t.ttft_s for t in ok]
    return LoadResult(
        clients,
        len(ok),
        len(timings) - len(ok),
        round(wall, 3),
        total,
        round(total / wall, 2) if wall > 0 else 0.0,
        round(percentile(ttfts, 50), 4),
        round(percentile(ttfts, 95), 4),
    )


async def short_during_long(
    url: str, token: str | None, long_tokens: int, short_tokens: int = 8, probes: int = 5
) -> dict:
    """TTFT of short requests on an idle server, then of short requests sent while one long
    answer streams: does a newcomer wait for the whole long answer or join it?"""
    async with httpx.AsyncClient(timeout=httpx.Timeout(900.0)) as client:
        idle = []
        for i in range(probes):
            t = await stream_once(client, url, token, f"idle {i}: hi", short_tokens)
            idle.append(t.ttft_s if t.ok else float("inf"))
        start = time.perf_counter()
        long_task = asyncio.create_task(
            stream_once(client, url, token, "Write a long essay on cooling.", long_tokens)
        )

        async def probe(i: int) -> tuple[float, float]:
            await asyncio.sleep(0.3 + 0.1 * i)  # the long answer is streaming by now
            sent = time.perf_counter() - start
            t = await stream_once(client, url, token, f"busy {i}: hi", short_tokens)
            return sent, (t.ttft_s if t.ok else float("inf"))

        during = await asyncio.gather(*(probe(i) for i in range(probes)))
        long_answer = await long_task
    idle_p50 = percentile(idle, 50)
    busy_p95 = percentile([ttft for _, ttft in during], 95)
    return {
        "idle_ttft_p50_s": round(idle_p50, 4),
        "during_long_ttft_p95_s": round(busy_p95, 4),
        "ratio": round(busy_p95 / max(idle_p50, 1e-9), 2),
        "long_answer_tokens": long_answer.tokens,
        "long_answer_s": round(long_answer.total_s, 3),
        # a probe sent after the long answer ended measured an idle server: count them
        "probes_sent_during_long": sum(sent < long_answer.total_s for sent, _ in during),
        "probes": probes,
    }
