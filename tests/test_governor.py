"""The governor on step responses in the simulated laptop, and its unit behaviour."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from thermal.baselines import BangBang, NoGovernor, StepWise
from thermal.bench import run_thermal_bench
from thermal.control import Observation, pacing_for
from thermal.governor import PRESETS, Governor, PowerEstimate
from thermal.metrics import score
from thermal.profiles import load_profile
from thermal.scenarios import Scenario, SensorNoise, Workload, load_scenario
from thermal.simulation import simulate

LIMIT = 55.0


def _governor(profile, error=0.0, preset="cool"):
    cfg = replace(PRESETS[preset], max_batch=profile.max_batch)
    sustainable = profile.sustainable_power(LIMIT - cfg.margin_c) * (1 + error)
    return Governor(
        cfg, sustainable, PowerEstimate(profile.power.active_power, profile.power.p_idle)
    )


def _scenario(minutes=30, **kw) -> Scenario:
    return Scenario("test", Workload("backlogged", streams=8), duration_s=minutes * 60, **kw)


@pytest.mark.parametrize("name", ["fanless-laptop", "fan-mini", "well-cooled-box"])
def test_full_load_step_stays_within_limits_with_bounded_churn(name):
    profile = load_profile(name)
    trace = simulate(profile, _scenario(), _governor(profile))
    m = score(trace, LIMIT, None)
    assert m.overshoot_c <= 0.5
    assert m.s_above_limit_plus_0_5 <= 30
    assert m.max_60s_power_w <= 19.0
    assert m.changes_per_min <= 3.0
    unthrottled = score(simulate(profile, _scenario(), NoGovernor(8)), LIMIT, None)
    assert unthrottled.max_temp_c > LIMIT + 5  # the scenario really needed throttling


def test_recovers_speed_after_cool_down():
    profile = load_profile("fanless-laptop")
    scenario = _scenario(minutes=60, ambient_step_at_s=20 * 60, ambient_step_c=-10.0)
    trace = simulate(profile, scenario, _governor(profile))
    before = sum(trace.tokens[15 * 60 : 20 * 60])
    after = sum(trace.tokens[55 * 60 : 60 * 60])
    # A cooler room buys speed back, as fast as the 20-minute enclosure lets it.
    assert after > before * 1.12  # the steady state allows ~13 % more power: 5.05 → 5.7 W
    assert max(trace.controlled_c) <= LIMIT + 0.5


def test_wrong_starting_estimate_is_corrected_by_the_loop():
    profile = load_profile("fan-mini")
    for error in (-0.3, 0.3):
        m = score(simulate(profile, _scenario(), _governor(profile, error)), LIMIT, None)
        assert m.overshoot_c <= 0.5 and m.mean_power_w <= 18.0


def test_power_limit_binds_on_a_well_cooled_machine():
    profile = load_profile("well-cooled-box")
    m = score(simulate(profile, _scenario(), _governor(profile)), LIMIT, None)
    assert m.mean_power_w <= 18.0 and m.max_60s_power_w <= 19.0
    assert m.max_temp_c < LIMIT  # temperature was not the constraint here


def _obs(t, temp, pressure=None, demand=8, power=10.0):
    return Observation(t, temp, power, demand, 8, 1.0, pressure)


def test_os_thermal_pressure_overrides_at_once():
    profile = load_profile("fanless-laptop")
    g = _governor(profile)
    assert g.update(_obs(0, 40.0)).duty == 1.0
    critical = g.update(_obs(1, 40.0, "critical"))
    assert critical.duty <= 0.05
    g2 = _governor(profile)
    g2.update(_obs(0, 40.0))
    serious = g2.update(_obs(1, 40.0, "serious"))
    assert serious.duty < 1.0


def test_missing_temperature_falls_back_to_sustainable_power_not_full_speed():
    profile = load_profile("fanless-laptop")
    g = _governor(profile)
    act = g.update(_obs(0, None))
    assert act.duty < 0.5  # 4 W sustainable on a 17 W engine: throttled, not free-running


def test_performance_preset_leaves_control_to_the_os():
    profile = load_profile("fanless-laptop")
    g = _governor(profile, preset="performance")
    assert g.update(_obs(0, 90.0, power=40.0)).duty == 1.0
    assert g.update(_obs(1, 90.0, "critical", power=40.0)).duty <= 0.05


def test_preset_switch_keeps_running():
    profile = load_profile("fanless-laptop")
    g = _governor(profile, preset="performance")
    g.update(_obs(0, 70.0))
    g.set_config(PRESETS["cool"])
    assert g.config.limit_c == 55.0 and g.config.max_batch == profile.max_batch
    assert g.update(_obs(30, 70.0)).duty < 1.0


def test_pacing_from_duty():
    assert pacing_for(1.0, 0.03) == 0.0
    assert pacing_for(0.5, 0.03) == pytest.approx(0.03)
    assert pacing_for(0.25, 0.02) == pytest.approx(0.06)


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


def test_bench_writes_table_json_and_plots(tmp_path, capsys):
    scenario = tmp_path / "short.json"
    scenario.write_text(
        json.dumps({"name": "short", "duration_s": 600, "workload": {"kind": "chat", "users": 3}})
    )
    out = tmp_path / "thermal.json"
    plots = tmp_path / "plots"
    assert run_thermal_bench(["fanless-laptop"], [str(scenario)], out, plots) == 0
    data = json.loads(out.read_text())
    run = data["runs"][0]
    assert set(run["governors"]) == {"oracle", "fennec", "none", "bang-bang", "step_wise"}
    assert run["governors"]["fennec"]["ttft_p95_s"] is not None
    assert (plots / "fanless-laptop--short.png").stat().st_size > 10_000
    assert "fennec" in capsys.readouterr().out


def test_sensor_noise_defaults_match_the_issue():
    noise = SensorNoise()
    assert (
        noise.lag_samples,
        noise.temp_sigma_c,
        noise.temp_resolution_c,
        noise.power_sigma_w,
    ) == (1, 0.25, 0.1, 0.2)
