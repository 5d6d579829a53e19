"""Every worker state is visible in the window, with what to do about it; stale figures go."""

from __future__ import annotations

import pytest

from app.ui.worker_state import thermal_note

pytestmark = pytest.mark.gui

RUNNING = {
    "engine": "llamacpp",
    "device": "cpu",
    "model": "tiny",
    "tokens_per_s": 42.0,
    "temperature_c": 48.2,
    "power_w": 12.5,
    "temperature_limit_c": 55.0,
    "throttle": 0.0,
    "paused": False,
}


@pytest.fixture
def window(qtbot, fennec_home):
    from app.history import History
    from app.settings import Settings
    from app.ui.main_window import MainWindow

    history = History()
    w = MainWindow(history, Settings())
    qtbot.addWidget(w)
    w.show()
    yield w
    history.close()


def test_loading_then_ready_then_figures(window):
    window.show_loading("/models/tiny-moe")
    assert window.banner.isVisible() and window.banner.text() == "Loading tiny-moe…"
    assert window.banner.busy.isVisible()  # under way, for as long as it takes
    assert window.pages.currentIndex() == 1 and not window.send_button.isEnabled()
    assert window.state_view.figures.text() == "Loading the model…"
    window.set_worker("http://127.0.0.1:1/v1", "t", "tiny-moe")
    assert not window.banner.isVisible() and "tiny-moe" in window.state_view.figures.text()
    window.show_banner("The model is not ready yet.")
    assert not window.banner.busy.isVisible()
    window.show_status(RUNNING)
    assert "42.0 tok/s" in window.state_view.figures.text()
    assert window.thermal_chip.text() == "48 °C · 12.5 W"
    assert window.thermal_chip.state == "cool"


def test_restart_clears_the_figures_and_says_so(window):
    window.set_worker("http://127.0.0.1:1/v1", "t", "tiny")
    window.show_status(RUNNING | {"thermal_state": "cooling", "cooling_wait_s": 20.0})
    window.worker_lost("The model worker crashed (SIGSEGV); restarting…")
    window.show_status(None)
    assert "tok/s" not in window.state_view.figures.text()
    assert window.state_view.figures.text() == "Restarting the model…"
    assert window.thermal_chip.text() == "—" and window.state_view.note.text() == ""
    assert window.banner.isVisible() and not window.banner.button.isVisible()
    assert window.banner.busy.isVisible()
    assert not window.send_button.isEnabled()


def test_a_missed_poll_keeps_the_figures_without_flicker(window):
    window.set_worker("http://127.0.0.1:1/v1", "t", "tiny")
    window.show_status(RUNNING | {"paused": True})
    window.show_status(None)  # one poll timed out while the worker was busy
    assert "42.0 tok/s" in window.state_view.figures.text()
    assert window.state_view.pause_banner.isVisible()


def test_a_failed_model_says_why_and_offers_another(qtbot, window):
    window.set_worker("http://127.0.0.1:1/v1", "t", "tiny")
    window.show_status(RUNNING)
    window.worker_lost("config.json is not valid JSON")
    assert "not valid JSON" in window.banner.text()
    assert "tiny" not in window.state_view.figures.text()
    assert window.banner.button.isVisible() and not window.banner.busy.isVisible()
    assert window.banner.button.text() == "Choose another model…"
    with qtbot.waitSignal(window.model_was_requested, timeout=1000):
        window.banner.button.click()


def test_paused_shows_resume_that_asks_the_worker(qtbot, window):
    window.set_worker("http://127.0.0.1:1/v1", "t", "tiny")
    pause = window.state_view.pause_banner
    window.show_status(RUNNING | {"paused": True})
    assert pause.isVisible() and pause.text().startswith("Generation is paused")
    assert pause.button.text() == "Resume"
    with qtbot.waitSignal(window.resume_was_requested, timeout=1000):
        pause.button.click()
    window.show_status(RUNNING)
    assert not pause.isVisible()


def test_the_governors_cooling_pause_is_a_quiet_note(window):
    window.show_status(RUNNING | {"thermal_state": "cooling", "cooling_wait_s": 19.6})
    assert window.state_view.note.text() == "Cooling down, about 20 s"
    assert not window.banner.isVisible()
    window.show_status(RUNNING | {"thermal_state": "ok"})
    assert window.state_view.note.text() == ""


def test_thermal_note_words():
    assert thermal_note(None) == ""
    assert thermal_note({"thermal_state": "cooling"}) == "Cooling down"
    assert "cannot" in thermal_note({"thermal_state": "infeasible", "thermal_note": "cannot"})
    assert "sensor" in thermal_note({"thermal_state": "blind"})


def test_chip_click_asks_for_the_status_window(qtbot, window):
    window.show_status(RUNNING | {"temperature_c": 60.0})
    assert window.thermal_chip.state == "hot"
    assert "60.0 °C" in window.thermal_chip.toolTip()
    with qtbot.waitSignal(window.status_was_requested, timeout=1000):
        window.thermal_chip.click()
