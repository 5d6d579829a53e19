"""Training under the governor: the thermal loop turns the TrainingPacer's knobs, and the pacer
holds each optimiser step back by the governor's pacing, on a fake clock."""

from __future__ import annotations

from inference.lora_pacing import SLICE_S, TrainingPacer
from inference.thermal_loop import COOLING_PACING_S, ThermalLoop, build_governor
from thermal.clock import ManualClock
from thermal.knobs import StepReport
from thermal.profiles import load_profile
from thermal.sensors.readings import Reading, Snapshot
from thermal.sensors.simulated import SimulatedLaptop

STEP_S = 0.2  # one optimiser step of a small model on a laptop


def test_a_step_is_reported_then_held_back_by_the_pacing():
    clock = ManualClock()
    pacer = TrainingPacer(batch_size=4, clock=clock)
    reports: list[StepReport] = []
    pacer.add_step_observer(reports.append)
    assert pacer.after_step(STEP_S, 400) == 0.0 and clock.monotonic() == 0.0  # ungoverned
    pacer.set_pacing(0.6)
    slept = pacer.after_step(STEP_S, 400)
    assert abs(slept - 0.6) < 1e-9 and abs(clock.monotonic() - 0.6) < 1e-9
    assert reports == [StepReport(4, STEP_S, 400)] * 2
    assert pacer.status().tokens_per_s == 2000.0 and pacer.status().pacing_s == 0.6
    assert abs(pacer.paced_s - 0.6) < 1e-9


class _StopsWhenSlept(ManualClock):
    def __init__(self, pacer_box: list) -> None:
        super().__init__()
        self.box = pacer_box

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        self.box[0].request_stop()  # Ctrl+C during a cooling pause


def test_a_stop_cuts_a_cooling_pause_short():
    box: list = []
    clock = _StopsWhenSlept(box)
    pacer = TrainingPacer(clock=clock)
    box.append(pacer)
    pacer.set_pacing(COOLING_PACING_S)
    assert pacer.after_step(STEP_S, 10) == SLICE_S  # one slice, not five seconds
    assert pacer.stop_requested and pacer.status().active_requests == 0


def _train(pacer: TrainingPacer, loop: ThermalLoop, clock: ManualClock, seconds: float) -> list:
    """Flat-out training for `seconds` of simulated time: each step computes for STEP_S, then
    the pacer sleeps what the governor asks; the sensors are sampled once a second."""
    temps, next_sample = [], 1.0
    while clock.monotonic() < seconds:
        clock.advance(STEP_S)
        pacer.after_step(STEP_S, 512)
        while clock.monotonic() >= next_sample:
            loop.sampler.sample_once()
            temps.append(loop.status_extra()["temperature_c"])
            next_sample += 1.0
    return temps


def _fanless_run(governed: bool) -> tuple[list, float]:
    clock = ManualClock()
    profile = load_profile("fanless-laptop")
    pacer = TrainingPacer(batch_size=4, clock=clock)
    laptop = SimulatedLaptop(profile, clock, seed=1)
    loop = ThermalLoop(pacer, laptop, build_governor("cool", 4, profile), "cool", clock)
    if not governed:
        pacer.set_pacing = lambda seconds: None  # the knob disconnected
    temps = _train(pacer, loop, clock, 900.0)
    return temps, pacer.paced_s


def test_training_on_a_fanless_laptop_stays_under_the_limit_only_when_governed():
    governed, paced_s = _fanless_run(governed=True)
    ungoverned, unpaced_s = _fanless_run(governed=False)
    assert max(governed[60:]) <= 55.6  # the cool preset: 55 °C, same bound as generation
    assert paced_s > 100  # it got there by holding steps back
    assert max(ungoverned) > 58 and unpaced_s == 0.0  # the same work, unpaced, runs hot


class _Hot:
    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock

    def read(self) -> Snapshot:
        return Snapshot(
            self.clock.monotonic(),
            (Reading(80.0, "°C", "test/die", "die"),),
            (Reading(3.0, "W", "test", "package"),),
        )


def test_a_die_far_over_the_limit_pauses_training_for_cooling():
    clock = ManualClock()
    pacer = TrainingPacer(batch_size=2, clock=clock)
    loop = ThermalLoop(pacer, _Hot(clock), build_governor("cool", 2, None), "cool", clock)
    for _ in range(20):
        pacer.after_step(STEP_S, 64)
        clock.advance(1.0)
        loop.sampler.sample_once()
    assert pacer.status().pacing_s == COOLING_PACING_S
    before = clock.monotonic()
    pacer.after_step(STEP_S, 64)
    assert clock.monotonic() - before == COOLING_PACING_S
    assert loop.status_extra()["thermal_state"] == "cooling"


def test_fennec_tune_builds_the_same_loop_serve_runs_on_a_simulated_laptop():
    from inference.lora_pacing import governed_pacer

    pacer, loop = governed_pacer(4, "cool", "fanless-laptop")
    assert loop.scheduler is pacer and loop.preset == "cool"
    assert isinstance(loop.source, SimulatedLaptop)
    pacer.after_step(STEP_S, 512)  # reaches the simulated laptop's power model too
    loop.sampler.sample_once()
    extra = loop.status_extra()
    assert extra["governed"] is True
    assert extra["temperature_source"] == "simulated:fanless-laptop/die"
