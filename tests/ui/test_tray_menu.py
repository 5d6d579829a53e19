"""The tray menu reads right: labels as written, a readable summary, right-click shows only
the menu, and the graph says why it is empty."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QSystemTrayIcon

pytestmark = pytest.mark.gui


@pytest.fixture
def tray(qtbot):
    from app.ui.tray import ThermalTray

    return ThermalTray()


def test_preset_labels_show_their_ampersand_and_have_no_mnemonic(tray):
    cool = tray.preset_actions["cool"]
    assert cool.text().replace("&&", "&") == "Cool & quiet"
    assert QKeySequence.mnemonic(cool.text()).isEmpty()


def test_summary_is_readable_text_that_follows_the_status(tray):
    assert tray.summary_label.isEnabled()
    tray.show_status({"temperature_c": 51.0, "power_w": 9.0, "tokens_per_s": 12.0, "throttle": 0.0})
    assert "51.0 °C" in tray.summary_label.text() and "9.0 W" in tray.summary_label.text()


def test_only_a_click_opens_the_window(qtbot, tray):
    opened = []
    tray.window_was_requested.connect(lambda: opened.append(1))
    tray.activated.emit(QSystemTrayIcon.ActivationReason.Context)  # right-click: menu only
    assert opened == []
    tray.activated.emit(QSystemTrayIcon.ActivationReason.Trigger)
    tray.activated.emit(QSystemTrayIcon.ActivationReason.DoubleClick)
    assert opened == [1, 1]


def test_graph_without_readings_paints_a_note_not_a_black_box(qtbot, tray):
    graph = tray.graph
    graph.resize(220, 60)
    blank = graph.grab().toImage()
    colours = {blank.pixel(x, y) for x in range(0, 220, 3) for y in range(0, 60, 3)}
    assert len(colours) > 2  # text drawn over the background
    graph.history = [{"temperature_c": None, "power_w": None}] * 5
    graph.grab()  # readings without values: still a note, no exception


def test_a_tuning_run_shows_in_the_icon_and_summary(tray):
    tray.show_status(None)
    tray.show_tuning("tuning triage: step 4/10, loss 2.10")
    assert tray.state == "tuning" and "step 4/10" in tray.summary_label.text()
    tray.show_tuning(None)  # the run ended
    assert tray.state == "unknown"
