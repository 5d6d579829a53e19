"""Fennec's thermal and power governor: identification + control.

Identification (thermal/identification.py, thermal/power_model.py) learns the machine from
the governor's own readings, starting from a device or generic prior. Control turns that
into a power budget:

- thermal: the power whose die equilibrium, over the enclosure temperature that a Kalman
  observer infers, is the target (limit − margin). Because the observer treats the
  enclosure as an unknown slow drift it absorbs any model error, so the loop has integral
  action without an integrator to wind up; and because the budget never asks for more than
  the die can take at equilibrium, the approach to the limit does not overshoot;
- power: an integrator on the rolling mean of the (measured or estimated) power;
- the OS's serious/critical thermal pressure overrides both;

then maps the budget to the largest batch that fits and a duty cycle (pacing) from the
learned power per batch. The duty may reach 0: a cooling pause. Changes are dead-banded so
the actuators do not churn. Nothing here knows the simulator's truth.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, replace

from thermal.control import Actuation, Observation
from thermal.governor_status import GovernorStatus, describe
from thermal.identification import ThermalIdentifier
from thermal.power_model import PowerModel
from thermal.priors import GENERIC, MachinePrior
from thermal.sensor_health import POWER_RULES, TEMPERATURE_RULES, SensorHealth


@dataclass(frozen=True)
class GovernorConfig:
    limit_c: float | None = 55.0  # None: no temperature control of our own (OS limits only)
    power_limit_w: float | None = 18.0
    margin_c: float = 0.8  # the loop aims this far under the limit: sensor noise, lag
    power_margin_w: float = 0.5
    power_window_s: int = 60
    horizon_s: float = 20.0  # headroom under the target is spent over at least this long
    max_batch: int = 8
    duty_deadband: float = 0.08
    deadband_floor: float = 0.045  # the dead-band never narrows below this
    deadband_decay_s: float = 90.0
    hold_s: float = 6.0  # the least time between two non-urgent cuts
    hold_up_s: float = 15.0  # the least time before speeding up again
    urgent_over_c: float = 0.2  # at limit + this, cutting back skips the hold time
    gap_hold_s: float = 15.0  # a temperature gap shorter than this holds the budget as it was


PRESETS: dict[str, GovernorConfig] = {
    "cool": GovernorConfig(limit_c=55.0, power_limit_w=18.0),
    "balanced": GovernorConfig(limit_c=70.0, power_limit_w=30.0),
    "performance": GovernorConfig(limit_c=None, power_limit_w=None),
}
PRESET_LABELS = {"cool": "Cool & quiet", "balanced": "Balanced", "performance": "Performance"}


HORIZON_S = 30.0  # the power cap plans this far ahead within its window …
NEAREST_S = 10.0  # … and no nearer than this
MIN_DUTY = 0.005  # below this a sliver of duty is a pause (the 45-W prior makes real duties small)
# Speeding up adds at most SLEW × the duty now (from a pause: SLEW × RESUME_DUTY) per step: a
# die model that is wrong (a fast die behind a late thermometer fits badly) then costs a small
# overshoot, where one step from 5 % to 64 % duty took a fanless die from 48 to 66 °C. (1.0
# held that die lower still, but starved the identification of the excitation it learns from.)
RESUME_DUTY = 0.05
SLEW = 1.5
READING_S = 4.0  # the thermometer's own smoothed reading, a check on the observer's die


class Governor:
    """Call `update` once per sensor sample (about 1 Hz) with the latest observation."""

    name = "fennec"

    def __init__(
        self, config: GovernorConfig, prior: MachinePrior = GENERIC, period_s: float = 1.0
    ) -> None:
        self.config = config
        self.prior = prior
        self.period_s = period_s
        self.plant = ThermalIdentifier(prior.thermal, period_s)
        self.power = PowerModel(prior.power, config.max_batch)
        self.temp_health = SensorHealth(TEMPERATURE_RULES)
        self.power_health = SensorHealth(POWER_RULES)
        self._window: deque[float] = deque(maxlen=max(1, round(config.power_window_s / period_s)))
        self._thermal_w = float("inf")
        self._last_temp_t: float | None = None
        self._held_w: list[float] = []  # power while the loop held the target: the blind cap
        self._current = Actuation(config.max_batch, 1.0)
        self._last_change_t = -1e9
        self._over_since: float | None = None
        self._reading: float | None = None  # the readings' short moving average
        self.budget_w = float("inf")
        self.last_power_w: float | None = None  # measured, or estimated from load
        self.changes = 0
        self.status = GovernorStatus()

    def set_config(self, config: GovernorConfig) -> None:
        """Switch presets live; what was learned carries over."""
        self.config = replace(config, max_batch=self.config.max_batch)

    @property
    def throttle(self) -> float:
        """0 = full speed, 1 = stopped: for the tray and status."""
        return round(1.0 - self._current.duty, 3)

    @property
    def status_text(self) -> str:
        return self.status.text

    def update(self, obs: Observation) -> Actuation:
        power_w, power_source = self._power_reading(obs)
        self.last_power_w = power_w
        temp = self.temp_health.check(obs.t, obs.temp_c, power_w)
        if temp is not None:
            self.plant.observe(obs.t, temp, power_w, measured=power_source == "measured")
            self._last_temp_t = obs.t
            alpha = min(1.0, self.period_s / READING_S)
            self._reading = (
                temp if self._reading is None else self._reading + alpha * (temp - self._reading)
            )
        cap = self._power_cap(power_w)
        thermal = self._thermal_budget(obs.t, temp, power_w)
        budget = min(thermal, cap)
        if obs.pressure == "critical":
            budget = self.power.idle_w
        elif obs.pressure == "serious":
            budget = min(
                budget, self.power.idle_w + 0.5 * (self.power.active_w(1) - self.power.idle_w)
            )
        self.budget_w = budget
        if obs.demand == 0 and obs.pressure not in ("serious", "critical"):
            act = self._current  # nothing to run: keep the setting for when work returns
        else:
            wanted = self._map(budget, obs.demand)
            act = self._settle(wanted, obs, temp, urgent=obs.pressure in ("serious", "critical"))
        self._track_over(obs.t, temp, act)
        self.status = describe(self, obs, temp, power_source, act, self._over_since)
        return act

    # -- readings -----------------------------------------------------------------------
    def _power_reading(self, obs: Observation) -> tuple[float, str]:
        """The power figure the loop uses, and where it came from."""
        measured = self.power_health.check(obs.t, obs.power_w, obs.busy_fraction)
        self.power.learn(obs, measured)
        if measured is not None:
            return measured, "measured"
        estimate = self.power.power_w(obs.busy_fraction, obs.batch_in_use)
        return estimate, "calibrated" if self.power.calibrated else "prior"

    # -- control ------------------------------------------------------------------------
    def _thermal_budget(self, t: float, temp: float | None, power_w: float) -> float:
        cfg = self.config
        if cfg.limit_c is None:
            return float("inf")  # no control temperature of our own: the OS's limits rule
        coasting = temp is None
        if coasting:
            if self.temp_health.state != "gap" or self.plant.die_c is None:
                self._thermal_w = self.blind_cap_w()
                return self._thermal_w
            # A gap: the model carries on where the sensor left off, nothing is reset.
            self.plant.coast(t, power_w)
            temp = self.plant.die_c
        est = self.plant.estimate()
        # While the die model is uncertain, plan with a die that heats more per watt: early
        # on (or on a machine that never moves) the first approach is slower, not hotter.
        doubt = 1.0 + 0.4 * math.exp(-self.plant.die_updates / 40.0)
        est = replace(est, r1=est.r1 * doubt)
        target = cfg.limit_c - cfg.margin_c
        budget = est.die_equilibrium_w(target, lead_s=est.r1 * est.c1)
        # Headroom (or excess) now is spent (or paid back) over a horizon: the die reaches
        # T∞ + (T − T∞)·e^(−h/τ) after h seconds at a power whose equilibrium is T∞. Below the
        # target this lets bursts (a chat answer) run faster than the steady power; above
        # it, it brakes. The observer's die estimate is the smoothed, lag-free temperature.
        die = self.plant.die_c if self.plant.die_c is not None else temp
        tau = max(1.0, est.r1 * est.c1)
        decay = math.exp(-max(cfg.horizon_s, 0.5 * tau) / tau)
        gain = decay / (1 - decay) / est.r1
        # The raw reading counts only where it is well above the estimate: a sensor with
        # whole-degree steps must not swing the budget at every step.
        error = target - max(die, temp - 1.0)
        # Over the target the way back is steeper than the way up: an overshoot costs more
        # than the same margin left unused.
        budget += error * gain if error >= 0 else 2.0 * error * max(gain, 1.0 / est.r1)
        if coasting:
            # Blind for now: never more than before the gap, and less as the model says so.
            budget = min(budget, self._thermal_w)
        if abs(temp - target) < 1.0 and power_w > 0 and self.temp_health.state == "ok":
            self._held_w.append(power_w)
            del self._held_w[:-600]
        self._thermal_w = budget
        return budget

    def blind_cap_w(self) -> float:
        """The power held with no usable temperature: a little under what held the target
        here before; else under what the learned plant sustains once it has seen ten
        minutes; else the prior's documented cap."""
        cfg = self.config
        if len(self._held_w) >= 120:
            held = sorted(self._held_w)
            return 0.9 * held[len(held) // 4]
        if self.plant.samples * self.period_s >= 600 and cfg.limit_c is not None:
            learned = self.plant.estimate().sustainable_w(cfg.limit_c - cfg.margin_c)
            return max(self.prior.blind_cap_w, 0.8 * learned)
        if not self.power.calibrated:
            # No thermometer and no power reading either: the watts are the prior's guess,
            # whose idle alone (4 W) is over the cap, which paused every answer for good on
            # such a machine. Then the cap is what Fennec may add to that idle: slow, never
            # stopped, and on a fanless laptop still under its limit (true power is lower
            # than the prior's).
            return self.power.idle_w + self.prior.blind_cap_w
        return self.prior.blind_cap_w

    def _power_cap(self, power_w: float) -> float:
        """An energy budget over the rolling window: bursts may exceed the limit while every
        window's mean stays under it (the limits are on 60-s and whole-run means)."""
        cfg = self.config
        if cfg.power_limit_w is None:
            return float("inf")
        self._window.append(power_w)
        size = self._window.maxlen
        level = cfg.power_limit_w - cfg.power_margin_w
        # Before a full window exists, the missing past counts as spent at the limit.
        history = [level] * (size - len(self._window)) + list(self._window)
        horizon = min(size, max(1, round(HORIZON_S / self.period_s)))
        # Each window ending j samples from now keeps the newest size − j samples; the cap
        # is the most the next samples may draw, held constant, so that none of them spills.
        # Windows ending sooner than `nearest` were planned for earlier; leaving them out keeps
        # the sum's noise (√size readings) from being divided by a handful of samples.
        nearest = min(horizon, max(1, round(NEAREST_S / self.period_s)))
        kept = sum(history[horizon:])
        cap = float("inf")
        for j in range(horizon, nearest - 1, -1):
            cap = min(cap, (level * size - kept) / j)
            kept += history[j - 1]
        return max(0.0, cap)

    def _map(self, budget: float, demand: int) -> Actuation:
        """Full speed when the budget covers it, else pace the batch: duty, not a smaller
        batch, sheds power (decode is memory-bound: the largest batch makes the most tokens
        per joule, and a batch size the power model has not seen is a guess). A budget at or
        under idle power is a cooling pause (duty 0)."""
        cfg = self.config
        idle = self.power.idle_w
        # Sized for the hungriest batch seen so far, so the setting holds whoever is in the
        # batch: users coming and going must not move the actuator. (A batch size no reading
        # has calibrated is a guess, so it does not count.)
        running = max(1, min(cfg.max_batch, demand if demand > 0 else cfg.max_batch))
        active = max(self.power.active_w(b) for b in self.power.seen_batches | {running})
        if active <= budget:
            return Actuation(cfg.max_batch, 1.0)
        duty = (budget - idle) / max(0.1, active - idle)
        # A sliver of duty sheds nothing worth a change of state: below it, pause.
        return Actuation(cfg.max_batch, 0.0 if duty < MIN_DUTY else min(1.0, duty))

    def _settle(
        self, wanted: Actuation, obs: Observation, temp: float | None, urgent: bool
    ) -> Actuation:
        """Bounded churn: a change must be worth a dead-band, and raising speed waits out a
        hold time; cutting back when over the limit, or on OS pressure, happens at once."""
        cfg = self.config
        cur = self._current
        if wanted == cur:
            return cur
        over = (
            cfg.limit_c is not None and temp is not None and temp >= cfg.limit_c + cfg.urgent_over_c
        )
        cutting = wanted.duty < cur.duty or wanted.max_batch < cur.max_batch
        since = obs.t - self._last_change_t
        # The dead-band narrows the longer the setting holds, so it cannot park the loop a
        # few percent short of the best setting for good.
        band = max(cfg.deadband_floor, cfg.duty_deadband * (1.0 - since / cfg.deadband_decay_s))
        big = abs(wanted.duty - cur.duty) >= band or wanted.max_batch != cur.max_batch
        # Over the target (by the model's reckoning, which also runs through sensor gaps) a
        # cut of any size is worth making.
        hot = (
            cfg.limit_c is not None
            and self.plant.die_c is not None
            and self.plant.die_c > cfg.limit_c - cfg.margin_c + 0.3
        )
        if cutting:
            go = urgent or over or ((big or hot) and since >= cfg.hold_s)
        else:
            # Never faster while the thermometer itself reads at the target and the model
            # reads the die cooler than that: the model is wrong (one read 47 °C under a
            # sensor reading 54.7 and asked for 70 % more power).
            at_target = (
                cfg.limit_c is not None
                and temp is not None
                and self._reading is not None
                and self.plant.die_c is not None
                and self._reading >= cfg.limit_c - cfg.margin_c
                and self._reading - self.plant.die_c >= 0.5
            )
            ceiling = cur.duty + SLEW * max(RESUME_DUTY, cur.duty)
            wanted = replace(wanted, duty=min(wanted.duty, ceiling))
            big = abs(wanted.duty - cur.duty) >= band or wanted.max_batch != cur.max_batch
            # Out of a pause even for a small duty: a dead-band wider than the duty that
            # holds the limit must not park a slow machine at zero for good.
            resume = cur.duty == 0.0 and wanted.duty >= 1.5 * MIN_DUTY
            # Nor during a gap in the readings: the gap holds the loop as it was (a raise on
            # the model alone, 60 s into a gap, once met a die 2 °C over the limit).
            blind_gap = cfg.limit_c is not None and temp is None and self.temp_health.usable
            go = (
                (big or resume or wanted.duty >= 1.0)
                and since >= cfg.hold_up_s
                and not at_target
                and not blind_gap
            )
        if go:
            self._current = wanted
            self._last_change_t = obs.t
            self.changes += 1
        return self._current

    def _track_over(self, t: float, temp: float | None, act: Actuation) -> None:
        """How long the governor has been paused with the die still over the target."""
        cfg = self.config
        hot = cfg.limit_c is not None and temp is not None and temp > cfg.limit_c - cfg.margin_c
        if act.duty == 0.0 and hot:
            self._over_since = t if self._over_since is None else self._over_since
        elif act.duty > 0.0:
            self._over_since = None


def build_learning_governor(
    preset: str = "cool",
    max_batch: int = 8,
    prior: MachinePrior = GENERIC,
    period_s: float = 1.0,
) -> Governor:
    """The governor `fennec serve` runs: a preset, the scheduler's batch limit, a device
    prior (generic when the machine is not in the table) and the sensor sampling period."""
    return Governor(replace(PRESETS[preset], max_batch=max_batch), prior, period_s)
