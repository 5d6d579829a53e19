"""The sensors of the machine we are running on."""

from __future__ import annotations

import sys

from thermal.clock import Clock
from thermal.sensors.readings import SensorSource


def platform_sensors(clock: Clock | None = None) -> SensorSource:
    if sys.platform == "darwin":
        from thermal.sensors.macos import MacSensors

        return MacSensors(clock)
    from thermal.sensors.linux_sysfs import LinuxSysfs

    sysfs = LinuxSysfs("/", clock)
    if sysfs.read().temperatures:
        return sysfs
    from thermal.sensors.psutil_sensors import PsutilSensors

    return PsutilSensors(clock)
