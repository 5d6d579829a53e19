"""Controllers to measure the governor against: none, bang-bang, and the kernel's step_wise."""

from __future__ import annotations

from thermal.control import Actuation, Observation


class NoGovernor:
    """Everything the demand allows, always: what LM Studio, Ollama and friends do."""

    name = "none"

    def __init__(self, max_batch: int) -> None:
        self.max_batch = max_batch

    def update(self, obs: Observation) -> Actuation:
        return Actuation(self.max_batch, 1.0)


class BangBang:
    """Stop when the temperature or power is over its limit, run flat out when under."""

    name = "bang-bang"

    def __init__(self, max_batch: int, limit_c: float, power_limit_w: float | None) -> None:
        self.max_batch, self.limit_c, self.power_limit_w = max_batch, limit_c, power_limit_w
        self._on = True

    def update(self, obs: Observation) -> Actuation:
        hot = obs.temp_c is not None and obs.temp_c >= self.limit_c
        watts = (
            self.power_limit_w is not None
            and obs.power_w is not None
            and obs.power_w >= self.power_limit_w
        )
        self._on = not (hot or watts)
        return Actuation(self.max_batch, 1.0 if self._on else 0.0)


class StepWise:
    """The Linux kernel's step_wise: one cooling step per poll while over the trip point and
    rising, one step back when under it and falling. Cooling state k of N runs at duty 1 − k/N."""

    name = "step_wise"

    def __init__(self, max_batch: int, trip_c: float, levels: int = 10) -> None:
        self.max_batch, self.trip_c, self.levels = max_batch, trip_c, levels
        self.state = 0
        self._last: float | None = None

    def update(self, obs: Observation) -> Actuation:
        if obs.temp_c is not None:
            trend = 0.0 if self._last is None else obs.temp_c - self._last
            self._last = obs.temp_c
            if obs.temp_c > self.trip_c and trend >= 0:
                self.state = min(self.levels, self.state + 1)
            elif obs.temp_c < self.trip_c and trend <= 0:
                self.state = max(0, self.state - 1)
        return Actuation(self.max_batch, 1.0 - self.state / self.levels)


class Constant:
    """One fixed setting for the whole run: what a user could pick by hand."""

    name = "constant"

    def __init__(self, max_batch: int, duty: float) -> None:
        self.act = Actuation(max_batch, duty)

    def update(self, obs: Observation) -> Actuation:
        return self.act
