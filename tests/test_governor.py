"""The production governor (generic prior, nothing handed over) on the simulated laptop, and
its unit behaviour: OS pressure, presets, the cooling pause, gaps in the readings."""

from __future__ import annotations

from dataclasses import replace

import pytest

from thermal.baselines import BangBang, NoGovernor, StepWise
from thermal.control import Observation, pacing_for
from thermal.governor import PRESETS, build_learning_governor
from thermal.metrics import score
from thermal.oracle import fair_oracle
from thermal.profiles import load_profile
from thermal.scenarios import Scenario, SensorNoise, Workload, load_scenario
from thermal.simulation import TICK_S, simulate

LIMIT = 55.0


def _scenario(minutes=30, **kw) -> Scenario:
    return Scenario("test", Workload("backlogged", streams=8), duration_s=minutes * 60, **kw)


@pytest.mark.parametrize("name", ["fanless-laptop", "fan-mini", "well-cooled-box"])
def test_generic_prior_holds_the_limits_on_every_shipped_profile(name):
    profile = load_profile(name)
    trace = simulate(profile, _scenario(), build_learning_governor())
    m = score(trace, LIMIT, None)
    assert m.overshoot_c <= 0.5
    assert m.s_above_limit_plus_0_5 <= 30
    assert m.mean_power_w <= 18.0 and m.max_60s_power_w <= 19.0
    assert m.changes_per_min <= 3.0
    unthrottled = score(simulate(profile, _scenario(), NoGovernor(8)), LIMIT, None)
    assert unthrottled.max_temp_c > LIMIT + 5 or unthrottled.max_60s_power_w > 19
    oracle = fair_oracle(profile, _scenario(), LIMIT, 18.0)
    assert m.tokens >= 0.85 * oracle.tokens  # held the limits without giving up the speed


def test_recovers_speed_after_cool_down():
    profile = load_profile("fanless-laptop")
    scenario = _scenario(minutes=60, ambient_step_at_s=20 * 60, ambient_step_c=-10.0)
    trace = simulate(profile, scenario, build_learning_governor())
    per_min = round(60 / TICK_S)
    before = sum(trace.tokens[15 * per_min : 20 * per_min])
    after = sum(trace.tokens[55 * per_min : 60 * per_min])
    # A cooler room buys speed back, as fast as the 20-minute enclosure lets it.
    assert after > before * 1.12
    assert max(trace.controlled_c) <= LIMIT + 0.5


def test_a_hot_room_pauses_generation_and_says_it_cannot_hold_the_limit():
    profile = load_profile("fanless-laptop")
    # 50 °C room: 2 W idle × 7 °C/W already puts the die at 64 °C.
    scenario = replace(_scenario(minutes=20), ambient_c=50.0)
    governor = build_learning_governor()
    trace = simulate(profile, scenario, governor)
    assert sum(trace.duty[-600:]) == 0.0  # paused for the last five minutes
    assert governor.status.state == "infeasible"
    assert "cannot hold 55 °C" in governor.status.text


def test_cooling_pause_reaches_zero_duty_states_the_wait_and_resumes():
    g = build_learning_governor()
    t = 0.0
    for _ in range(30):  # a die at 70 °C on a 55 °C limit: nothing may run
        act = g.update(Observation(t, 70.0, 20.0, 4, 8, 1.0))
        t += 1
    assert act.duty == 0.0
    assert g.status.state == "cooling"
    assert g.status.cooling_wait_s is not None and g.status.cooling_wait_s > 0
    assert "cooling down: resumes in about" in g.status.text
    for _ in range(60):  # it cooled off: work resumes by itself, nobody pressed anything
        act = g.update(Observation(t, 35.0, 3.0, 4, 8, 0.0))
        t += 1
    assert act.duty > 0.0 and g.status.state != "cooling"


def test_a_short_gap_in_the_readings_holds_the_loop_state():
    profile = load_profile("fan-mini")
    g = build_learning_governor()
    scenario = _scenario(minutes=10)
    simulate(profile, scenario, g)  # learn the machine and settle at the limit
    before_act, before_budget = g._current, g.budget_w
    t = scenario.duration_s
    for k in range(8):  # 8 s with neither temperature nor power
        act = g.update(Observation(t + k, None, None, 8, 8, before_act.duty))
    assert act == before_act  # no reset to a feed-forward value, no flip-flopping
    assert g.budget_w == pytest.approx(before_budget, rel=0.1)
    assert g.status.temperature_sensor == "gap"


def test_dropouts_do_not_make_the_actuators_churn():
    profile = load_profile("fan-mini")
    sensor = SensorNoise(dropout_per_h=60, dropout_mean_s=4)
    trace = simulate(profile, _scenario(sensor=sensor), build_learning_governor())
    m = score(trace, LIMIT, None)
    assert m.changes_per_min <= 3.0 and m.s_above_limit_plus_0_5 <= 30


def _obs(t, temp, pressure=None, demand=8, power=10.0):
    return Observation(t, temp, power, demand, 8, 1.0, pressure)


def test_os_thermal_pressure_overrides_at_once():
    g = build_learning_governor()
    assert g.update(_obs(0, 30.0)).duty > 0.0
    assert g.update(_obs(1, 30.0, "critical")).duty <= 0.05
    g2 = build_learning_governor()
    first = g2.update(_obs(0, 30.0))
    serious = g2.update(_obs(1, 30.0, "serious"))
    assert serious.duty <= first.duty
    # Serious pressure: at most half-way between idle and one stream at full speed.
    power = g2.power
    assert g2.budget_w <= power.idle_w + 0.5 * (power.active_w(1) - power.idle_w) + 1e-9


def test_performance_preset_leaves_control_to_the_os():
    g = build_learning_governor("performance")
    assert g.update(_obs(0, 90.0, power=40.0)).duty == 1.0
    assert g.update(_obs(1, 90.0, "critical", power=40.0)).duty <= 0.05


def test_preset_switch_keeps_running():
    g = build_learning_governor("performance", max_batch=6)
    g.update(_obs(0, 70.0))
    g.set_config(PRESETS["cool"])
    assert g.config.limit_c == 55.0 and g.config.max_batch == 6
    assert g.update(_obs(30, 70.0)).duty < 1.0


def test_pacing_from_duty():
    assert pacing_for(1.0, 0.03) == 0.0
    assert pacing_for(0.5, 0.03) == pytest.approx(0.03)
    assert pacing_for(0.25, 0.02) == pytest.approx(0.06)
    assert pacing_for(0.0, 0.02) == float("inf")


def test_baselines():
    bb = BangBang(8, LIMIT, 18.0)
    assert bb.update(_obs(0, 54.0)).duty == 1.0
    assert bb.update(_obs(1, 55.2)).duty == 0.0
    assert bb.update(_obs(2, 50.0, power=20.0)).duty == 0.0
    sw = StepWise(8, LIMIT, levels=10)
    sw.update(_obs(0, 55.5))
    sw.update(_obs(1, 55.8))
    assert sw.state == 2
    sw.update(_obs(2, 54.0))
    assert sw.state == 1


def test_profiles_and_scenarios_load_and_name_the_builtins_on_error():
    assert load_scenario("w2-chat").workload.kind == "chat"
    with pytest.raises(FileNotFoundError, match="fanless-laptop"):
        load_profile("no-such-laptop")


def test_sensor_noise_defaults_match_the_issue():
    noise = SensorNoise()
    assert (
        noise.lag_samples,
        noise.temp_sigma_c,
        noise.temp_resolution_c,
        noise.power_sigma_w,
    ) == (1, 0.25, 0.1, 0.2)
