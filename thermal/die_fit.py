"""The die model, C1·T1' = P − (T1 − T2)/R1, fitted by RLS on stride differences, with the
power series delayed by a candidate number of samples.

Why differences: the rate of rise over a stride, minus the previous stride's, against the
change of power and of temperature: the enclosure's slow drift cancels out, so the fit stays
unbiased in closed loop, where the controller holds the die still while the case warms.

Why a delay: a thermometer reports late (0–3 samples on the machines we target) while the
governor knows its own load at once. A fit can take the power that many samples back
(thermal/identification.py decides which delays are fitted).
"""

from __future__ import annotations

from collections import deque

from thermal.rls import RecursiveLeastSquares


class DieFit:
    def __init__(self, r1: float, c1: float, stride: int, delay: int) -> None:
        self.delay = delay
        a, b = 1 / c1, 1 / (r1 * c1)
        # rate = a·P − b·(T − T2), a = 1/C1, b = 1/(R1·C1). No forgetting: R1 and C1 are
        # constants of the machine, and closed-loop data would only erode them.
        self._rls = RecursiveLeastSquares([a, b], [2 * a, 2 * b], 1.0, 0.2)
        self._recent: deque[tuple[float, float, float]] = deque(maxlen=stride + 1)
        self._strides: deque[tuple[float, float, float]] = deque(maxlen=stride + 1)
        self._good = (r1, c1)
        self.error = 0.0  # running mean square of its prediction errors
        self.scored = 0

    @property
    def updates(self) -> int:
        return self._rls.samples

    def reset_window(self) -> None:
        """A gap: never difference across it."""
        self._recent.clear()
        self._strides.clear()

    def add(self, t: float, temp_c: float, power_w: float) -> None:
        """One sample: a temperature and the power `delay` samples before it."""
        self._recent.append((t, temp_c, power_w))
        if len(self._recent) < self._recent.maxlen:
            return
        t0, temp0, _ = self._recent[0]
        t1, temp1, _ = self._recent[-1]
        if t1 <= t0:
            return
        power = sum(p for _, _, p in list(self._recent)[1:]) / (len(self._recent) - 1)
        now = ((temp1 - temp0) / (t1 - t0), power, (temp0 + temp1) / 2)
        self._strides.append(now)
        if len(self._strides) < self._strides.maxlen:
            return
        rate0, power0, temp_mid0 = self._strides[0]
        phi = [power - power0, -(now[2] - temp_mid0)]
        y = now[0] - rate0
        if abs(phi[0]) < 0.05 * max(power, 1.0) and abs(phi[1]) < 0.5:
            return  # a steady stretch says nothing about R1 or C1: let it not erode them
        miss = y - self._rls.predict(phi)
        self.error += (miss * miss - self.error) / min(200, self.scored + 1)
        self.scored += 1
        if abs(miss) > 5 * self._rls.noise_sd:
            return  # a glitch or a step the stride straddles: not worth bending the model
        self._rls.update(phi, y)
        # Keep the fit physical (0.5 ≤ C1 ≤ 1000 J/K, 0.05 ≤ R1 ≤ 15 °C/W): a few unlucky
        # samples early on must not leave it somewhere the observer cannot come back from.
        a = min(2.0, max(1e-3, float(self._rls.theta[0])))
        b = min(a / 0.05, max(a / 15.0, float(self._rls.theta[1])))
        self._rls.theta[0], self._rls.theta[1] = a, b

    def view(self) -> tuple[float, float]:
        """(R1, C1): the fit when it is physical, else the last one that was."""
        a, b = self._rls.theta
        if 1e-3 <= a <= 2.0 and b > 0 and 0.05 <= a / b <= 15.0:
            self._good = (a / b, 1.0 / a)
        return self._good
