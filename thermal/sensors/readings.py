"""Readings name their source and unit; a sensor that does not answer is missing, never 0."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

ROLES = ("die", "skin", "board", "battery", "package", "system")


@dataclass(frozen=True)
class Reading:
    value: float
    unit: str  # "°C" or "W"
    source: str  # e.g. "hwmon:coretemp/Package id 0", "powercap:intel-rapl:0"
    role: str  # one of ROLES


@dataclass(frozen=True)
class Snapshot:
    """Everything one sampling pass found."""

    t: float
    temperatures: tuple[Reading, ...] = ()
    power: tuple[Reading, ...] = ()
    pressure: str | None = None  # macOS thermal state; None where the OS has none
    missing: tuple[str, ...] = field(default=())  # what was looked for and not readable, and why

    def controlled_temperature(self, prefer: str = "auto") -> Reading | None:
        """The temperature the governor controls: the skin/enclosure where the machine exposes
        it (prefer="auto" or "skin"), else the hottest die sensor."""
        skins = [r for r in self.temperatures if r.role == "skin"]
        dies = [r for r in self.temperatures if r.role in ("die", "package")]
        if prefer in ("auto", "skin") and skins:
            return max(skins, key=lambda r: r.value)
        if dies:
            return max(dies, key=lambda r: r.value)
        others = [r for r in self.temperatures if r.role != "battery"]
        return max(others, key=lambda r: r.value) if others else None

    def total_power(self) -> Reading | None:
        """Best power figure: system/package over battery over per-component sums."""
        for role in ("system", "package"):
            found = [r for r in self.power if r.role == role]
            if found:
                return max(found, key=lambda r: r.value)
        battery = [r for r in self.power if r.role == "battery"]
        if battery:
            return battery[0]
        if self.power:
            total = sum(r.value for r in self.power)
            return Reading(total, "W", "+".join(r.source for r in self.power), "package")
        return None


class SensorSource(Protocol):
    def read(self) -> Snapshot: ...
