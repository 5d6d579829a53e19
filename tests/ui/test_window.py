"""The desktop app as a user drives it: offscreen Qt, a real worker on the tiny model."""

from __future__ import annotations

import os
import signal

import pytest
from PySide6.QtCore import QTimer

pytestmark = pytest.mark.gui


def _send(qtbot, window, text: str) -> None:
    window.input.setPlainText(text)
    window.send()
    qtbot.waitUntil(lambda: window.stream is None, timeout=60_000)


def test_window_without_a_model_asks_for_one(qtbot, fennec_home):
    from app.ui.app import FennecApp

    app = FennecApp()
    qtbot.addWidget(app.window)
    app.window.show()
    assert "Fennec" in app.window.windowTitle()
    assert app.window.pages.currentIndex() == 0
    assert "Choose or download a model" in app.window.empty_label.text()
    assert not app.window.send_button.isEnabled()
    app.shutdown()


def test_chat_streams_renders_and_is_stored(qtbot, fennec_app):
    window = fennec_app.window
    window.settings.set("temperature", 0.0)  # greedy: the same non-empty answer every run
    _send(qtbot, window, "Hello from the window")
    messages = window.history.messages(window.conversation_id)
    assert [m.role for m in messages] == ["user", "assistant"]
    assert messages[1].status == "complete" and messages[1].content
    assert "Hello from the window" in window.chat_view.toPlainText()
    # Each message was rendered once: the streamed answer was only ever redrawn at its tail.
    assert [window.chat_view.renders[m.id] for m in messages] == [1, 1]
    assert window.conversation_list.conversation_ids() == [window.conversation_id]
    assert fennec_app.window.history.search("window")[0].conversation_id == window.conversation_id


def test_ui_stays_responsive_while_streaming(qtbot, fennec_app):
    window = fennec_app.window
    window.settings.set("max_tokens", 2000)
    window.settings.set("temperature", 0.0)  # greedy: this prompt runs ~1,000 tokens
    ticks_while_streaming = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks_while_streaming.append(window.stream is not None))
    timer.start(10)
    window.input.setPlainText("Tell me a long story")
    window.send()
    qtbot.waitUntil(lambda: window.stream is None, timeout=120_000)
    timer.stop()
    chunks = len(window.history.messages(window.conversation_id)[-1].content)
    # The event loop kept turning (timers fired, repaints happened) while tokens arrived;
    # `fennec bench ui` measures the longest stall.
    assert sum(ticks_while_streaming) >= 5 and chunks > 100


LONG_PROMPT = "keep talking"  # greedy on the tiny model: 2,000+ tokens without an end of turn


def _start_long_answer(qtbot, window) -> None:
    """Send, and return once the first tokens of a very long answer are stored."""
    window.settings.set("max_tokens", 30000)
    window.settings.set("temperature", 0.0)
    window.input.setPlainText(LONG_PROMPT)
    window.send()
    qtbot.waitUntil(
        lambda: window.history.messages(window.conversation_id)[-1].content != "", timeout=30_000
    )


def _pause_worker(window, paused: bool) -> None:
    import httpx

    r = httpx.post(
        f"{window.base_url}/fennec/pause",
        json={"paused": paused},
        headers={"Authorization": f"Bearer {window.token}"},
        timeout=10,
    )
    r.raise_for_status()


def test_stop_keeps_the_partial_answer_even_while_no_token_comes(qtbot, fennec_app):
    window = fennec_app.window
    _start_long_answer(qtbot, window)
    _pause_worker(window, True)  # no more tokens (and no natural end) until resumed
    window.stop()
    qtbot.waitUntil(lambda: window.stream is None, timeout=30_000)
    last = window.history.messages(window.conversation_id)[-1]
    assert last.status == "stopped" and last.content


def test_regenerate_and_edit_replace_later_messages(qtbot, fennec_app):
    window = fennec_app.window
    window.settings.set("max_tokens", 16)
    _send(qtbot, window, "first question")
    first_answer = window.history.messages(window.conversation_id)[-1].created_at
    window.regenerate()
    qtbot.waitUntil(lambda: window.stream is None, timeout=60_000)
    messages = window.history.messages(window.conversation_id)
    assert [m.role for m in messages] == ["user", "assistant"]
    assert messages[-1].created_at > first_answer  # a new answer replaced the old one
    window.edit_message(messages[0].id, "edited question")
    qtbot.waitUntil(lambda: window.stream is None, timeout=60_000)
    messages = window.history.messages(window.conversation_id)
    assert [m.content for m in messages][0] == "edited question" and len(messages) == 2


def test_worker_crash_keeps_the_partial_answer_and_restarts(qtbot, fennec_app):
    window = fennec_app.window
    _start_long_answer(qtbot, window)
    _pause_worker(window, True)  # the answer cannot end by itself before the crash
    old_pid = fennec_app.supervisor.process.processId()
    os.kill(old_pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: window.stream is None, timeout=30_000)
    last = window.history.messages(window.conversation_id)[-1]
    assert last.status == "error" and last.content  # nothing that arrived is lost
    assert window.banner.isVisible() and "Traceback" not in window.banner.text()
    supervisor = fennec_app.supervisor

    def restarted() -> bool:
        return (
            supervisor.process is not None
            and supervisor.process.processId() != old_pid
            and bool(window.base_url)
            and supervisor.ready
        )

    qtbot.waitUntil(restarted, timeout=120_000)
    window.settings.set("max_tokens", 16)
    _send(qtbot, window, "still there?")
    assert window.history.messages(window.conversation_id)[-1].status == "complete"


def test_search_dialog_jumps_to_the_message(qtbot, fennec_app):
    from app.ui.search_dialog import SearchDialog

    window = fennec_app.window
    history = window.history
    target = history.create_conversation("Desert foxes")
    mid = history.add_message(target, "user", "耳朵很大的狐狸 lives in the Sahara")
    other = history.create_conversation("Other")
    history.add_message(other, "user", "nothing here")
    window.open_conversation(other)
    dialog = SearchDialog(history, window)
    qtbot.addWidget(dialog)
    dialog.hit_was_chosen.connect(window.open_conversation)
    dialog.query.setText("狐狸")
    dialog.run_search()
    assert dialog.results.count() == 1
    dialog._choose(dialog.results.item(0))
    assert window.conversation_id == target
    assert f"m{mid}" in window.chat_view.toHtml() or "Sahara" in window.chat_view.toPlainText()
    dialog.query.setText('"((')
    dialog.run_search()  # odd syntax: a calm result, never an exception


def test_conversation_rename_pin_delete(qtbot, fennec_app):
    window = fennec_app.window
    h = window.history
    a = h.create_conversation("alpha")
    b = h.create_conversation("beta")
    window.refresh_conversations()
    h.pin(a)
    window.refresh_conversations()
    assert window.conversation_list.conversation_ids()[0] == a
    assert window.conversation_list.item(0).text() == "Pinned"
    window.delete_conversation(b)
    assert b not in window.conversation_list.conversation_ids()
    window.deletion.finish()  # the undo window passed
    assert [c.id for c in h.conversations()] == [a]


def test_a_broken_model_is_a_calm_message_in_the_window(qtbot, fennec_home, tmp_path):
    from app.ui.app import FennecApp

    broken = tmp_path / "broken-model"
    broken.mkdir()
    (broken / "config.json").write_text("{")
    app = FennecApp(str(broken))
    qtbot.addWidget(app.window)
    app.window.show()
    qtbot.waitUntil(lambda: "not valid JSON" in app.window.banner.text(), timeout=60_000)
    assert "Traceback" not in app.window.banner.text()
    assert app.window.banner.isVisible() and app.window.pages.currentIndex() == 0
    assert not app.window.send_button.isEnabled()
    app.shutdown()
