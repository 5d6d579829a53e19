"""A laptop in a box: the RC thermal model driven by decode work, a noisy lagged sensor,
and a controller in the loop. Two simulated hours run in well under a second.

Work is simulated as a fluid in ticks of 0.5 s: within each tick the engine is busy `duty`
of the time; prefills run first, then decode steps of t(B) each. The controller sees a
sample every `sensor.period_s` (a whole number of ticks) and its setting holds in between.
"""

from __future__ import annotations

import math
import random
from collections import deque
from dataclasses import dataclass, field

from thermal.control import Actuation, Controller, Observation
from thermal.profiles import DeviceProfile
from thermal.scenarios import Scenario

TICK_S = 0.5  # the simulation step: the fastest sensor (2 Hz) samples once per tick
EULER_S = 0.1  # thermal integration step (explicit Euler)


class RCThermal:
    """Two nodes: C1·T1' = P − (T1−T2)/R1,  C2·T2' = (T1−T2)/R1 − (T2−Ta)/R2(T2)."""

    def __init__(self, profile: DeviceProfile, ambient_c: float) -> None:
        self.p = profile.thermal
        self.t1 = self.t2 = ambient_c

    def advance(self, power_w: float, ambient_c: float, seconds: float = 1.0) -> None:
        steps = max(1, round(seconds / EULER_S))
        dt = seconds / steps
        p = self.p
        for _ in range(steps):
            q12 = (self.t1 - self.t2) / p.r1
            q2a = (self.t2 - ambient_c) / p.r2_at(self.t2)
            self.t1 += dt * (power_w - q12) / p.c1
            self.t2 += dt * (q12 - q2a) / p.c2


class NoisySensor:
    """Lag (in samples), Gaussian noise and quantisation, as a real sensor reads."""

    def __init__(self, lag: int, sigma: float, resolution: float, rng: random.Random) -> None:
        self._history: deque[float] = deque(maxlen=lag + 1)
        self._sigma, self._resolution, self._rng = sigma, resolution, rng

    def read(self, true_value: float) -> float:
        self._history.append(true_value)
        value = self._history[0] + self._rng.gauss(0.0, self._sigma)
        if self._resolution > 0:
            value = round(value / self._resolution) * self._resolution
        return value


@dataclass
class _User:
    next_submit: float
    state: str = "thinking"  # thinking → waiting → prefill → decode → thinking
    submitted: float = 0.0
    prompt_left: float = 0.0
    answer_left: float = 0.0
    answer_total: float = 0.0
    first_token: float | None = None


@dataclass
class Trace:
    """Per-tick series (every `dt_s` seconds) and per-request records of one simulated run."""

    dt_s: float = TICK_S
    t: list[float] = field(default_factory=list)
    die_c: list[float] = field(default_factory=list)
    skin_c: list[float] = field(default_factory=list)
    controlled_c: list[float] = field(default_factory=list)
    measured_c: list[float] = field(default_factory=list)
    power_w: list[float] = field(default_factory=list)
    batch: list[int] = field(default_factory=list)
    duty: list[float] = field(default_factory=list)
    tokens: list[float] = field(default_factory=list)
    ttft_s: list[float] = field(default_factory=list)
    user_tps: list[float] = field(default_factory=list)
    ambient_c: list[float] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)  # the controller's own words, if any


def simulate(profile: DeviceProfile, scenario: Scenario, controller: Controller) -> Trace:
    """Run `controller` on `profile` under `scenario`; returns the trace."""
    rng = random.Random(scenario.seed)
    pw = profile.power
    sensor = scenario.sensor
    ambient0 = scenario.ambient_at(profile.ambient_c, 0.0)
    thermal = RCThermal(profile, ambient0)
    temp_sensor = NoisySensor(
        sensor.lag_samples, sensor.temp_sigma_c, sensor.temp_resolution_c, rng
    )
    power_sensor = NoisySensor(sensor.lag_samples, sensor.power_sigma_w, 0.0, rng)
    gaps = _Dropouts(sensor.dropout_per_h, sensor.dropout_mean_s, random.Random(scenario.seed + 7))
    w = scenario.workload
    users = [_User(next_submit=rng.uniform(0, w.think_s)) for _ in range(w.users)]
    queue: deque[_User] = deque()
    trace = Trace()
    ticks_per_sample = max(1, round(sensor.period_s / TICK_S))
    period = ticks_per_sample * TICK_S
    act = Actuation(profile.max_batch, 1.0)
    energy = busy_s = batch_s = 0.0
    for tick in range(round(scenario.duration_s / TICK_S)):
        now = tick * TICK_S
        ambient = scenario.ambient_at(profile.ambient_c, now)
        if w.kind == "chat":
            for u in users:
                if u.state == "thinking" and u.next_submit <= now:
                    u.state, u.submitted = "waiting", u.next_submit
                    queue.append(u)
            demand = sum(u.state != "thinking" for u in users)
        else:
            demand = w.streams
        if tick % ticks_per_sample == 0:
            controlled = thermal.t1 if profile.controlled == "die" else thermal.t2
            mean_power = energy / period if tick else pw.p_idle
            temp = temp_sensor.read(controlled)
            watts = power_sensor.read(mean_power * (1.0 + sensor.power_bias))
            missing = gaps.missing(now)
            obs = Observation(
                t=now,
                temp_c=None if missing or not sensor.temperature else temp,
                power_w=None if missing or not sensor.power else max(0.0, watts),
                demand=demand,
                batch_in_use=round(batch_s / busy_s) if busy_s > 0 else 0,
                busy_fraction=min(1.0, busy_s / period),
            )
            act = controller.update(obs)
            energy = busy_s = batch_s = 0.0
        duty = min(1.0, max(0.0, act.duty))
        if w.kind == "chat":
            busy, batch, tokens = _chat_tick(now, users, queue, act, duty, pw, w, rng, trace)
        else:
            batch = min(act.max_batch, w.streams)
            busy = duty if batch > 0 else 0.0
            tokens = pw.tokens_per_s(batch, busy) * TICK_S
        power = pw.p_idle + busy * (pw.active_power(max(batch, 1)) - pw.p_idle)
        thermal.advance(power, ambient, TICK_S)
        energy += power * TICK_S
        busy_s += busy * TICK_S
        batch_s += busy * TICK_S * batch
        trace.t.append(now)
        trace.die_c.append(thermal.t1)
        trace.skin_c.append(thermal.t2)
        trace.controlled_c.append(thermal.t1 if profile.controlled == "die" else thermal.t2)
        trace.measured_c.append(obs.temp_c if obs.temp_c is not None else math.nan)
        trace.power_w.append(power)
        trace.batch.append(act.max_batch)
        trace.duty.append(duty)
        trace.tokens.append(tokens)
        trace.ambient_c.append(ambient)
        if tick % ticks_per_sample == 0:
            trace.statuses.append(getattr(controller, "status_text", ""))
    return trace


class _Dropouts:
    """Gaps in the readings: they start at random (Poisson) and last an exponential time."""

    def __init__(self, per_hour: float, mean_s: float, rng: random.Random) -> None:
        self._rate, self._mean, self._rng = per_hour / 3600.0, mean_s, rng
        self._until = -1.0
        self._last = 0.0

    def missing(self, now: float) -> bool:
        if self._rate > 0 and now >= self._until:
            if self._rng.random() < 1.0 - math.exp(-self._rate * (now - self._last)):
                self._until = now + max(1.0, self._rng.expovariate(1.0 / self._mean))
        self._last = now
        return now < self._until


def _chat_tick(now, users, queue, act: Actuation, duty, pw, w, rng, trace) -> tuple:
    """One tick of the chat workload; returns (busy fraction, batch, tokens decoded)."""
    running = [u for u in users if u.state in ("prefill", "decode")]
    while queue and len(running) < act.max_batch:
        u = queue.popleft()
        u.state, u.prompt_left = "prefill", float(w.prompt_tokens)
        u.answer_left = u.answer_total = float(max(1, round(rng.gauss(w.answer_tokens, 70))))
        u.first_token = None
        running.append(u)
    if duty <= 0 or not running:
        return 0.0, len(running), 0.0
    active = duty * TICK_S  # seconds of compute available this tick
    used = 0.0

    def wall(active_used: float) -> float:  # pacing spreads compute evenly over the tick
        return now + active_used / duty

    for u in [u for u in running if u.state == "prefill"]:
        need = u.prompt_left / pw.prefill_tps
        take = min(need, active - used)
        used += take
        u.prompt_left -= take * pw.prefill_tps
        if u.prompt_left <= 1e-9:
            u.state, u.first_token = "decode", wall(used)
            trace.ttft_s.append(u.first_token - u.submitted)
        if used >= active:
            break
    decoding = [u for u in running if u.state == "decode"]
    tokens = 0.0
    while decoding and used < active - 1e-9:
        batch = len(decoding)
        step = pw.step_time(batch)
        steps = (active - used) / step
        finish_in = min(u.answer_left for u in decoding)
        n = min(steps, finish_in)
        used += n * step
        tokens += n * batch
        for u in decoding:
            u.answer_left -= n
        for u in [u for u in decoding if u.answer_left <= 1e-9]:
            end = wall(used)
            if u.first_token is not None and end > u.first_token:
                trace.user_tps.append(u.answer_total / max(end - u.first_token, 1e-6))
            u.state, u.next_submit = "thinking", end + rng.expovariate(1.0 / w.think_s)
        decoding = [u for u in decoding if u.state == "decode"]
    return min(used / TICK_S, 1.0), len(running), tokens
