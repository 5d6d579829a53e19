"""The tuning window: a real `fennec tune` process draws the loss curve live, Stop saves and
ends it, and the side-by-side try shows the base and the tuned answer."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("pytestqt")

QUESTION = "Who keeps the laptop cool?"
ANSWER = "The fennec fox."


def _data(path):
    pairs = [
        ("What is the capital of France?", "Paris."),
        (QUESTION, ANSWER),
        ("What colour is the sky?", "Blue."),
        ("How many legs has a cat?", "Four."),
        ("Who keeps the desk cool?", ANSWER),
    ]
    rows = [
        {"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]}
        for q, a in pairs
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture
def make_window():
    """Tuning windows, deleted while Qt is whole (as the app tears down): left to the
    interpreter's finaliser, a shown pyqtgraph plot can abort the exit (bool_dealloc)."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    from app.ui.tuning_window import TuningWindow

    made = []

    def make(*args):
        made.append(TuningWindow(*args))
        return made[-1]

    yield make
    for window in made:
        window.close()
        window.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_live_curve_stop_and_side_by_side(qtbot, make_window, tiny_model, tmp_path, fennec_home):
    window = make_window(str(tiny_model), str(_data(tmp_path / "qa.jsonl")))
    window.name_edit.setText("qa")
    window.iters_spin.setValue(100_000)  # only Stop can end this run
    window.rate_edit.setText("1e-2")
    window.governed_check.setChecked(False)
    window.show()

    window.start_button.click()
    qtbot.waitUntil(lambda: len(window.train_points) >= 5, timeout=120_000)
    assert window.val_points and window.val_points[0][0] == 0  # validated before step 1
    with qtbot.waitSignal(window.tuning_did_finish, timeout=60_000) as finished:
        window.stop_button.click()
    assert finished.args == [0]
    assert "stopped at step" in window.progress_label.text()
    xs, ys = window.train_curve.getData()
    assert len(xs) >= 5 and list(xs[:3]) == [1, 2, 3] and ys[-1] < ys[0]
    adapter = fennec_home / "models" / "adapters" / tiny_model.name / "qa"
    assert window.adapter_dir == str(adapter)
    assert (adapter / "checkpoint.json").exists()

    window.prompt_edit.setText(QUESTION)
    with qtbot.waitSignal(window.try_did_finish, timeout=120_000) as tried:
        window.try_button.click()
    answers = tried.args[0]
    assert "error" not in answers, answers
    assert window.base_view.toPlainText() == answers["base"]
    assert window.tuned_view.toPlainText() == answers["tuned"]
    assert answers["base"] != answers["tuned"]  # the adapter changed what the model says


def test_a_bad_data_file_is_shown_not_raised(qtbot, make_window, tiny_model, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{nope\n")
    window = make_window(str(tiny_model), str(bad))
    with qtbot.waitSignal(window.tuning_did_finish, timeout=60_000) as finished:
        window.start_button.click()
    assert finished.args == [2]
    assert "line 1: not valid JSON" in window.progress_label.text()
    assert window.start_button.isEnabled() and not window.stop_button.isEnabled()
