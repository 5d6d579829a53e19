"""A fleet of machines the governor has never seen, drawn at random for `fennec bench thermal
--fleet N --seed S`. Machine i of a fleet depends only on (S, i), so one run can be replayed
alone (`--only i`).

The ranges (each at least 10× wide where the issue asks for it):
- die R1 0.3–4 °C/W, C1 3–40 J/K; case R2 0.7–8 °C/W, C2 60–900 J/K; half have a fan
  that lowers R2 by 30–65 % between a start of 35–50 °C and full speed 10–25 °C above it;
- idle 1–4.5 W; active power at the largest batch 6–40 W (memory-bound decode shape);
- room 15–38 °C; a third warm or cool steadily (±3 °C/h), a third step (±6 °C);
- sensor period 0.5/1/1.5/2 s, lag 0–3 samples, noise 0.05–0.5 °C, resolution 0.1–1 °C,
  half with dropout gaps (2–30 per hour, 2–20 s long);
- power sensor present (50 %), absent (30 %) or biased by up to ±20 % (20 %);
- backlogged (1–8 streams) or chat (1–8 users, 5–40 s thinking) workloads.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from thermal.profiles import DeviceProfile, PowerParams, ThermalParams
from thermal.scenarios import Scenario, SensorNoise, Workload


@dataclass(frozen=True)
class FleetMachine:
    fleet_seed: int
    index: int
    profile: DeviceProfile
    scenario: Scenario

    @property
    def label(self) -> str:
        return f"{self.profile.name} · {self.scenario.name}"


def _log_uniform(rng: random.Random, lo: float, hi: float) -> float:
    return math.exp(rng.uniform(math.log(lo), math.log(hi)))


def draw_machine(fleet_seed: int, index: int, duration_s: int = 7200) -> FleetMachine:
    """Machine `index` of fleet `fleet_seed`: its plant, sensors, room and workload."""
    rng = random.Random(fleet_seed * 1_000_003 + index)
    fan = rng.random() < 0.5
    r2 = _log_uniform(rng, 0.7, 8.0)
    fan_start = rng.uniform(35, 50)
    thermal = ThermalParams(
        r1=_log_uniform(rng, 0.3, 4.0),
        c1=_log_uniform(rng, 3.0, 40.0),
        r2=r2,
        c2=_log_uniform(rng, 60.0, 900.0),
        r2_fan=r2 * rng.uniform(0.35, 0.7) if fan else None,
        fan_start_c=fan_start,
        fan_full_c=fan_start + rng.uniform(10, 25),
    )
    power = _power_model(rng)
    ambient = rng.uniform(15, 38)
    profile = DeviceProfile(
        name=f"fleet{fleet_seed}-{index:03d}",
        description="drawn at random",
        thermal=thermal,
        power=power,
        ambient_c=ambient,
        max_batch=8,
    )
    return FleetMachine(fleet_seed, index, profile, _scenario(rng, index, duration_s))


def _power_model(rng: random.Random) -> PowerParams:
    idle = rng.uniform(1.0, 4.5)
    full = max(idle + 3.0, _log_uniform(rng, 6.0, 40.0))
    t_mem = rng.uniform(0.01, 0.04)
    t_c = t_mem * rng.uniform(0.04, 0.15)
    base = idle + rng.uniform(0.2, 0.5) * (full - idle)
    ratio = rng.uniform(0.03, 0.08)  # energy per sequence vs per pass over the weights
    step8 = t_mem + 8 * t_c
    e_w = (full - base) * step8 / (1 + 8 * ratio)
    return PowerParams(
        p_idle=idle,
        p_base=base,
        t_mem=t_mem,
        t_c=t_c,
        e_w=e_w,
        e_tok=e_w * ratio,
        prefill_tps=rng.uniform(200, 1000),
    )


def _scenario(rng: random.Random, index: int, duration_s: int) -> Scenario:
    roll = rng.random()
    power_state = "present" if roll < 0.5 else "absent" if roll < 0.8 else "biased"
    sensor = SensorNoise(
        lag_samples=rng.randint(0, 3),
        temp_sigma_c=rng.uniform(0.05, 0.5),
        temp_resolution_c=rng.choice([0.1, 0.1, 0.25, 1.0]),
        power_sigma_w=rng.uniform(0.05, 0.5),
        period_s=rng.choice([0.5, 1.0, 1.5, 2.0]),
        dropout_per_h=rng.uniform(2, 30) if rng.random() < 0.5 else 0.0,
        dropout_mean_s=rng.uniform(2, 20),
        power=power_state != "absent",
        power_bias=rng.uniform(-0.2, 0.2) if power_state == "biased" else 0.0,
    )
    if rng.random() < 0.5:
        workload = Workload("backlogged", streams=rng.randint(1, 8))
    else:
        workload = Workload(
            "chat",
            users=rng.randint(1, 8),
            think_s=rng.uniform(5, 40),
            prompt_tokens=rng.randint(100, 1500),
            answer_tokens=rng.randint(100, 600),
        )
    change = rng.random()
    ramp = rng.uniform(-3, 3) if change < 1 / 3 else 0.0
    step_at = rng.uniform(0.3, 0.8) * duration_s if change > 2 / 3 else None
    step = rng.uniform(-6, 6) if step_at is not None else 0.0
    name = (
        f"{workload.kind}-{'power' if power_state == 'present' else power_state}"
        f"-{sensor.period_s:g}s-lag{sensor.lag_samples}"
    )
    return Scenario(
        name=name,
        workload=workload,
        duration_s=duration_s,
        ambient_step_at_s=step_at,
        ambient_step_c=step,
        sensor=sensor,
        seed=rng.randint(1, 1_000_000),
        ambient_ramp_c_per_h=ramp,
    )
