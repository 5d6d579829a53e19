"""Workload scenarios for the simulated laptop, as JSON files (resources/thermal/scenarios).

Format (all fields but name and workload optional):
{
  "name": "W1-backlogged",
  "duration_s": 7200,
  "workload": {"kind": "backlogged", "streams": 8}
            | {"kind": "chat", "users": 6, "think_s": 20, "prompt_tokens": 800, "answer_tokens": 350},
  "ambient_step": {"at_s": 3600, "delta_c": 5},
  "estimate_error": 0.3,          # the governor starts with sustainable power × (1 + error)
  "sensor": {"lag_samples": 1, "temp_sigma_c": 0.25, "temp_resolution_c": 0.1, "power_sigma_w": 0.2},
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

    @property
    def disturbed(self) -> bool:
        return self.ambient_step_at_s is not None or self.estimate_error != 0.0


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
    )
