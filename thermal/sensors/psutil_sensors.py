"""psutil's view: temperatures on Linux/FreeBSD (it reads hwmon too), used when sysfs is not
where we expect it (containers with a different /sys, BSDs)."""

from __future__ import annotations

from thermal.clock import Clock, SystemClock
from thermal.sensors.linux_sysfs import _role
from thermal.sensors.readings import Reading, Snapshot


class PsutilSensors:
    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock or SystemClock()

    def read(self) -> Snapshot:
        import psutil

        t = self.clock.monotonic()
        temps = []
        reader = getattr(psutil, "sensors_temperatures", None)
        groups = reader() if reader is not None else {}
        for chip, entries in sorted(groups.items()):
            for e in entries:
                if e.current is None or e.current <= -273:
                    continue
                label = e.label or chip
                temps.append(
                    Reading(
                        float(e.current), "°C", f"psutil:{chip}/{label}", _role(f"{chip} {label}")
                    )
                )
        missing = () if temps else ("temperature: psutil found no sensors",)
        return Snapshot(t, tuple(temps), (), None, missing)
