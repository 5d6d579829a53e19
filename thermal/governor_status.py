"""What the governor tells the status route, the window and the tray, in words and numbers."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from thermal.control import Actuation, Observation

if TYPE_CHECKING:
    from thermal.governor import Governor

# After this long paused with the die still over the target, the limit is out of reach.
INFEASIBLE_AFTER_S = 300.0
POWER_SOURCES = {
    "measured": "power sensor",
    "calibrated": "estimated from CPU load (calibrated against the power sensor)",
    "prior": "estimated from CPU load (uncalibrated: a conservative guess)",
}


@dataclass(frozen=True)
class GovernorStatus:
    state: str = "starting"  # running | throttled | cooling | infeasible | blind | pressure
    text: str = ""
    cooling_wait_s: float | None = None
    power_source: str = "prior"  # measured | calibrated | prior
    power_trust: str = "low"  # high | medium | low
    temperature_sensor: str = "absent"  # ok | gap | absent | stuck | implausible
    sustainable_w: float | None = None
    thermal_resistance_c_per_w: float | None = None
    ambient_c: float | None = None
    device_prior: str = "generic"

    def as_dict(self) -> dict:
        return asdict(self)


def describe(
    gov: Governor,
    obs: Observation,
    temp: float | None,
    power_source: str,
    act: Actuation,
    over_since: float | None,
) -> GovernorStatus:
    cfg = gov.config
    est = gov.plant.estimate() if gov.plant.first_c is not None else None
    limit = cfg.limit_c
    trust = {"measured": "high", "calibrated": "medium", "prior": "low"}[power_source]
    base = dict(
        power_source=power_source,
        power_trust=trust,
        temperature_sensor=gov.temp_health.state,
        sustainable_w=round(est.sustainable_w(limit), 2) if est and limit else None,
        thermal_resistance_c_per_w=round(est.r_total, 2) if est else None,
        ambient_c=round(est.ambient_c, 1) if est else None,
        device_prior=gov.prior.name,
    )
    watts = f"power: {POWER_SOURCES[power_source]}"
    if obs.pressure in ("serious", "critical"):
        return GovernorStatus("pressure", f"the OS reports {obs.pressure} thermal pressure", **base)
    if limit is not None and not gov.temp_health.usable:
        why = {
            "absent": "no temperature sensor",
            "stuck": "the temperature sensor is stuck",
            "implausible": "the temperature sensor reads implausible values",
        }.get(gov.temp_health.state, "no temperature sensor")
        text = f"{why}: holding a conservative {gov.blind_cap_w():.1f} W cap; {watts}"
        return GovernorStatus("blind", text, **base)
    if act.duty == 0.0 and obs.demand > 0:
        if over_since is not None and obs.t - over_since >= INFEASIBLE_AFTER_S and est:
            text = (
                f"cannot hold {limit:.0f} °C even when idle (room about {est.ambient_c:.0f} °C): "
                "generation paused"
            )
            return GovernorStatus("infeasible", text, **base)
        wait = cooling_wait_s(gov, temp)
        when = f"about {wait:.0f} s" if wait is not None else "a while"
        return GovernorStatus("cooling", f"cooling down: resumes in {when}", wait, **base)
    if act.duty < 0.95 or act.max_batch < cfg.max_batch:
        return GovernorStatus("throttled", f"throttled to hold the limits; {watts}", **base)
    return GovernorStatus("running", f"full speed; {watts}", **base)


def cooling_wait_s(gov: Governor, temp: float | None) -> float | None:
    """Time for the die to fall to where generation resumes, from the learned model: the
    die decays with R1·C1 towards the enclosure (plus idle power) ..."""
    cfg = gov.config
    if temp is None or cfg.limit_c is None or gov.plant.first_c is None:
        return None
    est = gov.plant.estimate()
    idle = gov.power.idle_w
    resume = cfg.limit_c - cfg.margin_c - 0.5
    floor = est.enclosure_c + est.r1 * idle
    if temp <= resume:
        return 0.0
    if floor < resume:
        return est.r1 * est.c1 * math.log((temp - floor) / (resume - floor))
    # ... and when the enclosure itself is too warm, with R2·C2 as the case cools.
    case_floor = est.ambient_c + est.r_total * idle - est.r1 * idle
    needed = resume - est.r1 * idle
    if case_floor >= needed or est.enclosure_c <= needed:
        return None
    return est.r2 * est.c2 * math.log((est.enclosure_c - case_floor) / (needed - case_floor))
