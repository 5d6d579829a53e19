"""A simulated laptop as a sensor source: the RC model heated by work reported to it.

In `fennec serve --thermal-sim PROFILE` the scheduler reports each decode step; the power
of each interval follows from the work actually done (busy share and batch size, through
the profile's power model), so the whole loop can be shown on a machine without sensors.
"""

from __future__ import annotations

import random
import threading

from thermal.clock import Clock, SystemClock
from thermal.knobs import StepReport
from thermal.profiles import DeviceProfile
from thermal.sensors.readings import Reading, Snapshot
from thermal.simulation import NoisySensor, RCThermal


class SimulatedLaptop:
    def __init__(
        self,
        profile: DeviceProfile,
        clock: Clock | None = None,
        seed: int = 0,
        temp_sigma_c: float = 0.25,
        power_sigma_w: float = 0.2,
    ) -> None:
        self.profile = profile
        self.clock = clock or SystemClock()
        self._thermal = RCThermal(profile, profile.ambient_c)
        rng = random.Random(seed)
        self._temp_sensor = NoisySensor(1, temp_sigma_c, 0.1, rng)
        self._power_sensor = NoisySensor(1, power_sigma_w, 0.0, rng)
        self._lock = threading.Lock()
        self._busy_s = 0.0
        self._batch_weighted = 0.0
        self._last_t = self.clock.monotonic()

    def record_step(self, report: StepReport) -> None:
        """Called from the model thread after each decode step."""
        with self._lock:
            self._busy_s += report.seconds
            self._batch_weighted += report.seconds * report.batch_size

    def read(self) -> Snapshot:
        t = self.clock.monotonic()
        with self._lock:
            busy_s, batch_weighted = self._busy_s, self._batch_weighted
            self._busy_s = self._batch_weighted = 0.0
        interval = max(1e-3, t - self._last_t)
        self._last_t = t
        busy = min(1.0, busy_s / interval)
        batch = round(batch_weighted / busy_s) if busy_s > 0 else 0
        pw = self.profile.power
        power = pw.p_idle + busy * (pw.active_power(max(batch, 1)) - pw.p_idle)
        self._thermal.advance(power, self.profile.ambient_c, interval)
        node = self._thermal.t1 if self.profile.controlled == "die" else self._thermal.t2
        temps = (
            Reading(
                round(self._temp_sensor.read(node), 1),
                "°C",
                f"simulated:{self.profile.name}/{self.profile.controlled}",
                self.profile.controlled if self.profile.controlled == "skin" else "die",
            ),
        )
        watts = (
            Reading(
                round(max(0.0, self._power_sensor.read(power)), 2),
                "W",
                f"simulated:{self.profile.name}/package",
                "package",
            ),
        )
        return Snapshot(t, temps, watts, None, ())
