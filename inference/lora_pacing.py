"""Training governed like generation: the thermal loop's knobs, implemented for a training run.

`ThermalLoop` turns sensor readings into two scheduler knobs (batch limit, pacing delay) and
learns from the step reports it observes. `TrainingPacer` offers the same surface, so the
unchanged loop governs LoRA training: each optimiser step is reported as a step, and after it
the pacer sleeps the governor's pacing on an injectable clock (a fake one in tests).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from thermal.clock import Clock, SystemClock
from thermal.knobs import StepReport

# Long pauses (a cooling pause is 5 s) are slept in slices, so a stop and a changed pacing are
# both noticed within this long.
SLICE_S = 0.25


@dataclass(frozen=True)
class TrainingStatus:
    """What ThermalLoop reads from its 'scheduler': demand and speed of the training run."""

    active_requests: int
    queued_requests: int
    max_batch: int
    pacing_s: float
    tokens_per_s: float


class TrainingPacer:
    """The throttle knobs of a training run; also where a stop request is kept."""

    def __init__(self, batch_size: int = 1, clock: Clock | None = None) -> None:
        self.clock = clock or SystemClock()
        self.batch_size = batch_size
        self._pacing_s = 0.0
        self._max_batch = batch_size
        self._observers: list[Callable[[StepReport], None]] = []
        self._tokens_per_s = 0.0
        self.paced_s = 0.0  # total time held back by the governor, for the progress line
        self._stop = threading.Event()

    # The ThrottleKnobs the thermal loop turns.
    def set_max_batch(self, n: int) -> None:
        # A training batch's shape is part of the optimisation, so it is not shrunk mid-run;
        # the governor's duty cycle (pacing) is what holds training under the limits.
        self._max_batch = max(1, int(n))

    def set_pacing(self, seconds: float) -> None:
        self._pacing_s = max(0.0, float(seconds))

    def add_step_observer(self, observer: Callable[[StepReport], None]) -> None:
        self._observers.append(observer)

    def status(self) -> TrainingStatus:
        return TrainingStatus(
            active_requests=0 if self._stop.is_set() else 1,
            queued_requests=0,
            max_batch=self._max_batch,
            pacing_s=self._pacing_s,
            tokens_per_s=self._tokens_per_s,
        )

    # Stop: from Ctrl+C, the tuning window, or a test.
    def request_stop(self) -> None:
        self._stop.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    def after_step(self, seconds: float, tokens: int) -> float:
        """Report one finished optimiser step, then hold back as the governor asks.
        Returns the seconds slept."""
        if seconds > 0:
            self._tokens_per_s = tokens / seconds
        report = StepReport(batch_size=self.batch_size, seconds=seconds, tokens=tokens)
        for observer in self._observers:
            observer(report)
        slept = 0.0
        # Re-read the pacing after every slice: a cooling pause ends when the governor says so.
        while not self._stop.is_set():
            remaining = self._pacing_s - slept
            if remaining <= 1e-9:
                break
            chunk = min(SLICE_S, remaining)
            self.clock.sleep(chunk)
            slept += chunk
        self.paced_s += slept
        return slept


def governed_pacer(
    batch_size: int, preset: str = "cool", thermal_sim: str | None = None
) -> tuple[TrainingPacer, object]:
    """A pacer under the same governor `fennec serve` runs (real sensors, or a simulated
    laptop); returns it with the thermal loop, which the caller starts and stops."""
    from inference.thermal_loop import ThermalLoop, build_governor

    pacer = TrainingPacer(batch_size)
    if thermal_sim:
        from thermal.profiles import load_profile
        from thermal.sensors.simulated import SimulatedLaptop

        profile = load_profile(thermal_sim)
        source = SimulatedLaptop(profile)
        governor = build_governor(preset, batch_size, profile)
    else:
        from thermal.sensors.platform import platform_sensors

        source = platform_sensors()
        governor = build_governor(preset, batch_size, None)
    loop = ThermalLoop(pacer, source, governor, preset)  # type: ignore[arg-type]
    return pacer, loop
