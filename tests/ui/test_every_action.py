"""Every action a user can reach — each button, shortcut, menu and tray item, each dialog
opened and closed — on a running worker, with no error dialog and no exception in a slot
(pytest-qt fails a test on those)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QTimer, QUrl
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QInputDialog,
    QMessageBox,
    QSystemTrayIcon,
    QWidget,
)

pytestmark = [pytest.mark.gui, pytest.mark.slow]


def answer_next_dialog(act: Callable[[QWidget], None], tries: int = 200) -> list[str]:
    """When the next modal dialog opens, hand it to `act` (which closes it). Returns a list
    that receives the dialog's class name, so a test can check a dialog really opened."""
    seen: list[str] = []

    def attempt(left: int) -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            if left:
                QTimer.singleShot(50, lambda: attempt(left - 1))
            return
        seen.append(type(dialog).__name__)
        act(dialog)

    QTimer.singleShot(0, lambda: attempt(tries))
    return seen


def reject(dialog: QWidget) -> None:
    assert isinstance(dialog, QDialog)
    dialog.reject()


@pytest.fixture
def errors(monkeypatch) -> list[str]:
    """Any message box the app raises is an error here."""
    seen: list[str] = []
    for name in ("warning", "critical", "information", "question"):
        monkeypatch.setattr(
            QMessageBox, name, lambda *a, _n=name, **k: seen.append(f"{_n}: {a[2:]}")
        )
    return seen


@pytest.fixture
def app_with_tray(qtbot, tiny_model, fennec_home, monkeypatch, errors):
    """The whole app with its tray (offscreen has no tray host, so we say there is one: the
    menu and its actions are the same objects a tray host shows)."""
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: True))
    from app.ui.app import FennecApp

    app = FennecApp(str(tiny_model))
    qtbot.addWidget(app.window)
    app.window.show()
    qtbot.waitUntil(lambda: bool(app.window.base_url), timeout=120_000)
    app.window.settings.set("max_tokens", 16)
    app.window.settings.set("temperature", 0.0)
    assert app.tray is not None
    yield app
    app.shutdown()


def _action(widget: QWidget, text: str):
    found = [a for a in widget.actions() if a.text() == text]
    assert found, f"no action {text!r}"
    return found[0]


def click_link(window, link: str) -> None:
    """What a click on a link in the transcript does (the view's own signal)."""
    window.chat_view.anchorClicked.emit(QUrl(link))


def _send(qtbot, window, text: str, via: Callable[[], None]) -> None:
    window.input.setPlainText(text)
    via()
    qtbot.waitUntil(lambda: window.stream is None, timeout=60_000)


def test_window_buttons_shortcuts_menus_and_links(
    qtbot, app_with_tray, errors, tmp_path, monkeypatch
):
    app = app_with_tray
    w = app.window
    # Send by button, and by the Ctrl+Enter action; regenerate; stop while idle.
    _send(qtbot, w, "first question", w.send_button.click)
    assert w.history.messages(w.conversation_id)[-1].status == "complete"
    _send(qtbot, w, "second question", _action(w, "Send").trigger)
    w.regenerate_button.click()
    qtbot.waitUntil(lambda: w.stream is None, timeout=60_000)
    # The privacy toggle, both ways.
    from app import history_routing

    toggle = w.privacy_bar.toggle
    toggle.setCurrentIndex(toggle.findText("Allowed-remote"))
    assert history_routing.privacy(w.history, w.conversation_id).value == "allowed-remote"
    toggle.setCurrentIndex(toggle.findText("Local-only"))
    assert history_routing.privacy(w.history, w.conversation_id).value == "local-only"
    # Who answers, and the thinking switch, each chosen and set back.
    from app import history_reasoning

    choice = w.privacy_bar.choice
    choice.setCurrentIndex(choice.findText("This machine"))
    assert history_routing.route_choice(w.history, w.conversation_id) == "local"
    choice.setCurrentIndex(choice.findText("Automatic"))
    assert history_routing.route_choice(w.history, w.conversation_id) is None
    think = w.privacy_bar.think
    think.setCurrentIndex(think.findText("Thinking: on"))
    assert history_reasoning.think(w.history, w.conversation_id) is True
    think.setCurrentIndex(think.findText("Thinking: model default"))
    assert history_reasoning.think(w.history, w.conversation_id) is None
    _action(w, "Regenerate").trigger()  # the Chat menu's item (Ctrl+R)
    qtbot.waitUntil(lambda: w.stream is None, timeout=60_000)
    assert w.history.messages(w.conversation_id)[-1].status == "complete"
    w.stop_button.click()  # disabled while idle; clicking does nothing
    _action(w, "Stop").trigger()
    # Copy links, a code block's copy link, and edit (its dialog answered).
    last = w.history.messages(w.conversation_id)[-1]
    w.history.append(last.id, "\n```python\nprint('hi')\n```\n")
    w.open_conversation(w.conversation_id)
    click_link(w, f"copy:{last.id}")
    assert QApplication.clipboard().text().startswith(last.content[:5])
    click_link(w, "copycode:0")
    assert "print('hi')" in QApplication.clipboard().text()
    # An answer's folded thinking, unfolded and folded by its link.
    history_reasoning.set_reasoning(w.history, last.id, "mulling it over", 3.0)
    w.open_conversation(w.conversation_id)
    click_link(w, f"think:{last.id}")
    assert "mulling it over" in w.chat_view.toPlainText()
    click_link(w, f"think:{last.id}")
    assert "mulling it over" not in w.chat_view.toPlainText()
    first_user = w.history.messages(w.conversation_id)[0]

    def edit(dialog: QWidget) -> None:
        assert isinstance(dialog, QInputDialog)
        dialog.setTextValue("edited question")
        dialog.accept()

    opened = answer_next_dialog(edit)
    click_link(w, f"edit:{first_user.id}")
    qtbot.waitUntil(lambda: w.stream is None, timeout=60_000)
    assert opened == ["QInputDialog"]
    assert w.history.messages(w.conversation_id)[0].content == "edited question"
    # Conversation menu: rename (dialog), pin, unpin, export both ways, delete.
    cid = w.conversation_id

    def rename(dialog: QWidget) -> None:
        assert isinstance(dialog, QInputDialog)
        dialog.setTextValue("Renamed chat")
        dialog.accept()

    opened = answer_next_dialog(rename)
    _action(w.conversation_menu(cid), "Rename…").trigger()
    assert opened == ["QInputDialog"] and w.history.conversation(cid).title == "Renamed chat"
    _action(w.conversation_menu(cid), "Pin").trigger()
    assert w.history.conversation(cid).pinned
    _action(w.conversation_menu(cid), "Unpin").trigger()
    for kind, label in (("md", "Export as Markdown…"), ("json", "Export as JSON…")):
        target = tmp_path / f"out.{kind}"
        monkeypatch.setattr(
            QFileDialog, "getSaveFileName", staticmethod(lambda *a, _t=target, **k: (str(_t), ""))
        )
        _action(w.conversation_menu(cid), label).trigger()
        assert "edited question" in target.read_text()
    # New chat by button and by shortcut, then delete the old conversation.
    w.new_button.click()
    assert w.conversation_id is None
    # An example prompt on the welcome is sent at once.
    example = w.welcome.example_buttons[0]
    example.click()
    qtbot.waitUntil(lambda: w.stream is None, timeout=60_000)
    sent = w.history.messages(w.conversation_id)
    assert sent[0].content == example.text() and sent[-1].status == "complete"
    _action(w, "New chat").trigger()
    # Delete, undo from the status bar's button, delete again and let the undo window pass.
    _action(w.conversation_menu(cid), "Delete").trigger()
    assert cid not in w.conversation_list.conversation_ids()
    assert w.deletion.button.isVisible()
    w.deletion.button.click()
    assert cid in w.conversation_list.conversation_ids() and not w.deletion.button.isVisible()
    _action(w.conversation_menu(cid), "Delete").trigger()
    w.deletion.timer.timeout.emit()
    assert all(c.id != cid for c in w.history.conversations())
    # Search by its shortcut; a hit is opened from the keyboard (Enter = itemActivated).
    _send(qtbot, w, "desert foxes have big ears", w.send_button.click)
    _action(w, "Search…").trigger()
    dialog = app.search_dialog
    dialog.query.setText("foxes")
    dialog.run_search()
    assert dialog.results.count() >= 1
    dialog.include_reasoning.setChecked(True)  # and the models' thinking too
    assert dialog.results.count() >= 1
    dialog.reject()
    # The same from the search field at the top of the conversation list.
    w.search_field.setFocus()
    QTest.keyClicks(w.search_field, "f")
    dialog = app.search_dialog
    assert dialog.isVisible() and dialog.query.text() == "f" and w.search_field.text() == ""
    QTest.keyClicks(dialog.query, "oxes")
    dialog.run_search()
    assert dialog.results.count() >= 1
    w.new_chat()
    dialog.results.setCurrentRow(0)
    dialog.results.itemActivated.emit(dialog.results.item(0))
    assert w.conversation_id is not None and not dialog.isVisible()
    # Settings by shortcut: cancelled once, saved once.
    cancelled = answer_next_dialog(reject)
    _action(w, "Settings…").trigger()
    saved = answer_next_dialog(lambda d: d._save())
    _action(w, "Settings…").trigger()
    assert cancelled == saved == ["SettingsDialog"]
    # The status window from the thermal chip in the status bar, shown and closed.
    w.thermal_chip.click()
    assert app.status_window is not None and app.status_window.isVisible()
    app.status_window.close()
    w.thermal_chip.click()
    assert app.status_window.isVisible()
    # The View menu's Status… item.
    app.status_window.close()
    _action(w, "Status…").trigger()
    assert app.status_window.isVisible()
    # The model picker from the empty page's button and from the Model menu, cancelled.
    opened = answer_next_dialog(reject)
    w.choose_button.click()
    assert opened == ["ModelPicker"]
    opened = answer_next_dialog(reject)
    _action(w, "Choose a model…").trigger()
    assert opened == ["ModelPicker"]
    # The header's model list: more models (the picker), and the profiles dialog.
    opened = answer_next_dialog(reject)
    w.header.activated.emit(w.header.findText("Get more models…"))
    assert opened == ["ModelPicker"]
    opened = answer_next_dialog(reject)
    w.header.activated.emit(w.header.findText("Manage profiles…"))
    assert opened == ["ProfilesDialog"]
    assert w.base_url  # the worker kept running through all of it
    assert errors == []
    assert "Something went wrong" not in w.banner.text()


def test_every_tray_item(qtbot, app_with_tray, errors):
    app = app_with_tray
    tray = app.tray
    menu = tray.contextMenu()
    labels = [a.text() for a in menu.actions() if a.text()]
    for key, action in tray.preset_actions.items():
        action.trigger()
        qtbot.waitUntil(lambda k=key: (app._last_status or {}).get("preset") == k, timeout=20_000)
    pause = _action(menu, "Pause")
    pause.trigger()
    qtbot.waitUntil(lambda: (app._last_status or {}).get("paused") is True, timeout=20_000)
    pause.trigger()
    qtbot.waitUntil(lambda: (app._last_status or {}).get("paused") is False, timeout=20_000)
    _action(menu, "Status and graphs…").trigger()
    assert app.status_window is not None and app.status_window.isVisible()
    app.status_window.show_status(app._last_status)
    app.status_window.close()
    app.window.hide()
    _action(menu, "Open Fennec").trigger()
    assert app.window.isVisible()
    app.window.hide()
    tray.activated.emit(QSystemTrayIcon.ActivationReason.Trigger)
    assert app.window.isVisible()
    # A tuning run in another process (its progress file) shows in the tray, then ends.
    from app import tuning_status
    from inference.lora_train import TuneProgress

    tuning_status.write_status("triage", TuneProgress(3, 10, train_loss=2.0))
    app._poll_tuning()
    assert tray.state == "tuning" and "tuning triage" in tray.toolTip()
    tuning_status.clear_status()
    app._poll_tuning()
    assert tray.state != "tuning"
    # Quit: the signal reaches the application's quit (not run here: it would end pytest's
    # event loop); the real quit path is what `shutdown` does, which the fixture runs.
    tray.quit_was_requested.disconnect(QApplication.instance().quit)
    with qtbot.waitSignal(tray.quit_was_requested, timeout=1000):
        _action(menu, "Quit").trigger()
    assert set(labels) >= {"Pause", "Status and graphs…", "Open Fennec", "Quit"}
    assert errors == []


def test_window_quit_shortcut_closes_and_keeps_history(qtbot, app_with_tray, errors):
    w = app_with_tray.window
    _send(qtbot, w, "before quitting", w.send_button.click)
    # Closing the window keeps Fennec in the tray (Linux with a tray); Quit really quits.
    w.settings.set("on_close", "tray")
    w.close()
    assert not w.isVisible() and not QApplication.instance().quitOnLastWindowClosed()
    QApplication.instance().setQuitOnLastWindowClosed(True)  # as pytest-qt had it
    _action(app_with_tray.tray.contextMenu(), "Open Fennec").trigger()
    assert w.isVisible()
    w.quit_was_requested.disconnect()  # the application's quit would end pytest's loop
    with qtbot.waitSignal(w.quit_was_requested, timeout=1000):
        _action(w, "Quit").trigger()
    assert not w.isVisible()
    assert w.history.messages(w.conversation_id)[-1].status == "complete"
    assert errors == []


def test_send_while_paused_says_why_and_resume_answers(qtbot, app_with_tray, errors):
    w = app_with_tray.window
    pause = w.state_view.pause_banner
    _action(app_with_tray.tray.contextMenu(), "Pause").trigger()
    qtbot.waitUntil(lambda: w.state_view.paused, timeout=20_000)
    assert pause.isVisible() and pause.button.text() == "Resume"
    w.input.setPlainText("are you there?")
    w.send_button.click()
    # The empty answer is explained, and the question is kept.
    assert "your answer starts when you resume" in pause.text()
    assert w.history.messages(w.conversation_id)[0].content == "are you there?"
    pause.button.click()  # Resume: posts to the worker's /fennec/pause
    qtbot.waitUntil(lambda: w.stream is None, timeout=60_000)
    qtbot.waitUntil(lambda: not pause.isVisible(), timeout=20_000)
    answer = w.history.messages(w.conversation_id)[-1]
    assert answer.status == "complete" and answer.content
    assert errors == []


def test_a_search_typed_just_before_quitting_does_not_touch_the_closed_history(
    qtbot, tiny_model, fennec_home, errors
):
    from app.ui.app import FennecApp

    app = FennecApp(str(tiny_model))
    qtbot.addWidget(app.window)
    app.open_search()
    app.search_dialog.query.setText("foxes")  # starts the 150-ms debounce
    app.shutdown()
    qtbot.wait(400)  # the debounce would have fired by now
    assert errors == []
