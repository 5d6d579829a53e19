"""A laptop in a box: the RC thermal model driven by decode work, a noisy lagged sensor,
and a controller in the loop. Two simulated hours run in well under a second.

Work is simulated as a fluid at 1 Hz (the control rate): within each second the engine is
busy `duty` of the time; prefills run first, then decode steps of t(B) each.
"""

from __future__ import annotations

import math
import random
from collections import deque
from dataclasses import dataclass, field

from thermal.control import Actuation, Controller, Observation
from thermal.profiles import DeviceProfile
from thermal.scenarios import Scenario

SUBSTEPS = 10  # thermal integration steps per second (explicit Euler, dt = 0.1 s)


class RCThermal:
    """Two nodes: C1·T1' = P − (T1−T2)/R1,  C2·T2' = (T1−T2)/R1 − (T2−Ta)/R2(T2)."""

    def __init__(self, profile: DeviceProfile, ambient_c: float) -> None:
        self.p = profile.thermal
        self.t1 = self.t2 = ambient_c

    def advance(self, power_w: float, ambient_c: float, seconds: float = 1.0) -> None:
        dt = seconds / SUBSTEPS
        p = self.p
        for _ in range(SUBSTEPS):
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
    """Per-second series and per-request records of one simulated run."""

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


def simulate(profile: DeviceProfile, scenario: Scenario, controller: Controller) -> Trace:
    """Run `controller` on `profile` under `scenario`; returns the trace."""
    rng = random.Random(scenario.seed)
    pw = profile.power
    thermal = RCThermal(profile, profile.ambient_c)
    noise = scenario.sensor
    temp_sensor = NoisySensor(noise.lag_samples, noise.temp_sigma_c, noise.temp_resolution_c, rng)
    power_sensor = NoisySensor(noise.lag_samples, noise.power_sigma_w, 0.0, rng)
    w = scenario.workload
    users = [_User(next_submit=rng.uniform(0, w.think_s)) for _ in range(w.users)]
    queue: deque[_User] = deque()
    trace = Trace()
    last_power, last_batch, last_busy = pw.p_idle, 0, 0.0
    for second in range(scenario.duration_s):
        now = float(second)
        ambient = profile.ambient_c
        if scenario.ambient_step_at_s is not None and now >= scenario.ambient_step_at_s:
            ambient += scenario.ambient_step_c
        controlled = thermal.t1 if profile.controlled == "die" else thermal.t2
        if w.kind == "chat":
            for u in users:
                if u.state == "thinking" and u.next_submit <= now:
                    u.state, u.submitted = "waiting", u.next_submit
                    queue.append(u)
            demand = sum(u.state != "thinking" for u in users)
        else:
            demand = w.streams
        obs = Observation(
            t=now,
            temp_c=temp_sensor.read(controlled),
            power_w=max(0.0, power_sensor.read(last_power)),
            demand=demand,
            batch_in_use=last_batch,
            busy_fraction=last_busy,
        )
        act = controller.update(obs)
        duty = min(1.0, max(0.0, act.duty))
        if w.kind == "chat":
            busy, batch, tokens = _chat_second(now, users, queue, act, duty, pw, w, rng, trace)
        else:
            batch = min(act.max_batch, w.streams)
            busy = duty if batch > 0 else 0.0
            tokens = pw.tokens_per_s(batch, busy)
        power = pw.p_idle + busy * (pw.active_power(max(batch, 1)) - pw.p_idle)
        thermal.advance(power, ambient)
        last_power, last_batch, last_busy = power, batch, busy
        trace.t.append(now)
        trace.die_c.append(thermal.t1)
        trace.skin_c.append(thermal.t2)
        trace.controlled_c.append(thermal.t1 if profile.controlled == "die" else thermal.t2)
        trace.measured_c.append(obs.temp_c if obs.temp_c is not None else math.nan)
        trace.power_w.append(power)
        trace.batch.append(act.max_batch)
        trace.duty.append(duty)
        trace.tokens.append(tokens)
    return trace


def _chat_second(now, users, queue, act: Actuation, duty, pw, w, rng, trace) -> tuple:
    """One second of the chat workload; returns (busy fraction, batch, tokens decoded)."""
    running = [u for u in users if u.state in ("prefill", "decode")]
    while queue and len(running) < act.max_batch:
        u = queue.popleft()
        u.state, u.prompt_left = "prefill", float(w.prompt_tokens)
        u.answer_left = u.answer_total = float(max(1, round(rng.gauss(w.answer_tokens, 70))))
        u.first_token = None
        running.append(u)
    if duty <= 0 or not running:
        return 0.0, len(running), 0.0
    active = duty  # seconds of compute available this second
    used = 0.0

    def wall(active_used: float) -> float:  # pacing spreads compute evenly over the second
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
    return min(used, 1.0), len(running), tokens
