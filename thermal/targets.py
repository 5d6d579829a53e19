"""The issue's targets, checked on true temperature and true power of one simulated run."""

from __future__ import annotations

from dataclasses import dataclass

from thermal.metrics import RunMetrics
from thermal.scenarios import Scenario
from thermal.simulation import Trace

LIMIT_C = 55.0
POWER_LIMIT_W = 18.0


def meter_scale(scenario: Scenario) -> float:
    """What the machine's own power meter reads per true watt: the scale the power limits are
    scored on. A sensor that reads 10 % low is, to the machine and to anything running on it,
    an honest meter: nothing on the machine can tell (scaling the power by k and the thermal
    resistances by 1/k leaves every temperature unchanged), so no governor could hold 18 true
    watts with it except by giving up a fifth of its power everywhere. The oracle is held to
    the same meter. With no power sensor there is no meter and the limits are on true watts:
    the governor's own estimate must hold them."""
    return 1.0 + scenario.sensor.power_bias if scenario.sensor.power else 1.0


# name → what it means; the order is the report's.
TARGETS = {
    "above_57": "0 s above 57 °C",
    "above_55_5": "≤ 30 s above 55.5 °C",
    "overshoot": "overshoot ≤ 0.5 °C",
    "mean_power": "mean power ≤ 18 W",
    "power_60s": "every 60-s mean ≤ 19 W",
    "tokens": "tokens ≥ 0.85× the fair oracle",
    "churn": "≤ 3 actuator changes per minute",
    "infeasible_paused": "where the limit cannot be held: paused, and the status says why",
}
MIN_TOKENS_RATIO = 0.85
MIN_MEAN_TOKENS_RATIO = 0.92


@dataclass(frozen=True)
class Verdict:
    passed: dict[str, bool]
    misses: list[str]


def check(m: RunMetrics, feasible: bool, trace: Trace, power_scale: float = 1.0) -> Verdict:
    """Which targets this run meets. Where even idle power breaks the limit (a room too hot)
    the temperature targets give way to one that can be met: generation paused whenever the
    die is over the limit, and a status that says the limit is out of reach. The power targets
    are on the machine's meter (`power_scale` × true watts, see `meter_scale`)."""
    mean_w = round(m.mean_power_w * power_scale, 2)
    window_w = round(m.max_60s_power_w * power_scale, 2)
    passed = {
        "above_57": m.s_above_limit_plus_2 == 0,
        "above_55_5": m.s_above_limit_plus_0_5 <= 30,
        "overshoot": m.overshoot_c <= 0.5,
        "mean_power": mean_w <= POWER_LIMIT_W,
        "power_60s": window_w <= POWER_LIMIT_W + 1.0,
        "tokens": m.tokens_vs_oracle >= MIN_TOKENS_RATIO,
        "churn": m.changes_per_min <= 3.0,
        "infeasible_paused": True,
    }
    if not feasible:
        for name in ("above_57", "above_55_5", "overshoot", "tokens"):
            passed[name] = True
        # A run whose die never went over stayed within the limit, though it could not have
        # for ever (a slow case at an idle equilibrium over it): nothing to pause or report.
        over = any(t > LIMIT_C + 0.5 for t in trace.controlled_c)
        passed["infeasible_paused"] = _paused_when_hot(trace) and (
            not over or any("cannot hold" in s for s in trace.statuses)
        )
    misses = []
    values = {
        "above_57": f"{m.s_above_limit_plus_2} s above 57 °C",
        "above_55_5": f"{m.s_above_limit_plus_0_5} s above 55.5 °C",
        "overshoot": f"overshoot {m.overshoot_c} °C",
        "mean_power": f"mean power {mean_w} W{_true(m.mean_power_w, power_scale)}",
        "power_60s": f"60-s power {window_w} W{_true(m.max_60s_power_w, power_scale)}",
        "tokens": f"tokens {m.tokens_vs_oracle}× oracle",
        "churn": f"{m.changes_per_min} changes/min",
        "infeasible_paused": "infeasible run not paused or not reported",
    }
    for name, ok in passed.items():
        if not ok:
            misses.append(values[name])
    return Verdict(passed, misses)


def _true(watts: float, power_scale: float) -> str:
    return "" if power_scale == 1.0 else f" metered ({watts} W true)"


def _paused_when_hot(trace: Trace) -> bool:
    """Over the limit (after a 5-minute grace to learn that it cannot be held), generation
    ran at most 5 % of the time."""
    grace = round(300 / trace.dt_s)
    hot = [
        d
        for t, d in zip(trace.controlled_c[grace:], trace.duty[grace:], strict=False)
        if t > LIMIT_C + 0.5
    ]
    return not hot or sum(d > 0 for d in hot) <= 0.05 * len(hot)
