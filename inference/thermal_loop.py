"""Closes the loop in the worker: sensors → governor → the scheduler's two knobs.

Each sensor sample (about 1 Hz, on the sampler's thread) becomes an Observation built from
the readings and from the decode steps the scheduler reported since the last sample; the
governor's answer sets the batch limit and the pacing delay for the next steps.
"""

from __future__ import annotations

import threading
from collections import deque

from inference.scheduler import Scheduler
from thermal.clock import Clock, SystemClock
from thermal.control import Observation, pacing_for
from thermal.governor import PRESETS, Governor, build_learning_governor
from thermal.knobs import StepReport
from thermal.priors import GENERIC, machine_model, match_device
from thermal.profiles import DeviceProfile
from thermal.sampler import Sampler
from thermal.sensors.readings import SensorSource, Snapshot
from thermal.sensors.simulated import SimulatedLaptop

HISTORY = 300  # samples kept for the tray graph (5 minutes at 1 Hz)
MAX_PACING_S = 2.0
# A cooling pause (duty 0): one step, then this long asleep. The scheduler re-reads its pacing
# after each sleep, so generation resumes by itself at most this long after the governor says so.
COOLING_PACING_S = 5.0


def build_governor(
    preset: str, max_batch: int, profile: DeviceProfile | None, period_s: float = 1.0
) -> Governor:
    """The learning governor, as on any machine. Its prior comes from the device table when
    this machine is in it (hw.model / DMI name), else the generic one; with a simulated
    profile (--thermal-sim) the generic one too: the simulator's truth is never handed over,
    so the status shows the governor converging on the simulated machine."""
    prior = GENERIC if profile is not None else match_device(machine_model())
    return build_learning_governor(preset, max_batch, prior, period_s)


class ThermalLoop:
    def __init__(
        self,
        scheduler: Scheduler,
        source: SensorSource,
        governor: Governor,
        preset: str,
        clock: Clock | None = None,
        period_s: float = 1.0,
        prefer: str = "auto",
    ) -> None:
        self.scheduler = scheduler
        self.source = source
        self.governor = governor
        self.preset = preset
        self.prefer = prefer
        self.clock = clock or SystemClock()
        self.sampler = Sampler(source, period_s, self.clock)
        self.sampler.add_listener(self._on_snapshot)
        self._lock = threading.Lock()
        self._busy_s = 0.0
        self._batch_s = 0.0
        self._step_s = 0.03  # EWMA of decode step time, for turning duty into pacing
        self._last_t = self.clock.monotonic()
        self._history: deque[dict] = deque(maxlen=HISTORY)
        self._last: dict = {}
        scheduler.add_step_observer(self._on_step)

    def start(self) -> None:
        self.sampler.start()

    def stop(self) -> None:
        self.sampler.stop()

    def set_preset(self, name: str) -> None:
        if name not in PRESETS:
            raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
        self.governor.set_config(PRESETS[name])
        self.preset = name

    def _on_step(self, report: StepReport) -> None:  # model thread
        if isinstance(self.source, SimulatedLaptop):
            self.source.record_step(report)
        with self._lock:
            self._busy_s += report.seconds
            self._batch_s += report.seconds * report.batch_size
            if report.seconds > 0:
                self._step_s += 0.1 * (report.seconds - self._step_s)

    def _on_snapshot(self, snapshot: Snapshot) -> None:  # sampler thread
        with self._lock:
            busy_s, batch_s, step_s = self._busy_s, self._batch_s, self._step_s
            self._busy_s = self._batch_s = 0.0
        interval = max(1e-3, snapshot.t - self._last_t)
        self._last_t = snapshot.t
        temp = snapshot.controlled_temperature(self.prefer)
        power = snapshot.total_power()
        status = self.scheduler.status()
        # Always governed under a limit: with no thermometer the governor holds a documented
        # blind cap (and says so) rather than letting the machine run flat out.
        governed = (
            self.governor.config.limit_c is not None
            or self.governor.config.power_limit_w is not None
            or snapshot.pressure is not None
        )
        if governed:
            obs = Observation(
                t=snapshot.t,
                temp_c=temp.value if temp else None,
                power_w=power.value if power else None,
                demand=status.active_requests + status.queued_requests,
                batch_in_use=round(batch_s / busy_s) if busy_s > 0 else 0,
                busy_fraction=min(1.0, busy_s / interval),
                pressure=snapshot.pressure,
            )
            act = self.governor.update(obs)
            self.scheduler.set_max_batch(act.max_batch)
            pacing = (
                COOLING_PACING_S
                if act.duty <= 0
                else min(MAX_PACING_S, pacing_for(act.duty, step_s))
            )
            self.scheduler.set_pacing(pacing)
        entry = {
            "t": round(snapshot.t, 1),
            "temperature_c": temp.value if temp else None,
            "power_w": round(power.value, 2) if power else self._estimated_power(governed),
            "throttle": self.governor.throttle if governed else 0.0,
            "tokens_per_s": status.tokens_per_s,
        }
        self._history.append(entry)
        self._last = {
            "temperature_source": temp.source if temp else None,
            "power_source": power.source
            if power
            else ("estimated from CPU load" if governed else None),
            "pressure": snapshot.pressure,
            "missing_sensors": list(snapshot.missing),
            "governed": governed,
            **self._governor_status(governed),
        }

    def _estimated_power(self, governed: bool) -> float | None:
        watts = self.governor.last_power_w if governed else None
        return None if watts is None else round(watts, 2)

    def _governor_status(self, governed: bool) -> dict:
        """The governor's own account: state, words, the expected cooling wait, where the watts
        come from and how far to trust them, what it has learned of the machine."""
        if not governed:
            return {"thermal_state": "ungoverned", "thermal_note": "no thermal control"}
        st = self.governor.status
        return {
            "thermal_state": st.state,
            "thermal_note": st.text,
            "cooling_wait_s": None if st.cooling_wait_s is None else round(st.cooling_wait_s),
            "power_estimate": st.power_source,
            "power_trust": st.power_trust,
            "temperature_sensor": st.temperature_sensor,
            "learned": {
                "sustainable_w": st.sustainable_w,
                "thermal_resistance_c_per_w": st.thermal_resistance_c_per_w,
                "ambient_c": st.ambient_c,
                "device_prior": st.device_prior,
            },
        }

    def status_extra(self) -> dict:
        latest = self._history[-1] if self._history else {}
        cfg = self.governor.config
        return {
            "temperature_c": latest.get("temperature_c"),
            "power_w": latest.get("power_w"),
            "throttle": latest.get("throttle", 0.0),
            "preset": self.preset,
            "temperature_limit_c": cfg.limit_c,
            "power_limit_w": cfg.power_limit_w,
            **self._last,
            "history": list(self._history)[-120:],
        }
