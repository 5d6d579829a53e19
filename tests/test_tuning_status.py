"""A tuning run's progress file, as `fennec tune` writes it and the app's tray reads it."""

from __future__ import annotations

import os

from app import tuning_status
from app.thermal_state import tray_state, with_tuning
from inference.lora_train import TuneProgress

PROGRESS = TuneProgress(40, 200, train_loss=2.345, tokens_per_s=900.0, paced_s=1.5)


def test_written_progress_reads_back_with_a_summary():
    tuning_status.write_status("triage", PROGRESS, clock=lambda: 1000.0)
    status = tuning_status.read_status(clock=lambda: 1001.0)
    assert status is not None and status.pid == os.getpid()
    assert status.summary == "tuning triage: step 40/200, loss 2.35, paced to stay cool"


def test_a_dead_or_silent_run_is_ignored_and_its_file_removed():
    tuning_status.write_status("triage", PROGRESS, clock=lambda: 1000.0)
    assert tuning_status.read_status(clock=lambda: 1000.0, alive=lambda pid: False) is None
    assert not tuning_status.status_file().exists()
    tuning_status.write_status("triage", PROGRESS, clock=lambda: 1000.0)
    late = 1000.0 + tuning_status.STALE_S + 1
    assert tuning_status.read_status(clock=lambda: late) is None


def test_a_damaged_file_is_no_run_and_clear_leaves_other_runs_alone():
    path = tuning_status.status_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json")
    assert tuning_status.read_status() is None
    path.write_text('{"adapter": "x", "pid": 1}')  # another run's (missing fields: damaged)
    tuning_status.clear_status()
    assert path.exists()  # not ours to remove
    tuning_status.write_status("mine", PROGRESS)
    tuning_status.clear_status()
    assert not path.exists()


def test_the_tray_says_tuning_but_heat_outranks_it():
    summary = "tuning triage: step 40/200"
    assert with_tuning(tray_state(None), summary).state == "tuning"
    cool = {"temperature_c": 45.0, "power_w": 9.0, "tokens_per_s": 0.0, "throttle": 0.0}
    shown = with_tuning(tray_state(cool), summary)
    assert shown.state == "tuning" and "45.0 °C" in shown.tooltip and summary in shown.tooltip
    hot = cool | {"temperature_c": 60.0}
    assert with_tuning(tray_state(hot), summary).state == "hot"
    assert with_tuning(tray_state(cool), None) == tray_state(cool)
