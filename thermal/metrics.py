"""Scores of one simulated run against the limits."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from thermal.simulation import Trace


@dataclass(frozen=True)
class RunMetrics:
    max_temp_c: float
    overshoot_c: float
    s_above_limit_plus_0_5: int
    s_above_limit_plus_2: int
    mean_power_w: float
    max_60s_power_w: float
    tokens: float
    tokens_vs_oracle: float
    temp_p99_p1_hour2_c: float
    changes_per_min: float
    ttft_p95_s: float | None = None
    user_tps_p5: float | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def _pct(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    s = sorted(values)
    k = (len(s) - 1) * q / 100
    lo, hi = math.floor(k), math.ceil(k)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def _changes(trace: Trace) -> int:
    return sum(
        1
        for i in range(1, len(trace.t))
        if trace.batch[i] != trace.batch[i - 1] or abs(trace.duty[i] - trace.duty[i - 1]) > 1e-9
    )


def score(trace: Trace, limit_c: float, oracle_tokens: float | None) -> RunMetrics:
    """Seconds over the limits, power means and churn, all on the true plant."""
    temps = trace.controlled_c
    dt = trace.dt_s
    window = max(1, round(60 / dt))
    sums, rolling = 0.0, []
    for i, p in enumerate(trace.power_w):
        sums += p
        if i >= window:
            sums -= trace.power_w[i - window]
        if i >= window - 1:
            rolling.append(sums / window)
    hour2 = temps[len(temps) // 2 :]
    tokens = sum(trace.tokens)
    minutes = max(1e-9, len(trace.t) * dt / 60)
    chat = bool(trace.ttft_s)
    return RunMetrics(
        max_temp_c=round(max(temps), 2),
        overshoot_c=round(max(0.0, max(temps) - limit_c), 2),
        s_above_limit_plus_0_5=round(sum(t > limit_c + 0.5 for t in temps) * dt),
        s_above_limit_plus_2=round(sum(t > limit_c + 2.0 for t in temps) * dt),
        mean_power_w=round(sum(trace.power_w) / len(trace.power_w), 2),
        max_60s_power_w=round(max(rolling) if rolling else max(trace.power_w), 2),
        tokens=round(tokens),
        tokens_vs_oracle=round(tokens / oracle_tokens, 3) if oracle_tokens else math.nan,
        temp_p99_p1_hour2_c=round(_pct(hour2, 99) - _pct(hour2, 1), 2),
        changes_per_min=round(_changes(trace) / minutes, 2),
        ttft_p95_s=round(_pct(trace.ttft_s, 95), 2) if chat else None,
        user_tps_p5=round(_pct(trace.user_tps, 5), 1) if trace.user_tps else None,
    )
