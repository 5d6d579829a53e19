"""The offline oracle: the best constant setting that meets both limits, found on the exact
model (noise-free, no lag, knowing the scenario's disturbances in advance).

It is the ceiling for any fixed setting, the kind a user could pick by hand after reading
the machine's spec sheet. A governor that adapts over time can beat it (the enclosure is
cold early on), so a ratio above 1 is possible and honest.
"""

from __future__ import annotations

from dataclasses import dataclass

from thermal.control import Actuation, Observation
from thermal.metrics import score
from thermal.profiles import DeviceProfile
from thermal.scenarios import Scenario
from thermal.simulation import Trace, simulate


class Constant:
    name = "oracle"

    def __init__(self, max_batch: int, duty: float) -> None:
        self.act = Actuation(max_batch, duty)

    def update(self, obs: Observation) -> Actuation:
        return self.act


@dataclass(frozen=True)
class OracleResult:
    duty: float
    max_batch: int
    trace: Trace


def best_constant(
    profile: DeviceProfile,
    scenario: Scenario,
    limit_c: float,
    power_limit_w: float | None,
    iterations: int = 14,
) -> OracleResult:
    """Bisect on the duty (temperature and power rise monotonically with it)."""

    def ok(trace: Trace) -> bool:
        m = score(trace, limit_c, None)
        if m.max_temp_c > limit_c:
            return False
        if power_limit_w is not None and (
            m.mean_power_w > power_limit_w or m.max_60s_power_w > power_limit_w + 1.0
        ):
            return False
        return True

    batch = profile.max_batch
    full = simulate(profile, scenario, Constant(batch, 1.0))
    if ok(full):
        return OracleResult(1.0, batch, full)
    lo, hi = 0.0, 1.0
    best = simulate(profile, scenario, Constant(batch, 0.0))
    for _ in range(iterations):
        mid = (lo + hi) / 2
        trace = simulate(profile, scenario, Constant(batch, mid))
        if ok(trace):
            lo, best = mid, trace
        else:
            hi = mid
    return OracleResult(lo, batch, best)
