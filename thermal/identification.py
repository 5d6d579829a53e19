"""Online identification of the thermal plant from the governor's own readings.

The plant is the two-node RC model of DESIGN.md, seen through one temperature (the die) and
one power figure (measured, or estimated from load). It is learned in two time scales:

- the die node, C1·T1' = P − (T1 − T2)/R1, by RLS on the die's rate of rise over a few
  samples against power and temperature; the enclosure temperature T2 moves slowly and
  enters as an intercept that forgetting lets drift;
- the enclosure, C2·T2' = q − (T2 − Ta)/R2, by RLS on 30-s blocks of the enclosure
  temperature that a Kalman observer infers from the die model (q: heat into the case).

Why this split: on a laptop the die answers within seconds and the case within tens of
minutes (R1·C1 ≪ R2·C2), so a single low-order fit would see only one of them. The die model
is what the controller needs to avoid overshoot; the enclosure model gives the sustainable
power (R = R1 + R2, ambient Ta) that the status reports and the blind fallback keeps.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from thermal.die_fit import DieFit
from thermal.rls import RecursiveLeastSquares

# Observer process noise (°C² per s): the die model is trusted, the case is a random walk
# fast enough to follow a small case warming at 0.05 °C/s without lagging degrees behind.
Q_DIE = 0.002
Q_CASE = 0.01
# Candidate delays (samples) of the thermometer behind the load the governor knows. Fits for
# 0–3 side by side were tried on the fleet: their prediction errors differ by a few per cent,
# too little to pick the right one reliably (wrong picks overshot), so only 0 is fitted.
MAX_DELAY = 0
BLOCK_S = 120.0  # enclosure blocks: long against the die, short against the case


@dataclass(frozen=True)
class ThermalPrior:
    """What a machine is assumed to be before it was measured (°C/W, J/K)."""

    r1: float = 4.0  # high: a conservative die model under-powers, it never overshoots
    c1: float = 10.0
    r2: float = 4.0
    c2: float = 300.0


GENERIC_THERMAL = ThermalPrior()


@dataclass(frozen=True)
class PlantEstimate:
    r1: float
    c1: float
    r2: float
    c2: float
    ambient_c: float
    enclosure_c: float  # the observer's T2 now
    enclosure_rate_c_per_s: float

    @property
    def r_total(self) -> float:
        return self.r1 + self.r2

    def sustainable_w(self, limit_c: float) -> float:
        """Steady power that holds the die at `limit_c` in this room."""
        return max(0.0, (limit_c - self.ambient_c) / self.r_total)

    def die_equilibrium_w(self, target_c: float, lead_s: float = 0.0) -> float:
        """Power whose die equilibrium over the current (and soon) enclosure is `target_c`."""
        case = self.enclosure_c + max(0.0, self.enclosure_rate_c_per_s) * lead_s
        return (target_c - case) / self.r1


class ThermalIdentifier:
    """Feed `observe` every sample that has a temperature; read `estimate()`."""

    def __init__(self, prior: ThermalPrior, period_s: float = 1.0, stride_s: float = 4.0) -> None:
        self.prior = prior
        self._stride = max(1, round(stride_s / period_s))
        self._fits = [DieFit(prior.r1, prior.c1, self._stride, d) for d in range(MAX_DELAY + 1)]
        self._powers: deque[float] = deque(maxlen=MAX_DELAY + 1)
        self._search_delay = False
        self._dt = period_s
        self._t2 = self._t1 = None  # observer state
        self._p = (1.0, 0.0, 4.0)  # observer covariance: P11, P12, P22
        self._t2_rate = 0.0
        self._block: list[tuple[float, float, float]] = []
        self._blocks: deque[tuple[float, float, float]] = deque(maxlen=2)
        self._case: RecursiveLeastSquares | None = None
        self.first_c: float | None = None
        self._last_t: float | None = None
        self.samples = 0

    def observe(self, t: float, temp_c: float, power_w: float, measured: bool = True) -> None:
        """One sample: the die temperature and the power of the period that ended at `t`.
        A measured power reading is as late as the thermometer (both come from the same
        sampler); a power estimated from the load is not, and then the delay is learned."""
        self._search_delay = not measured
        if self.first_c is None:
            self.first_c = temp_c
            self._t1 = self._t2 = temp_c
        dt = (t - self._last_t) if self._last_t is not None else 0.0
        self._last_t = t
        if dt > 0:
            self._dt = dt
        if dt > 5.0 * max(1.0, self._stride):
            for fit in self._fits:
                fit.reset_window()  # a long gap: do not difference across it
        self._powers.append(power_w)
        self.samples += 1
        for fit in self._fits:
            if len(self._powers) > fit.delay:
                fit.add(t, temp_c, self._powers[-1 - fit.delay])
        if dt > 0:
            delayed = self._delayed_power()
            self._observer_step(dt, temp_c, delayed)
            self._learn_case(t, temp_c, delayed)

    def coast(self, t: float, power_w: float) -> None:
        """A sample without temperature: the observer runs on the model alone (so the
        enclosure estimate keeps up with the heat still going in), and nothing is learned."""
        if self._t1 is None or self._last_t is None or t <= self._last_t:
            return
        dt = t - self._last_t
        self._last_t = t
        self._powers.append(power_w)
        r1, c1 = self._die_view()
        k = dt / c1
        self._t1 += k * (self._delayed_power() - (self._t1 - self._t2) / r1)
        p11, p12, p22 = self._p
        self._p = (p11 + Q_DIE * dt, p12, p22 + Q_CASE * dt)
        for fit in self._fits:
            fit.reset_window()

    @property
    def delay_samples(self) -> int:
        """How many samples late the thermometer reports, as the best-fitting model says."""
        return self._best().delay

    def _best(self) -> DieFit:
        if not self._search_delay:
            return self._fits[0]
        scored = [f for f in self._fits if f.scored >= 30]
        if not scored:
            return self._fits[0]
        return min(scored, key=lambda f: f.error)

    def _delayed_power(self) -> float:
        d = self._best().delay
        return self._powers[-1 - d] if len(self._powers) > d else self._powers[0]

    @property
    def die_updates(self) -> int:
        """How many informative strides the die model has learned from."""
        return self._best().updates

    @property
    def die_c(self) -> float | None:
        """The die temperature now: the observer's estimate (which describes the moment the
        late thermometer reports) carried forward over the power drawn since."""
        if self._t1 is None:
            return None
        d = self._best().delay
        if d == 0 or len(self._powers) <= d:
            return self._t1
        r1, c1 = self._die_view()
        t1, k = self._t1, self._dt / c1
        for power in list(self._powers)[-d:]:
            t1 += k * (power - (t1 - self._t2) / r1)
        return t1

    def estimate(self) -> PlantEstimate:
        r1, c1 = self._die_view()
        r2, c2, ambient = self.prior.r2, self.prior.c2, self._ambient_prior()
        if self._case is not None and self._case.samples >= 6:
            a2, b2, d = self._case.theta
            if a2 > 1e-5 and b2 > 1e-6:
                r2 = min(30.0, max(0.05, a2 / b2))
                c2 = 1.0 / a2
                ambient = min(60.0, max(-10.0, ambient + d / b2))
        t2 = self._t2 if self._t2 is not None else ambient
        return PlantEstimate(r1, c1, r2, c2, ambient, t2, self._t2_rate)

    def _ambient_prior(self) -> float:
        # A machine sampled first at rest sits a little above its room; a first reading far
        # above any room (the machine was busy before) says only that the room is not hotter.
        return min(35.0, (self.first_c if self.first_c is not None else 25.0) - 1.0)

    def _observer_step(self, dt: float, temp_c: float, power_w: float) -> None:
        """Kalman observer of (T1, T2) with T2 a slow random walk: offset-free by design.
        Written out for 2×2 (numpy's overhead per call dominates at this size)."""
        r1, c1 = self._die_view()
        k = dt / c1
        f11, f12 = 1 - k / r1, k / r1
        t1, t2 = self._t1, self._t2
        x1 = t1 + k * (power_w - (t1 - t2) / r1)
        p11, p12, p22 = self._p
        # P = F·P·Fᵀ + Q with F = [[f11, f12], [0, 1]]
        n11 = f11 * f11 * p11 + 2 * f11 * f12 * p12 + f12 * f12 * p22 + Q_DIE * dt
        n12 = f11 * p12 + f12 * p22
        n22 = p22 + Q_CASE * dt
        s = n11 + 0.3**2  # sensor noise and quantisation
        g1, g2 = n11 / s, n12 / s
        innovation = temp_c - x1
        self._t1, self._t2 = x1 + g1 * innovation, t2 + g2 * innovation
        self._p = (n11 - g1 * n11, n12 - g1 * n12, n22 - g2 * n12)
        alpha = min(1.0, dt / 120.0)
        self._t2_rate += alpha * ((self._t2 - t2) / dt - self._t2_rate)

    def _die_view(self) -> tuple[float, float]:
        return self._best().view()

    def _learn_case(self, t: float, temp_c: float, power_w: float) -> None:
        self._block.append((t, temp_c, power_w))
        if t - self._block[0][0] < BLOCK_S:
            return
        ts, temps, ps = zip(*self._block, strict=True)
        self._block = []
        r1, c1 = self._die_view()
        rise = (temps[-1] - temps[0]) / max(1e-6, ts[-1] - ts[0])
        power = sum(ps) / len(ps)
        # Over a block the die is in quasi-equilibrium over the case: T2 = T1 − R1·(P − C1·T1').
        case = sum(temps) / len(temps) - r1 * (power - c1 * rise)
        self._blocks.append((sum(ts) / len(ts), case, power - c1 * rise))
        if len(self._blocks) < 2:
            return
        (ta, ca, pa), (tb, cb, pb) = self._blocks
        if self._case is None:
            prior = self.prior
            a2, b2 = 1 / prior.c2, 1 / (prior.r2 * prior.c2)
            # The room is the first reading give or take a few degrees: a case held near one
            # temperature cannot tell the room from R2 apart, so the prior must say it.
            self._case = RecursiveLeastSquares([a2, b2, 0.0], [3 * a2, 3 * b2, b2], 0.999, 0.003)
        rate = (cb - ca) / (tb - ta)
        if math.isfinite(rate):
            room = self._ambient_prior()
            self._case.update([(pa + pb) / 2, -((ca + cb) / 2 - room), 1.0], rate)
