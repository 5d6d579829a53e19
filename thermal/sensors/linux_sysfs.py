"""Linux sensors from sysfs: thermal zones, hwmon, powercap (RAPL) and the battery.

Units as the kernel exposes them: temperatures in m°C, power in µW, energy in µJ, current
in µA, voltage in µV. hwmon devices are matched by `name` (their numbers change across
boots). powercap energy is often root-only since kernel 5.10 (CVE-2020-8694): then it is
reported missing with that reason. The root is a parameter so tests build fake trees.
"""

from __future__ import annotations

from pathlib import Path

from thermal.clock import Clock, SystemClock
from thermal.sensors.energy import EnergyCounter
from thermal.sensors.readings import Reading, Snapshot

# Thermal-zone and hwmon names that are die (SoC/CPU/GPU) sensors.
_DIE_HINTS = (
    "cpu",
    "x86_pkg",
    "soc",
    "gpu",
    "coretemp",
    "k10temp",
    "zenpower",
    "tsens",
    "apss",
    "cpuss",
    "package",
    "tctl",
    "tdie",
    "core",
)
_SKIN_HINTS = ("skin", "case", "enclosure", "chassis", "sys-therm", "quiet-therm")


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except (OSError, UnicodeDecodeError):
        return None


def _read_int(path: Path) -> int | None:
    text = _read(path)
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _role(name: str) -> str:
    lower = name.lower()
    if any(h in lower for h in _SKIN_HINTS):
        return "skin"
    if "bat" in lower:
        return "battery"
    if any(h in lower for h in _DIE_HINTS):
        return "die"
    return "board"


class LinuxSysfs:
    """Reads every sysfs sensor it finds under `root` (default "/")."""

    def __init__(self, root: Path | str = "/", clock: Clock | None = None) -> None:
        self.root = Path(root)
        self.clock = clock or SystemClock()
        self._counters: dict[str, EnergyCounter] = {}

    def read(self) -> Snapshot:
        t = self.clock.monotonic()
        temps: list[Reading] = []
        power: list[Reading] = []
        missing: list[str] = []
        self._thermal_zones(temps)
        self._hwmon(t, temps, power)
        self._powercap(t, power, missing)
        self._battery(power)
        if not temps:
            missing.append("temperature: no readable thermal_zone or hwmon temp*_input")
        if not power:
            missing.append("power: no readable hwmon power/energy, powercap or discharging battery")
        return Snapshot(t, tuple(temps), tuple(power), None, tuple(missing))

    def _thermal_zones(self, temps: list[Reading]) -> None:
        for zone in sorted((self.root / "sys/class/thermal").glob("thermal_zone*")):
            kind = _read(zone / "type") or zone.name
            milli = _read_int(zone / "temp")
            if milli is None or milli <= -273000:
                continue
            temps.append(Reading(milli / 1000.0, "°C", f"{zone.name}:{kind}", _role(kind)))

    def _hwmon(self, t: float, temps: list[Reading], power: list[Reading]) -> None:
        for dev in sorted((self.root / "sys/class/hwmon").glob("hwmon*")):
            name = _read(dev / "name") or dev.name
            for inp in sorted(dev.glob("temp*_input")):
                milli = _read_int(inp)
                if milli is None:
                    continue
                label = _read(dev / inp.name.replace("_input", "_label")) or inp.name[:-6]
                role = _role(f"{name} {label}")
                temps.append(Reading(milli / 1000.0, "°C", f"hwmon:{name}/{label}", role))
            for inp in sorted(dev.glob("power*_input")) + sorted(dev.glob("power*_average")):
                micro = _read_int(inp)
                if micro is None:
                    continue
                label = _read(dev / f"{inp.name.split('_')[0]}_label") or inp.name
                power.append(
                    Reading(
                        micro / 1e6,
                        "W",
                        f"hwmon:{name}/{label}",
                        "package" if "bat" not in name else "battery",
                    )
                )
            for inp in sorted(dev.glob("energy*_input")):
                micro = _read_int(inp)
                if micro is None:
                    continue
                key = f"hwmon:{name}/{inp.name}"
                watts = self._counters.setdefault(key, EnergyCounter()).update(t, micro)
                if watts is not None:
                    power.append(Reading(watts, "W", key, "package"))

    def _powercap(self, t: float, power: list[Reading], missing: list[str]) -> None:
        for zone in sorted((self.root / "sys/class/powercap").glob("*")):
            # Top-level zones only ("intel-rapl:0"), not sub-zones ("intel-rapl:0:0"): those
            # are parts of the package and would be counted twice.
            if zone.name.count(":") != 1:
                continue
            energy_file = zone / "energy_uj"
            if not energy_file.exists():
                continue
            name = _read(zone / "name") or zone.name
            energy = _read_int(energy_file)
            if energy is None:
                missing.append(
                    f"powercap:{zone.name} ({name}): energy_uj not readable "
                    "(root-only since Linux 5.10)"
                )
                continue
            key = f"powercap:{zone.name}"
            counter = self._counters.setdefault(
                key, EnergyCounter(_read_int(zone / "max_energy_range_uj"))
            )
            watts = counter.update(t, energy)
            if watts is not None:
                role = "system" if name == "psys" else "package"
                power.append(Reading(watts, "W", f"{key} ({name})", role))

    def _battery(self, power: list[Reading]) -> None:
        for bat in sorted((self.root / "sys/class/power_supply").glob("BAT*")):
            # Only while discharging does the battery's draw equal the machine's.
            if (_read(bat / "status") or "").lower() != "discharging":
                continue
            micro_w = _read_int(bat / "power_now")
            if micro_w is None:
                amps, volts = _read_int(bat / "current_now"), _read_int(bat / "voltage_now")
                if amps is None or volts is None:
                    continue
                micro_w = abs(amps) * volts / 1e6
            power.append(Reading(abs(micro_w) / 1e6, "W", f"power_supply:{bat.name}", "battery"))
