"""What a controller sees each control period and what it sets: shared by the governor,
the baselines, the simulation and the worker."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

# macOS NSProcessInfo.thermalState names; Linux has no equivalent, so None there.
PRESSURE_LEVELS = ("nominal", "fair", "serious", "critical")


@dataclass(frozen=True)
class Observation:
    t: float  # seconds on the controller's clock
    temp_c: float | None  # the controlled temperature; None when no sensor answers
    power_w: float | None  # package/system power over the last period; None when unknown
    demand: int  # sequences that could run now (running + waiting)
    batch_in_use: int  # sequences that ran during the last period
    busy_fraction: float  # share of the last period the engine was computing (0..1)
    pressure: str | None = None  # OS thermal pressure, when the OS reports one


@dataclass(frozen=True)
class Actuation:
    max_batch: int
    duty: float  # 0..1: share of time spent decoding; the rest is pacing delay


class Controller(Protocol):
    name: str

    def update(self, obs: Observation) -> Actuation: ...


def pacing_for(duty: float, step_seconds: float) -> float:
    """The pause after each decode step that makes the engine busy `duty` of the time."""
    if duty >= 1.0:
        return 0.0
    if duty <= 0.0:
        return float("inf")
    return step_seconds * (1.0 - duty) / duty
