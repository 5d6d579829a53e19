"""A profile with a tuned adapter, chosen in the real app: the worker restarts with the
adapter (the worker's status names it) and the answer comes from it."""

from __future__ import annotations

import json

import pytest

from app.profiles import Profile
from app.tune_run import TuneRequest, TuneRun

pytestmark = pytest.mark.gui


def test_choosing_a_profile_runs_its_adapter_and_answers(qtbot, fennec_app, tmp_path):
    rows = [
        {"messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": "a"}]}
        for i in range(4)
    ]
    data = tmp_path / "qa.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    model = fennec_app.settings.get("model")
    run = TuneRun(TuneRequest(model, data, "triage", iters=4, eval_every=50, governor=False))
    run.execute()
    window = fennec_app.window
    window.profiles.save(Profile("Nurse", model, str(run.out_dir), "You are a triage nurse."))
    window.new_chat()
    window.refresh_header()
    window.header.activated.emit(window.header.findText("Profile: Nurse"))
    window.settings.set("temperature", 0.0)
    window.settings.set("max_tokens", 16)
    window.input.setPlainText("my arm hurts")
    window.send()
    assert window.answer_waits_for_worker  # the worker restarts with the adapter first
    qtbot.waitUntil(lambda: window.stream is not None, timeout=120_000)
    qtbot.waitUntil(lambda: window.stream is None, timeout=120_000)
    answer = window.history.messages(window.conversation_id)[-1]
    assert answer.status == "complete"
    qtbot.waitUntil(
        lambda: (fennec_app._last_status or {}).get("adapter") == "triage", timeout=20_000
    )
    assert window.running_target == (model, str(run.out_dir))
