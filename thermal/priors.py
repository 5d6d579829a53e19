"""Device priors: what the governor assumes about a machine before it has measured it.

Read from resources/thermal/devices/*.json, one machine class per file:
{
  "name": "macbook-air-m2",
  "match": ["Mac14,2", "Mac14,15"],       # hw.model on macOS; on Linux the DMI product name
                                           # and version ("21BX0015US / ThinkPad X13s Gen 1")
                                           # or the device-tree model; case-insensitive globs
  "source": "estimate: …",               # where the numbers come from; all are estimates
  "thermal": {"r1": 3.0, "c1": 8, "r2": 3.5, "c2": 350},     # °C/W and J/K (optional)
  "power": {"idle_w": 2, "batch1_w": 10, "full_w": 12},      # W (optional)
  "blind_cap_w": 4.0                       # the cap with no temperature sensor (optional)
}
A machine no entry matches gets the generic prior: a die that heats fast (high R1, so the
first approach is slow rather than overshooting) and desktop-class watts (so that with no
power sensor the 18 W cap holds on the true power). Learning replaces both within minutes.
"""

from __future__ import annotations

import fnmatch
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from thermal.identification import GENERIC_THERMAL, ThermalPrior
from thermal.power_model import GENERIC_POWER, PowerPrior
from thermal.profiles import RESOURCES

# With no temperature at all: a fanless 13-inch laptop's sustainable power at 55 °C in a
# 25 °C room (the shipped fanless profile: 30 °C over 7 °C/W = 4.3 W), less 20 % for a warmer
# room and the power figure's own error. Blind, we assume the weakest machine.
GENERIC_BLIND_CAP_W = 3.5


@dataclass(frozen=True)
class MachinePrior:
    name: str
    source: str
    thermal: ThermalPrior = GENERIC_THERMAL
    power: PowerPrior = GENERIC_POWER
    blind_cap_w: float = GENERIC_BLIND_CAP_W
    match: tuple[str, ...] = ()


GENERIC = MachinePrior("generic", "no device entry matched: conservative generic prior")


def load_device_table(folder: Path | None = None) -> list[MachinePrior]:
    """Every device entry, sorted by name."""
    folder = folder or RESOURCES / "devices"
    table = []
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text())
        table.append(
            MachinePrior(
                name=data["name"],
                source=data["source"],
                thermal=ThermalPrior(**data["thermal"]) if "thermal" in data else GENERIC_THERMAL,
                power=PowerPrior(**data["power"]) if "power" in data else GENERIC_POWER,
                blind_cap_w=float(data.get("blind_cap_w", GENERIC_BLIND_CAP_W)),
                match=tuple(data.get("match", ())),
            )
        )
    return table


def match_device(model: str | None, table: list[MachinePrior] | None = None) -> MachinePrior:
    """The entry with the most specific pattern matching `model`, else generic.

    Patterns match the whole name (an identifier like "Mac14,1" must not claim "Mac14,13");
    a "*" in a pattern is a wildcard. Fewer wildcards, then a longer pattern, wins."""
    if not model:
        return GENERIC
    wanted = model.strip().lower()
    best, best_key = GENERIC, None
    for entry in table if table is not None else load_device_table():
        for pattern in entry.match:
            p = pattern.strip().lower()
            if p and fnmatch.fnmatchcase(wanted, p):
                key = (-p.count("*"), len(p))
                if best_key is None or key > best_key:
                    best, best_key = entry, key
    return best


def machine_model() -> str | None:
    """This machine's model name: `sysctl hw.model` on macOS, DMI product_name on Linux,
    the device-tree model on ARM boards (Raspberry Pi)."""
    if sys.platform == "darwin":
        try:
            out = subprocess.run(
                ["sysctl", "-n", "hw.model"], capture_output=True, text=True, timeout=2
            )
            return out.stdout.strip() or None
        except (OSError, subprocess.SubprocessError):
            return None
    parts = []
    for path in (
        "/sys/class/dmi/id/product_name",
        "/sys/class/dmi/id/product_version",
        "/proc/device-tree/model",
    ):
        try:
            text = Path(path).read_text(errors="replace").strip("\x00\n ")
        except OSError:
            continue
        if text:
            parts.append(text)
    return " / ".join(parts) or None
