"""Power as a function of load, learned from the power sensor when there is one.

Model: P = idle + busy · (a1 + (aN − a1) · x),  x = (B − 1)/(N − 1) for batch B of at most N.
Decode is memory-bound, so active power depends weakly (and about linearly) on the batch;
three parameters cover it. "busy" is the engine's share of time decoding: the CPU/GPU
utilisation as psutil or the scheduler's own step times report it.

Without a power sensor the governor still needs watts: the model answers from its prior,
which is deliberately high (a desktop-class chip decoding flat out) so that the 18 W cap holds
on the true power; a machine whose sensor appears, even briefly, calibrates it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from thermal.control import Observation
from thermal.rls import RecursiveLeastSquares

CALIBRATED_AFTER = 20  # steady-load readings before the model's own estimate is trusted


@dataclass(frozen=True)
class PowerPrior:
    """Watts before anything was measured; a device table entry or the generic one."""

    idle_w: float = 4.0
    # Generic: flat in the batch (memory-bound decode) and high, 45 W: a desktop-class chip
    # decoding flat out. The cap then holds on the true power of any machine up to that.
    batch1_w: float = 45.0  # active power at batch 1, busy all the time
    full_w: float = 45.0  # active power at the largest batch


GENERIC_POWER = PowerPrior()


class PowerModel:
    """Learns P(busy, batch) by RLS from readings paired with the load that produced them."""

    def __init__(self, prior: PowerPrior, max_batch: int, settle_samples: int = 4) -> None:
        self.prior = prior
        self.max_batch = max(1, max_batch)
        mean = [prior.idle_w, prior.batch1_w - prior.idle_w, prior.full_w - prior.idle_w]
        sd = [max(1.0, 0.5 * prior.idle_w), 0.6 * mean[1] + 2, 0.6 * mean[2] + 2]
        self._rls = RecursiveLeastSquares(mean, sd, forgetting=0.998, noise_sd=0.5)
        # A reading describes the load of up to a few samples back (sensor lag unknown): learn
        # only when the load was the same across all of them, so no reading is a blend.
        self._loads: deque[tuple[int, float]] = deque(maxlen=settle_samples)
        self.readings = 0
        self.seen_batches: set[int] = set()  # batch sizes a reading has calibrated

    @property
    def calibrated(self) -> bool:
        return self.readings >= CALIBRATED_AFTER

    @property
    def idle_w(self) -> float:
        return max(0.1, float(self._rls.theta[0]))

    def active_w(self, batch: int) -> float:
        """Power while decoding `batch` sequences without pause."""
        _, a1, an = self._rls.theta
        x = 0.0 if self.max_batch == 1 else (min(batch, self.max_batch) - 1) / (self.max_batch - 1)
        return self.idle_w + max(0.2, float(a1 + (an - a1) * x))

    def power_w(self, busy: float, batch: int) -> float:
        """Estimated power for a load (what the governor uses when no sensor answers)."""
        if batch <= 0 or busy <= 0:
            return self.idle_w
        return self.idle_w + busy * (self.active_w(batch) - self.idle_w)

    def learn(self, obs: Observation, power_w: float | None) -> None:
        """Pair a trusted reading with the load of the period it describes."""
        load = (obs.batch_in_use, round(obs.busy_fraction, 2))
        self._loads.append(load)
        if power_w is None or len(self._loads) < self._loads.maxlen:
            return
        if any(abs(b - load[1]) > 0.03 or a != load[0] for a, b in self._loads):
            return  # the load changed within the sensor's possible lag
        busy, batch = obs.busy_fraction, obs.batch_in_use
        x = 0.0 if self.max_batch == 1 else (max(1, batch) - 1) / (self.max_batch - 1)
        active = busy if batch > 0 else 0.0
        self._rls.update([1.0, active * (1 - x), active * x], power_w)
        self.readings += 1
        if batch > 0 and busy >= 0.1:
            self.seen_batches.add(min(batch, self.max_batch))
