"""A thinking model in the window: reasoning folded under "Thought for N s", stored beside the
answer, never sent back, searched only when asked, and the per-conversation think switch."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QUrl

from app import history_reasoning
from app.history import History
from app.settings import Settings
from tests.ui.test_transcript import HandStream

pytestmark = pytest.mark.gui


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def window(hand_window):
    w = hand_window()
    w.answering.clock = FakeClock()
    return w


def _think_then_answer(window, reasoning: list[str], answer: list[str], seconds: float) -> int:
    clock = window.answering.clock
    window.input.setPlainText("is a fennec a fox?")
    window.send()
    stream = HandStream.made[-1]
    for piece in reasoning:
        stream.reasoning_did_arrive.emit(piece)
    window.answering._render_if_dirty()
    assert "Thinking…" in window.chat_view.toPlainText()  # said while nothing is answered
    clock.now += seconds
    for piece in answer:
        stream.chunk_did_arrive.emit(piece)
    stream.stream_did_finish.emit("stop")
    return window.history.messages(window.conversation_id)[-1].id


def test_reasoning_is_folded_stored_and_unfolds_on_click(window):
    mid = _think_then_answer(window, ["The user asks ", "about foxes."], ["Yes, it is."], 12.4)
    message = window.history.message(mid)
    assert message.content == "Yes, it is."
    assert message.reasoning == "The user asks about foxes."
    assert message.reasoning_s == pytest.approx(12.4)
    text = window.chat_view.toPlainText()
    assert "▸ Thought for 12 s" in text and "about foxes." not in text
    window._on_link(QUrl(f"think:{mid}"))  # the user unfolds it
    assert "The user asks about foxes." in window.chat_view.toPlainText()
    window._on_link(QUrl(f"think:{mid}"))
    assert "about foxes." not in window.chat_view.toPlainText()
    # Reopened later (from the history, not the stream), it is folded the same way.
    window.open_conversation(window.conversation_id)
    assert "▸ Thought for 12 s" in window.chat_view.toPlainText()


def test_reasoning_is_never_sent_back_to_the_model(window):
    _think_then_answer(window, ["secret musing"], ["Yes."], 2.0)
    window.input.setPlainText("and its ears?")
    window.send()
    prompt = HandStream.made[-1].messages()
    assert [m["role"] for m in prompt] == ["user", "assistant", "user"]
    assert all("secret musing" not in m["content"] for m in prompt)


def test_search_finds_answers_and_thinking_only_when_asked(window):
    from app.ui.search_dialog import SearchDialog

    _think_then_answer(window, ["pondering zebrafish"], ["Plain answer."], 1.0)
    dialog = SearchDialog(window.history, window)
    dialog.query.setText("zebrafish")
    dialog.run_search()
    assert dialog.results.count() == 0
    dialog.include_reasoning.setChecked(True)
    assert dialog.results.count() == 1
    dialog.close()


def test_the_think_switch_is_kept_per_conversation_and_sent(window):
    bar = window.privacy_bar
    window.new_chat()
    bar.think.setCurrentIndex(bar.think.findText("Thinking: off"))
    window.input.setPlainText("quick one")
    window.send()
    cid = window.conversation_id
    assert history_reasoning.think(window.history, cid) is False
    assert HandStream.made[-1].deltas.params["think"] is False
    HandStream.made[-1].stream_did_finish.emit("stop")
    other = window.history.create_conversation("default")
    window.open_conversation(other)
    assert bar.think.currentText() == "Thinking: model default"
    window.input.setPlainText("hi")
    window.send()
    assert "think" not in HandStream.made[-1].deltas.params  # the model decides
    HandStream.made[-1].stream_did_finish.emit("stop")
    window.open_conversation(cid)
    assert bar.think.currentText() == "Thinking: off"


def test_a_real_thinking_model_streams_its_reasoning_apart(qtbot, fennec_home, tmp_path):
    """The real worker (llama.cpp) on a model whose template opens <think>: what it thinks lands
    in the reasoning, not the answer."""
    from app.ui.main_window import MainWindow
    from inference.worker_process import start_worker
    from tests.thinking_model import make_thinking_model

    folder = make_thinking_model(tmp_path / "thinking")
    worker = start_worker(str(folder), "llamacpp", extra_args=("--no-governor",))
    history = History()
    try:
        settings = Settings()
        settings.set("temperature", 0.0)
        settings.set("max_tokens", 24)
        w = MainWindow(history, settings)
        qtbot.addWidget(w)
        w.set_worker(worker.base_url, worker.token, "thinking")
        w.input.setPlainText("think about it")
        w.send()
        qtbot.waitUntil(lambda: w.stream is None, timeout=60_000)
        answer = history.messages(w.conversation_id)[-1]
        assert answer.status == "complete" and answer.reasoning
        assert "<think>" not in answer.content and "<think>" not in answer.reasoning
        assert answer.reasoning not in w.chat_view.toPlainText()  # folded
        assert "Thought for" in w.chat_view.toPlainText()
    finally:
        worker.stop()
        history.close()
