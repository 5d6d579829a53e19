"""Is a sensor telling the truth? Gaps, absence, stuck values and implausible readings.

A short gap is normal (a busy SMC, a slow sysfs read): the governor holds its state through
it. A sensor that stays silent, repeats one exact value while the load swings, or reports
something no laptop can (a 20 °C jump in one second, 300 °C, negative watts) is distrusted
until it behaves, and the governor says so.
"""

from __future__ import annotations

from dataclasses import dataclass

STATES = ("ok", "gap", "absent", "stuck", "implausible")


@dataclass(frozen=True)
class HealthRules:
    low: float
    high: float
    max_jump: float  # per second; larger steps are glitches
    absent_after_s: float = 15.0
    stuck_after_s: float = 90.0


# A thermometer silent for up to 2 minutes is coasted through on the learned model.
TEMPERATURE_RULES = HealthRules(low=-20.0, high=125.0, max_jump=15.0, absent_after_s=120.0)
POWER_RULES = HealthRules(low=0.0, high=400.0, max_jump=1e9)


class SensorHealth:
    """Feed every sample to `check`; it returns the value if it can be used, else None."""

    def __init__(self, rules: HealthRules) -> None:
        self.rules = rules
        self.state = "absent"
        self.ever_seen = False
        self._last_good: tuple[float, float] | None = None  # (t, value)
        self._same_since: float | None = None
        self._same_value: float | None = None
        self._load_lo = float("inf")
        self._load_hi = float("-inf")
        self._bad_since: float | None = None

    @property
    def usable(self) -> bool:
        return self.state in ("ok", "gap")

    def check(self, t: float, value: float | None, load: float) -> float | None:
        """`load` is what should move a live sensor (power for a thermometer, busy share for a
        power meter): a value that stays exactly put while it swings is stuck."""
        rules = self.rules
        if value is not None and not self._plausible(t, value):
            value = None
            self._bad_since = t if self._bad_since is None else self._bad_since
            bad = "implausible"
        else:
            bad = "absent"
        if value is None:
            since = self._last_good[0] if self._last_good else None
            if since is None or t - since > rules.absent_after_s:
                self.state = bad if self._bad_since is not None else "absent"
            elif self.state in ("ok", "gap"):
                self.state = "gap"
            return None
        self._bad_since = None
        self.ever_seen = True
        self._track_stuck(t, value, load)
        self._last_good = (t, value)
        if self.state == "stuck":
            return None
        self.state = "ok"
        return value

    def _plausible(self, t: float, value: float) -> bool:
        rules = self.rules
        if not (rules.low <= value <= rules.high):
            return False
        if self._last_good is not None:
            last_t, last_v = self._last_good
            span = max(1.0, t - last_t)
            if abs(value - last_v) > rules.max_jump * span:
                return False
        return True

    def _track_stuck(self, t: float, value: float, load: float) -> None:
        if value != self._same_value:
            self._same_value, self._same_since = value, t
            self._load_lo = self._load_hi = load
            if self.state == "stuck":
                self.state = "ok"
            return
        self._load_lo, self._load_hi = min(self._load_lo, load), max(self._load_hi, load)
        swing = self._load_hi - self._load_lo
        held = t - (t if self._same_since is None else self._same_since)
        if held >= self.rules.stuck_after_s and swing > max(0.3, 0.3 * abs(self._load_hi)):
            self.state = "stuck"
