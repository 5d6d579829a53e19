"""Fennec's thermal and power governor.

A power budget comes from a PID loop on temperature in the style of the Linux kernel's
power_allocator (IPA): sustainable power as feed-forward, separate proportional gains above
and below the target, an integral that only runs near or above the target. The budget is
capped by the power limit over a rolling window, then mapped to the largest batch that fits
and a duty cycle (pacing), using an online estimate of power per batch size. The OS's
serious/critical thermal pressure overrides everything. Changes are dead-banded so the
actuators do not churn.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace

from thermal.control import Actuation, Observation


@dataclass(frozen=True)
class GovernorConfig:
    limit_c: float | None = 55.0  # None: no temperature control of our own (OS limits only)
    power_limit_w: float | None = 18.0
    margin_c: float = 0.8  # the loop aims this far under the limit: sensor noise, lag
    power_margin_w: float = 0.5
    power_window_s: int = 60
    # Gains are per watt of sustainable power, as IPA derives its own from sustainable power,
    # so one tuning fits a 4 W fanless laptop and a 15 W workstation alike.
    k_po: float = 0.35  # per °C above the target (the brake)
    k_pu: float = 0.3  # per °C below the target
    k_i: float = 0.006  # per °C·s
    k_d: float = 0.5  # per °C/s of rise: brakes a fast approach before it overshoots
    integral_cutoff_c: float = 2.0
    quiet_zone_c: float = 0.5
    k_quiet: float = 0.05  # per °C inside the quiet zone
    slope_deadband_c_per_s: float = 0.05
    max_batch: int = 8
    min_duty: float = 0.02
    duty_deadband: float = 0.06
    deadband_decay_s: float = 60.0
    hold_s: float = 3.0  # the least time between two non-urgent cuts
    hold_up_s: float = 3.0  # the least time before speeding up again
    urgent_over_c: float = 0.2  # at limit + this, cutting back skips the hold time
    slew_zone_c: float = 8.0  # within this far of the limit, the budget rises at most …
    slew_per_s: float = 0.07  # … this share of sustainable power per second
    filter_alpha: float = 0.3
    filter_beta: float = 0.06


PRESETS: dict[str, GovernorConfig] = {
    "cool": GovernorConfig(limit_c=55.0, power_limit_w=18.0),
    "balanced": GovernorConfig(limit_c=70.0, power_limit_w=30.0),
    "performance": GovernorConfig(limit_c=None, power_limit_w=None),
}
PRESET_LABELS = {"cool": "Cool & quiet", "balanced": "Balanced", "performance": "Performance"}


class PowerEstimate:
    """Active power per batch size: a prior shape, scaled by what the power sensor reports.

    A power reading describes the work of `lag` periods before the observation carrying it,
    so readings are paired with the (batch, busy) of that period, and only learned from when
    the load was steady across it.
    """

    def __init__(
        self, prior: Callable[[int], float], idle_w: float, alpha: float = 0.1, lag: int = 1
    ) -> None:
        self._prior = prior
        self.idle_w = idle_w
        self.scale = 1.0
        self._alpha = alpha
        self._loads: deque[tuple[int, float, int]] = deque(maxlen=lag + 1)

    def active_w(self, batch: int) -> float:
        return self.idle_w + self.scale * max(0.1, self._prior(batch) - self.idle_w)

    def learn(self, obs: Observation) -> None:
        self._loads.append((obs.batch_in_use, obs.busy_fraction, obs.demand))
        if obs.power_w is None or len(self._loads) < self._loads.maxlen:
            return
        batch, busy, demand = self._loads[0]
        if any(load[:2] != (batch, busy) for load in self._loads):
            return  # the load changed within the sensor's lag: the reading is a blend
        if demand == 0 and busy == 0:
            self.idle_w += self._alpha * (obs.power_w - self.idle_w)
        elif busy >= 0.1 and batch > 0:
            seen = (obs.power_w - self.idle_w) / busy
            prior = max(0.1, self._prior(batch) - self.idle_w)
            ratio = min(5.0, max(0.2, seen / prior))
            self.scale += self._alpha * (ratio - self.scale)


class Governor:
    """Call `update` once per control period (about 1 s) with the latest observation."""

    name = "fennec"

    def __init__(
        self, config: GovernorConfig, sustainable_w: float, estimate: PowerEstimate
    ) -> None:
        self.config = config
        self.sustainable_w = sustainable_w
        self.estimate = estimate
        self._integral = 0.0
        self._power_cap_cut = 0.0
        self._cap = float("inf")
        self._thermal_out: float | None = None
        self._window: deque[float] = deque(maxlen=config.power_window_s)
        self._last_t: float | None = None
        self._last_temp: float | None = None
        self._slope = 0.0
        self._current = Actuation(config.max_batch, 1.0)
        self._last_change_t = -1e9
        self.budget_w = float("inf")
        self.changes = 0

    def set_config(self, config: GovernorConfig) -> None:
        """Switch presets live; the loop's memory carries over."""
        self.config = replace(config, max_batch=self.config.max_batch)

    @property
    def throttle(self) -> float:
        """0 = full speed, 1 = stopped: for the tray and status."""
        return round(1.0 - self._current.duty, 3)

    def update(self, obs: Observation) -> Actuation:
        dt = 1.0 if self._last_t is None else max(1e-3, obs.t - self._last_t)
        self._last_t = obs.t
        self.estimate.learn(obs)
        self._cap = self._power_cap(obs)
        budget = min(self._slew(self._thermal_budget(obs, dt), obs, dt), self._cap)
        if obs.pressure == "critical":
            budget = self.estimate.idle_w
        elif obs.pressure == "serious":
            budget = min(
                budget, self.estimate.idle_w + 0.5 * (self.sustainable_w - self.estimate.idle_w)
            )
        self.budget_w = budget
        if obs.demand == 0 and obs.pressure not in ("serious", "critical"):
            return self._current  # nothing to run: keep the setting for when work returns
        wanted = self._map(budget, obs.demand)
        return self._settle(wanted, obs, urgent=obs.pressure in ("serious", "critical"))

    def _thermal_budget(self, obs: Observation, dt: float) -> float:
        cfg = self.config
        if cfg.limit_c is None or obs.temp_c is None:
            # No control temperature of our own (or no sensor): hold the sustainable estimate
            # when a limit exists, else run free under the OS's own limits.
            return self.sustainable_w if cfg.limit_c is not None else float("inf")
        temp = self._filter(obs.temp_c, dt)
        target = cfg.limit_c - cfg.margin_c
        err = target - temp  # positive: headroom
        scale = max(self.sustainable_w, 0.5)
        # Inside a quiet zone around the target only a gentle gain acts (the integral holds the
        # operating point), so sensor noise does not turn into actuator churn.
        quiet = cfg.quiet_zone_c
        inner = max(-quiet, min(quiet, err))
        outer = err - inner
        p = cfg.k_quiet * scale * inner + (cfg.k_pu if outer >= 0 else cfg.k_po) * scale * outer
        rising = max(0.0, self._slope - cfg.slope_deadband_c_per_s)
        d = -cfg.k_d * scale * rising if err < 3.0 else 0.0
        output = self.sustainable_w + p + d + self._integral
        # Integrate only near or above the target (as IPA does), and never further into
        # saturation: not upward while the power cap or full speed already binds.
        saturated_high = output >= min(self._cap, self.estimate.active_w(self.config.max_batch))
        saturated_low = output <= self.estimate.idle_w
        # Idle periods say nothing about the operating point: the integral waits for work.
        if (
            obs.demand > 0
            and err < cfg.integral_cutoff_c
            and not ((err > 0 and saturated_high) or (err < 0 and saturated_low))
        ):
            self._integral += cfg.k_i * scale * err * dt
            bound = max(self.sustainable_w, 1.0) * 2
            self._integral = min(bound, max(-self.sustainable_w, self._integral))
        return self.sustainable_w + p + d + self._integral

    def _slew(self, budget: float, obs: Observation, dt: float) -> float:
        """Near the limit the budget rises gradually: a fast die heats within seconds, faster
        than a lagged sensor can report, so a sudden full-power burst would overshoot."""
        cfg = self.config
        previous = self._thermal_out
        near = (
            cfg.limit_c is not None
            and obs.temp_c is not None
            and (obs.temp_c > cfg.limit_c - cfg.slew_zone_c)
        )
        if near and previous is not None and budget > previous:
            budget = min(budget, previous + cfg.slew_per_s * max(self.sustainable_w, 0.5) * dt)
        if obs.demand > 0:
            self._thermal_out = budget
        return budget

    def _filter(self, measured: float, dt: float) -> float:
        """Alpha-beta filter: a smoothed temperature and rate of rise, so sensor noise does not
        become actuator churn; the estimate looks one period ahead to make up for sensor lag."""
        cfg = self.config
        if self._last_temp is None:
            self._last_temp, self._slope = measured, 0.0
            return measured
        predicted = self._last_temp + self._slope * dt
        residual = measured - predicted
        self._last_temp = predicted + cfg.filter_alpha * residual
        self._slope += cfg.filter_beta * residual / dt
        return self._last_temp + self._slope * dt

    def _power_cap(self, obs: Observation) -> float:
        cfg = self.config
        if cfg.power_limit_w is None:
            return float("inf")
        if obs.power_w is not None:
            self._window.append(obs.power_w)
            mean = sum(self._window) / len(self._window)
            # Integrate the window's excess so the rolling mean settles under the limit.
            excess = mean - (cfg.power_limit_w - cfg.power_margin_w)
            self._power_cap_cut = max(0.0, self._power_cap_cut + 0.2 * excess)
        return cfg.power_limit_w - cfg.power_margin_w - self._power_cap_cut

    def _map(self, budget: float, demand: int) -> Actuation:
        """The largest batch whose power fits the budget at full speed, else pace it.

        The limit stays put while demand comes and goes (the scheduler simply runs what is
        there); the duty is sized for the batch the current demand will actually fill.
        """
        cfg = self.config
        running = max(1, min(cfg.max_batch, demand if demand > 0 else cfg.max_batch))
        for batch in range(cfg.max_batch, 0, -1):
            if self.estimate.active_w(min(batch, running)) <= budget:
                return Actuation(batch, 1.0)
        active = self.estimate.active_w(running)
        duty = (budget - self.estimate.idle_w) / max(0.1, active - self.estimate.idle_w)
        return Actuation(cfg.max_batch, min(1.0, max(cfg.min_duty, duty)))

    def _settle(self, wanted: Actuation, obs: Observation, urgent: bool) -> Actuation:
        """Bounded churn: a change must be worth a dead-band, and raising speed waits out a
        hold time; cutting back when over the limit, or on OS pressure, happens at once."""
        cfg = self.config
        cur = self._current
        if wanted == cur:
            return cur
        over = (
            cfg.limit_c is not None
            and obs.temp_c is not None
            and obs.temp_c >= cfg.limit_c + cfg.urgent_over_c
        )
        cutting = wanted.duty < cur.duty or wanted.max_batch < cur.max_batch
        since = obs.t - self._last_change_t
        # The dead-band narrows the longer the setting holds, so it cannot park the loop a
        # few percent short of the best setting for good.
        band = cfg.duty_deadband * max(0.2, 1.0 - since / cfg.deadband_decay_s)
        big = abs(wanted.duty - cur.duty) >= band or wanted.max_batch != cur.max_batch
        if cutting:
            go = urgent or over or (big and since >= cfg.hold_s)
        else:
            go = (big or wanted.duty >= 1.0) and since >= cfg.hold_up_s
        if go:
            self._current = wanted
            self._last_change_t = obs.t
            self.changes += 1
        return self._current
