"""Identification: the governor learns the plant and the power curve from its own readings."""

from __future__ import annotations

from dataclasses import replace

import pytest

from thermal.control import Observation
from thermal.governor import build_learning_governor
from thermal.metrics import score
from thermal.power_model import GENERIC_POWER, PowerModel
from thermal.profiles import DeviceProfile, PowerParams, ThermalParams, load_profile
from thermal.scenarios import Scenario, SensorNoise, Workload
from thermal.simulation import simulate

LIMIT = 55.0

# A machine unlike any shipped profile or prior: slow die, big case, a warm room.
ODD_MACHINE = DeviceProfile(
    name="odd",
    description="test",
    thermal=ThermalParams(r1=1.2, c1=25.0, r2=5.5, c2=500.0),
    power=PowerParams(p_idle=1.5, p_base=3.0, t_mem=0.03, t_c=0.003, e_w=0.25, e_tok=0.015),
    ambient_c=30.0,
)


def _backlogged(minutes: int, **sensor) -> Scenario:
    return Scenario(
        "id",
        Workload("backlogged", streams=8),
        duration_s=minutes * 60,
        sensor=SensorNoise(**sensor),
    )


@pytest.mark.parametrize(
    "profile", [load_profile("fanless-laptop"), ODD_MACHINE], ids=["fanless", "odd"]
)
def test_recovers_thermal_resistance_and_sustainable_power_within_20_percent(profile):
    governor = build_learning_governor()
    simulate(profile, _backlogged(120), governor)
    est = governor.plant.estimate()
    th = profile.thermal
    target = LIMIT - governor.config.margin_c
    true_sustainable = (target - profile.ambient_c) / (th.r1 + th.r2)
    assert est.r_total == pytest.approx(th.r1 + th.r2, rel=0.2)
    assert est.sustainable_w(target) == pytest.approx(true_sustainable, rel=0.2)
    assert governor.status.sustainable_w == pytest.approx(est.sustainable_w(LIMIT), abs=0.01)


def test_power_per_batch_is_learned_from_the_power_sensor():
    profile = load_profile("fan-mini")
    governor = build_learning_governor()
    simulate(profile, _backlogged(20), governor)
    model = governor.power
    assert model.calibrated
    truth = profile.power
    for batch in (8,):  # the batch the run used most
        assert model.active_w(batch) == pytest.approx(truth.active_power(batch), rel=0.1)
    assert model.idle_w == pytest.approx(truth.p_idle, abs=1.5)
    assert governor.status.power_source == "measured" and governor.status.power_trust == "high"


def test_power_sources_are_named_with_their_trust():
    g = build_learning_governor()
    g.update(Observation(0.0, 30.0, 9.0, 8, 8, 1.0))
    assert (g.status.power_source, g.status.power_trust) == ("measured", "high")
    g.update(Observation(1.0, 30.0, None, 8, 8, 1.0))
    assert (g.status.power_source, g.status.power_trust) == ("prior", "low")
    assert "uncalibrated" in g.status.text or g.status.state == "cooling"


def test_without_a_power_sensor_the_estimate_is_conservative_and_true_power_stays_capped():
    profile = load_profile("well-cooled-box")  # 36 W flat out: the cap is what binds here
    governor = build_learning_governor()
    trace = simulate(profile, _backlogged(30, power=False), governor)
    m = score(trace, LIMIT, None)
    assert m.mean_power_w <= 18.0 and m.max_60s_power_w <= 19.0  # on the TRUE power
    model = governor.power
    assert not model.calibrated
    assert model.power_w(1.0, 8) >= profile.power.active_power(8)  # never an underestimate
    assert governor.status.power_source == "prior"


def test_a_few_real_readings_calibrate_the_load_model():
    model = PowerModel(GENERIC_POWER, max_batch=8)
    truth = load_profile("fanless-laptop").power
    for k in range(80):
        busy = (0.3, 0.6, 1.0)[(k // 10) % 3]
        obs = Observation(float(k), 40.0, None, 8, 8, busy)
        model.learn(obs, truth.power(8, busy))
    assert model.calibrated
    assert model.power_w(0.6, 8) == pytest.approx(truth.power(8, 0.6), rel=0.1)


def test_biased_power_sensor_is_reported_as_measured_and_used_as_read():
    """A sensor that reads 20 % low cannot be told from a true one by its readings alone (the
    same temperatures follow from P with R, or 0.8·P with 1.25·R): the governor caps what
    the sensor says. The fleet bench measures what that costs."""
    profile = load_profile("well-cooled-box")
    trace = simulate(
        profile,
        replace(_backlogged(20), sensor=SensorNoise(power_bias=-0.2)),
        build_learning_governor(),
    )
    m = score(trace, LIMIT, None)
    assert 18.0 < m.mean_power_w / 1.0 < 18.0 / 0.8 + 0.5
