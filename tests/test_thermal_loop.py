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


def test_no_sensors_means_no_blind_throttling():
    scheduler = Scheduler(lambda: FakeEngine(), max_batch=8)
    scheduler.start()
    try:
        loop = ThermalLoop(scheduler, _NoSensors(), build_governor("cool", 8, None), "cool")
        loop.sampler.sample_once()
        extra = loop.status_extra()
        assert scheduler.status().pacing_s == 0 and scheduler.status().max_batch == 8
        assert extra["governed"] is False and extra["missing_sensors"]
    finally:
        scheduler.stop()


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
            assert c.post("/fennec/preset", json={"preset": "balanced"}).status_code == 200
            assert c.get("/fennec/status").json()["preset"] == "balanced"
            assert c.post("/fennec/preset", json={"preset": "turbo"}).status_code == 400
    finally:
        worker.stop()
