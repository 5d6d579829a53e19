"""Power from cumulative energy counters (RAPL, hwmon energy*_input, IOReport)."""

from __future__ import annotations


class EnergyCounter:
    """Turns successive counter values (µJ) into watts, handling wrap-around."""

    def __init__(self, max_range_uj: int | None = None) -> None:
        self._max = max_range_uj
        self._last: tuple[float, int] | None = None

    def update(self, t: float, energy_uj: int) -> float | None:
        """Feed one reading taken at time `t` (s); returns W over the interval, None at first."""
        last, self._last = self._last, (t, energy_uj)
        if last is None or t <= last[0]:
            return None
        delta = energy_uj - last[1]
        if delta < 0:
            if not self._max:
                return None  # a reset we cannot account for: skip one interval
            delta += self._max
        return delta / 1e6 / (t - last[0])
