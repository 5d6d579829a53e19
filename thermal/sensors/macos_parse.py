"""macOS sensor values, decoded: SMC key data, IOReport energy channels, thermal state.

Pure functions, tested here with recorded values; `macos.py` is the thin layer of OS calls.
"""

from __future__ import annotations

import struct

from thermal.sensors.readings import Reading

THERMAL_STATES = ("nominal", "fair", "serious", "critical")  # NSProcessInfoThermalState 0..3

# SMC temperature key prefixes on Apple Silicon (as macmon and Stats read them):
# Tp*/Te* performance/efficiency CPU cores, Tf* further SoC die points, Tg* GPU.
_DIE_PREFIXES = ("Tp", "Te", "Tf", "Tg")
_PLAUSIBLE_C = (1.0, 130.0)

_ENERGY_UNITS = {"mJ": 1e-3, "uJ": 1e-6, "µJ": 1e-6, "nJ": 1e-9, "J": 1.0}


def decode_smc(data_type: str, raw: bytes) -> float:
    """An SMC value as a number. Types: 'flt ' (little-endian float, Apple Silicon), 'sp78'
    (signed 8.8 fixed, big-endian), 'fpe2' (unsigned 14.2), 'ui8 ', 'ui16', 'ui32'."""
    if data_type == "flt ":
        return struct.unpack("<f", raw[:4])[0]
    if data_type == "sp78":
        return struct.unpack(">h", raw[:2])[0] / 256.0
    if data_type == "fpe2":
        return struct.unpack(">H", raw[:2])[0] / 4.0
    if data_type == "ui8 ":
        return float(raw[0])
    if data_type == "ui16":
        return float(struct.unpack(">H", raw[:2])[0])
    if data_type == "ui32":
        return float(struct.unpack(">I", raw[:4])[0])
    raise ValueError(f"unsupported SMC data type {data_type!r}")


def smc_temperatures(values: dict[str, float]) -> list[Reading]:
    """Die temperatures from SMC keys; implausible values (unpopulated keys read 0 or junk)
    are dropped, never reported as 0."""
    readings = []
    for key, value in sorted(values.items()):
        if not key.startswith(_DIE_PREFIXES):
            continue
        if not _PLAUSIBLE_C[0] <= value <= _PLAUSIBLE_C[1]:
            continue
        readings.append(Reading(round(value, 2), "°C", f"smc:{key}", "die"))
    return readings


def smc_system_power(values: dict[str, float]) -> Reading | None:
    """PSTR: total system power in W, where the machine has it."""
    value = values.get("PSTR")
    if value is None or not 0.0 < value < 500.0:
        return None
    return Reading(round(value, 2), "W", "smc:PSTR", "system")


def ioreport_power(deltas: list[tuple[str, int, str]], interval_s: float) -> list[Reading]:
    """Power per component from IOReport "Energy Model" deltas: (channel, energy, unit).

    Channels named like "CPU Energy", "GPU Energy", "ANE", "DRAM" are summed per component;
    per-core sub-channels (e.g. "ECPU0", "PCPU3") are skipped, since the cluster totals
    already contain them.
    """
    if interval_s <= 0:
        return []
    totals: dict[str, float] = {}
    for name, energy, unit in deltas:
        scale = _ENERGY_UNITS.get(unit)
        if scale is None:
            continue
        component = _component(name)
        if component is None:
            continue
        totals[component] = totals.get(component, 0.0) + energy * scale / interval_s
    return [
        Reading(round(w, 3), "W", f"ioreport:{c}", "package") for c, w in sorted(totals.items())
    ]


def _component(channel: str) -> str | None:
    # Cluster channels ("ECPU Energy", "PCPU Energy") are parts of "CPU Energy": exact names
    # for the totals so nothing is counted twice.
    if channel == "CPU Energy":
        return "CPU"
    if channel == "GPU Energy":
        return "GPU"
    if channel.startswith("ANE"):
        return "ANE"
    if channel.startswith("DRAM"):
        return "DRAM"
    return None


def thermal_state_name(value: int) -> str | None:
    return THERMAL_STATES[value] if 0 <= value < len(THERMAL_STATES) else None
