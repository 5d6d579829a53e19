"""Device profiles: a two-node RC thermal model plus a memory-bound decode power model.

Loaded from JSON files (resources/thermal/profiles/*.json), so anyone can add a machine.
Thermal units: R in °C/W, C in J/K. The numbers shipped are estimates, not measurements.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

RESOURCES = Path(__file__).resolve().parent.parent / "resources" / "thermal"


@dataclass(frozen=True)
class ThermalParams:
    """Node 1 is the die, node 2 the enclosure (skin); node 2 sheds heat to the ambient air."""

    r1: float
    c1: float
    r2: float
    c2: float
    # Optional fan: R2 falls linearly from r2 to r2_fan between fan_start_c and fan_full_c of T2.
    r2_fan: float | None = None
    fan_start_c: float = 40.0
    fan_full_c: float = 65.0

    def r2_at(self, t2: float) -> float:
        if self.r2_fan is None:
            return self.r2
        x = min(1.0, max(0.0, (t2 - self.fan_start_c) / (self.fan_full_c - self.fan_start_c)))
        return self.r2 + x * (self.r2_fan - self.r2)


@dataclass(frozen=True)
class PowerParams:
    """Decode step time t(B) = t_mem + B·t_c; active power P(B) = p_base + (e_w + B·e_tok)/t(B)."""

    p_idle: float  # W, the machine with the model loaded and nothing to do
    p_base: float  # W, static power while the accelerator is busy
    t_mem: float  # s, reading the active weights once per step
    t_c: float  # s, compute per sequence in the batch
    e_w: float  # J, energy of one pass over the weights
    e_tok: float  # J, energy per sequence per step
    prefill_tps: float = 400.0  # prompt tokens per second while prefilling (at active power)

    def step_time(self, batch: int) -> float:
        return self.t_mem + batch * self.t_c

    def active_power(self, batch: int) -> float:
        if batch <= 0:
            return self.p_idle
        return self.p_base + (self.e_w + batch * self.e_tok) / self.step_time(batch)

    def power(self, batch: int, duty: float) -> float:
        return self.p_idle + duty * (self.active_power(batch) - self.p_idle)

    def tokens_per_s(self, batch: int, duty: float) -> float:
        return duty * batch / self.step_time(batch) if batch > 0 else 0.0


@dataclass(frozen=True)
class DeviceProfile:
    name: str
    description: str
    thermal: ThermalParams
    power: PowerParams
    ambient_c: float = 25.0
    max_batch: int = 8
    sustainable_power_w: float | None = None  # the governor's starting estimate; derived if None
    controlled: str = "die"  # which node the governor reads: "die" or "skin"

    def sustainable_power(self, limit_c: float) -> float:
        """Steady-state power that holds the controlled node at `limit_c` (without the fan)."""
        if self.sustainable_power_w is not None:
            return self.sustainable_power_w
        th = self.thermal
        r = th.r1 + th.r2 if self.controlled == "die" else th.r2
        return max(0.5, (limit_c - self.ambient_c) / r)


def load_profile(path: Path | str) -> DeviceProfile:
    path = _find(path, "profiles")
    data = json.loads(path.read_text())
    return DeviceProfile(
        name=data["name"],
        description=data.get("description", ""),
        thermal=ThermalParams(**data["thermal"]),
        power=PowerParams(**data["power"]),
        ambient_c=data.get("ambient_c", 25.0),
        max_batch=data.get("max_batch", 8),
        sustainable_power_w=data.get("sustainable_power_w"),
        controlled=data.get("controlled", "die"),
    )


def builtin(kind: str) -> list[Path]:
    """The shipped profile or scenario files."""
    return sorted((RESOURCES / kind).glob("*.json"))


def _find(path: Path | str, kind: str) -> Path:
    p = Path(path)
    if p.exists():
        return p
    candidate = RESOURCES / kind / f"{p.stem}.json"
    if candidate.exists():
        return candidate
    names = ", ".join(f.stem for f in builtin(kind))
    raise FileNotFoundError(f"no {kind[:-1]} {str(path)!r}; built-in ones: {names}")
