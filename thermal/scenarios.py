"""Workload scenarios for the simulated laptop, as JSON files (resources/thermal/scenarios).

Format (all fields but name and workload optional):
{
  "name": "W1-backlogged",
  "duration_s": 7200,
  "workload": {"kind": "backlogged", "streams": 8}
            | {"kind": "chat", "users": 6, "think_s": 20, "prompt_tokens": 800, "answer_tokens": 350},
  "ambient_step": {"at_s": 3600, "delta_c": 5},
  "estimate_error": 0.3,          # the governor starts with sustainable power × (1 + error)
  "sensor": {"lag_samples": 1, "temp_sigma_c": 0.25, "temp_resolution_c": 0.1, "power_sigma_w": 0.2,
             "period_s": 1.0,            # 0.5, 1, 1.5 or 2: the sampler's period
             "dropout_per_h": 0,         # gaps (both readings missing) starting per hour …
             "dropout_mean_s": 5,        # … and their mean length
             "temperature": true,        # false: no temperature sensor at all
             "power": true,              # false: no power sensor (the usual Linux laptop)
             "power_bias": 0.0},         # the power sensor reads (1 + bias) × true power
  "ambient_c": 25,                # overrides the profile's room temperature
  "ambient_ramp_c_per_h": 0,      # a room that warms (or cools) steadily
  "seed": 1
}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from thermal.profiles import _find


@dataclass(frozen=True)
class SensorNoise:
    lag_samples: int = 1
    temp_sigma_c: float = 0.25
    temp_resolution_c: float = 0.1
    power_sigma_w: float = 0.2
    period_s: float = 1.0
    dropout_per_h: float = 0.0
    dropout_mean_s: float = 5.0
    temperature: bool = True
    power: bool = True
    power_bias: float = 0.0


@dataclass(frozen=True)
class Workload:
    kind: str = "backlogged"  # or "chat"
    streams: int = 8
    users: int = 6
    think_s: float = 20.0
    prompt_tokens: int = 800
    answer_tokens: int = 350


@dataclass(frozen=True)
class Scenario:
    name: str
    workload: Workload
    duration_s: int = 7200
    ambient_step_at_s: float | None = None
    ambient_step_c: float = 0.0
    estimate_error: float = 0.0
    sensor: SensorNoise = field(default_factory=SensorNoise)
    seed: int = 1
    ambient_c: float | None = None  # None: the profile's
    ambient_ramp_c_per_h: float = 0.0

    @property
    def disturbed(self) -> bool:
        return (
            self.ambient_step_at_s is not None
            or self.estimate_error != 0.0
            or self.ambient_ramp_c_per_h != 0.0
        )

    def ambient_at(self, default_c: float, t: float) -> float:
        """Room temperature at `t`: the start value, a steady ramp, and an optional step."""
        start = default_c if self.ambient_c is None else self.ambient_c
        ambient = start + self.ambient_ramp_c_per_h * t / 3600.0
        if self.ambient_step_at_s is not None and t >= self.ambient_step_at_s:
            ambient += self.ambient_step_c
        return ambient


def load_scenario(path: Path | str) -> Scenario:
    data = json.loads(_find(path, "scenarios").read_text())
    step = data.get("ambient_step") or {}
    return Scenario(
        name=data["name"],
        workload=Workload(**data["workload"]),
        duration_s=int(data.get("duration_s", 7200)),
        ambient_step_at_s=step.get("at_s"),
        ambient_step_c=float(step.get("delta_c", 0.0)),
        estimate_error=float(data.get("estimate_error", 0.0)),
        sensor=SensorNoise(**data.get("sensor", {})),
        seed=int(data.get("seed", 1)),
        ambient_c=data.get("ambient_c"),
        ambient_ramp_c_per_h=float(data.get("ambient_ramp_c_per_h", 0.0)),
    )
