"""The worker's thermal loop: sensors → governor → scheduler knobs, on a simulated laptop."""

from __future__ import annotations

import httpx

from inference.scheduler import Scheduler
from inference.thermal_loop import ThermalLoop, build_governor
from inference.worker_process import start_worker
from tests.fake_engine import FakeEngine
from thermal.clock import ManualClock
from thermal.knobs import StepReport
from thermal.profiles import load_profile
from thermal.sensors.readings import Reading, Snapshot
from thermal.sensors.simulated import SimulatedLaptop

STEP_S = 0.03


def _busy_scheduler() -> tuple[Scheduler, FakeEngine]:
    """A scheduler with one request admitted and its engine parked mid-step: demand is 1."""
    import threading
    import time

    from inference.requests import ChatRequest

    engine = FakeEngine(words_per_answer=10**9)
    engine.step_gate = threading.Semaphore(0)
    scheduler = Scheduler(lambda: engine, max_batch=8)
    scheduler.start()
    scheduler.submit(ChatRequest([{"role": "user", "content": "go"}]), lambda e: None)
    while scheduler.status().active_requests == 0:
        time.sleep(0.01)
    return scheduler, engine


def _stop(scheduler: Scheduler, engine: FakeEngine) -> None:
    scheduler._stopping = True
    engine.step_gate.release(10)  # let the parked step return so the thread can end
    scheduler.stop()


def test_closed_loop_holds_the_simulated_laptop_under_the_limit():
    clock = ManualClock()
    profile = load_profile("fanless-laptop")
    scheduler, engine = _busy_scheduler()
    try:
        laptop = SimulatedLaptop(profile, clock, seed=1)
        loop = ThermalLoop(scheduler, laptop, build_governor("cool", 8, profile), "cool", clock)
        temps = []
        for _ in range(900):
            # The engine's work this second, as the knobs allow it: steps of STEP_S, each
            # followed by the scheduler's pacing delay.
            pacing = scheduler.status().pacing_s
            steps = int(1.0 / (STEP_S + pacing))
            for _ in range(steps):
                loop._on_step(StepReport(batch_size=8, seconds=STEP_S, tokens=8))
            clock.advance(1.0)
            loop.sampler.sample_once()
            temps.append(loop.status_extra()["temperature_c"])
        extra = loop.status_extra()
        pacing = scheduler.status().pacing_s
    finally:
        _stop(scheduler, engine)
    assert max(temps[60:]) <= 55.6  # measured, with 0.25 °C noise, 1-sample lag
    assert pacing > 0  # the governor is throttling
    assert extra["throttle"] > 0.3
    assert extra["temperature_source"] == "simulated:fanless-laptop/die"
    assert len(extra["history"]) == 120


class _NoSensors:
    def read(self) -> Snapshot:
        return Snapshot(0.0, (), (), None, ("temperature: none", "power: none"))


def test_no_temperature_sensor_holds_the_documented_blind_cap_and_says_so():
    scheduler, engine = _busy_scheduler()
    try:
        loop = ThermalLoop(scheduler, _NoSensors(), build_governor("cool", 8, None), "cool")
        for _ in range(3):
            loop.sampler.sample_once()
        extra = loop.status_extra()
        # Never flat out blind: the generic 3.5 W cap on a 45 W power guess is a deep throttle.
        assert scheduler.status().pacing_s > 0
        assert extra["governed"] is True and extra["missing_sensors"]
        assert extra["thermal_state"] == "blind"
        assert "no temperature sensor" in extra["thermal_note"]
        assert extra["power_trust"] == "low" and extra["power_estimate"] == "prior"
        assert extra["power_source"] == "estimated from CPU load"
        from app.thermal_state import tray_state

        tray = tray_state(extra | {"tokens_per_s": 0.0})
        assert tray.state == "blind" and "no temperature sensor" in tray.tooltip
    finally:
        _stop(scheduler, engine)


class _Hot:
    """A machine at rest, then a die far over the limit (idle power: nothing runs while it
    cools), then cool again."""

    def __init__(self, clock, hot_from, cool_at):
        self.clock, self.hot_from, self.cool_at, self.n = clock, hot_from, cool_at, 0

    def read(self) -> Snapshot:
        self.n += 1
        temp = 75.0 if self.hot_from < self.n <= self.cool_at else 30.0
        return Snapshot(
            self.clock.monotonic(),
            (Reading(temp, "°C", "test/die", "die"),),
            (Reading(3.0, "W", "test", "package"),),
        )


def test_cooling_pause_parks_the_scheduler_and_queued_work_resumes_by_itself():
    from inference.thermal_loop import COOLING_PACING_S

    clock = ManualClock()
    scheduler, engine = _busy_scheduler()
    try:
        loop = ThermalLoop(
            scheduler, _Hot(clock, 5, 25), build_governor("cool", 8, None), "cool", clock
        )
        for _ in range(25):
            clock.advance(1.0)
            loop.sampler.sample_once()
        extra = loop.status_extra()
        assert scheduler.status().pacing_s == COOLING_PACING_S
        assert extra["thermal_state"] == "cooling" and extra["cooling_wait_s"] is not None
        from app.thermal_state import tray_state

        assert tray_state(extra | {"tokens_per_s": 0.0}).tooltip.startswith("Fennec — cooling down")
        for _ in range(40):
            clock.advance(1.0)
            loop.sampler.sample_once()
        assert scheduler.status().pacing_s < COOLING_PACING_S  # running again, untouched
        assert loop.status_extra()["thermal_state"] != "cooling"
    finally:
        _stop(scheduler, engine)


class _PowerOnly:
    def __init__(self, watts):
        self.watts = watts

    def read(self) -> Snapshot:
        return Snapshot(0.0, (), (Reading(self.watts, "W", "test", "package"),), None, ())


def test_power_only_machine_is_held_to_the_power_limit():
    scheduler, engine = _busy_scheduler()
    try:
        loop = ThermalLoop(scheduler, _PowerOnly(30.0), build_governor("cool", 8, None), "cool")
        loop.sampler.sample_once()
        assert scheduler.status().pacing_s > 0
    finally:
        _stop(scheduler, engine)


def test_serve_with_thermal_sim_reports_governor_fields_and_switches_presets(tiny_model):
    worker = start_worker(str(tiny_model), "mlx", extra_args=("--thermal-sim", "fan-mini"))
    try:
        headers = {"Authorization": f"Bearer {worker.token}"}
        with httpx.Client(base_url=worker.base_url, headers=headers, timeout=60) as c:
            c.post(
                "/chat/completions",
                json={"messages": [{"role": "user", "content": "hi"}], "max_tokens": 32},
            )
            import time

            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                st = c.get("/fennec/status").json()
                if st["history"]:
                    break
                time.sleep(0.2)
            assert st["preset"] == "cool" and st["temperature_limit_c"] == 55.0
            assert st["temperature_source"].startswith("simulated:fan-mini")
            assert st["temperature_c"] is not None and st["power_w"] is not None
            assert "throttle" in st and st["history"]
            # The simulated profile is the plant only: the governor starts generic, learning.
            assert st["learned"]["device_prior"] == "generic"
            assert st["power_trust"] == "high" and st["thermal_state"] in ("running", "throttled")
            assert c.post("/fennec/preset", json={"preset": "balanced"}).status_code == 200
            assert c.get("/fennec/status").json()["preset"] == "balanced"
            assert c.post("/fennec/preset", json={"preset": "turbo"}).status_code == 400
    finally:
        worker.stop()
