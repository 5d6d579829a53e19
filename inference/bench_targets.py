"""The engine bench's targets (issue 11) and its printed report.

MLX: single stream ≥ 0.97× raw `stream_generate` decode with ≤ 15 ms more TTFT; with two
clients or more, aggregate ≥ 0.95× the raw BatchGenerator loop; no failed request.
llama.cpp: single stream ≥ 0.97× `Llama.generate`; 4 clients ≥ 1.2× sequential serving;
a short request sent during a long answer gets its first token within 3× its idle TTFT
(p95 vs the idle median); no failed request.
"""

from __future__ import annotations


def _target(name: str, value: float, op: str, bound: float) -> dict:
    met = value >= bound if op == ">=" else value <= bound
    return {"name": name, "value": value, "target": f"{op} {bound}", "met": bool(met)}


def evaluate(results: dict) -> list[dict]:
    targets = []
    for engine in ("mlx", "llamacpp"):
        r = results.get(engine)
        if r is None:
            continue
        single = r["single"]
        targets.append(
            _target(f"{engine} single-stream decode vs raw", single["decode_ratio"], ">=", 0.97)
        )
        failed = sum(c["fennec"]["failed"] for c in r["concurrency"])
        targets.append(_target(f"{engine} failed requests", failed, "<=", 0))
        if engine == "mlx":
            targets.append(_target("mlx TTFT overhead ms", single["ttft_overhead_ms"], "<=", 15.0))
            for c in r["concurrency"]:
                if c["clients"] >= 2:
                    targets.append(
                        _target(
                            f"mlx {c['clients']} clients aggregate vs raw batched loop",
                            c["vs_raw_batched"],
                            ">=",
                            0.95,
                        )
                    )
        else:
            for c in r["concurrency"]:
                if c["clients"] == 4:
                    targets.append(
                        _target(
                            "llamacpp 4 clients aggregate vs sequential",
                            c["vs_sequential"],
                            ">=",
                            1.2,
                        )
                    )
            ratio = r["short_during_long"]["fennec"]["ratio"]
            targets.append(
                _target("llamacpp short request TTFT during a long answer ÷ idle", ratio, "<=", 3.0)
            )
    return targets


def print_report(r: dict) -> None:
    for engine in ("mlx", "llamacpp"):
        e = r.get(engine)
        if e is None:
            continue
        s = e["single"]
        print(f"\n{engine} ({e['model']})")
        print(
            f"  single stream: raw {s['raw']['decode_tps']:.1f} tok/s → Fennec "
            f"{s['fennec']['decode_tps']:.1f} tok/s = {s['decode_ratio']:.3f}×; "
            f"TTFT {s['raw']['ttft_s'] * 1000:.1f} → {s['fennec']['ttft_s'] * 1000:.1f} ms "
            f"({s['ttft_overhead_ms']:+.1f} ms)"
        )
        print(
            "  clients  aggregate tok/s: raw batched / sequential / Fennec   ÷raw   ÷seq"
            "   TTFT p50/p95 s (Fennec)  (sequential)   failed"
        )
        for c in e["concurrency"]:
            a, q, w = c["fennec"], c["sequential"], c["raw_batched"]
            print(
                f"  {c['clients']:>5}   {w['aggregate_tps']:>9.1f} / {q['aggregate_tps']:>9.1f} /"
                f" {a['aggregate_tps']:>9.1f}   {c['vs_raw_batched']:.3f} {c['vs_sequential']:.3f}"
                f"   {a['ttft_p50_s']:.3f}/{a['ttft_p95_s']:.3f}          "
                f"{q['ttft_p50_s']:.3f}/{q['ttft_p95_s']:.3f}     {a['failed']}"
            )
        for who in ("fennec", "sequential"):
            d = e["short_during_long"][who]
            print(
                f"  short request during a long answer ({who}): idle TTFT p50 "
                f"{d['idle_ttft_p50_s'] * 1000:.1f} ms, during p95 "
                f"{d['during_long_ttft_p95_s'] * 1000:.1f} ms = {d['ratio']}× "
                f"({d['probes_sent_during_long']}/{d['probes']} probes inside the long answer)"
            )
    print("\ntargets")
    for t in r["targets"]:
        print(
            f"  {'ok  ' if t['met'] else 'MISS'} {t['name']}: {t['value']} (target {t['target']})"
        )
