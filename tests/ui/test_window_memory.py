"""Long conversations and an idle worker, as the window shows them: the oldest messages left
out of the context are noted on the answer, and a model unloaded while idle says so and shows
"loading" when the next message brings it back."""

from __future__ import annotations

import pytest

from app import history_routing
from app.history import History
from app.settings import Settings
from tests.ui.test_transcript import HandStream

pytestmark = pytest.mark.gui
STATUS = {"engine": "llamacpp", "device": "cpu", "model": "tiny", "tokens_per_s": 0.0}


@pytest.fixture
def window(hand_window):
    return hand_window()


def test_a_truncated_answer_says_what_the_model_did_not_see(window):
    window.input.setPlainText("a long chat")
    window.send()
    stream = HandStream.made[-1]
    assert stream.deltas.params.get("truncation") is None  # added per route, on its thread
    stream.chunk_did_arrive.emit("An answer.")
    stream.usage_did_arrive.emit({"completion_tokens": 3, "fennec": {"truncated_messages": 4}})
    stream.stream_did_finish.emit("stop")
    answer = window.history.messages(window.conversation_id)[-1]
    assert answer.unseen_messages == 4
    note = "the 4 earliest messages did not fit in the model's context"
    assert note in window.chat_view.toPlainText()
    window.open_conversation(window.conversation_id)  # read back from the history
    assert note in window.chat_view.toPlainText()


def test_an_unloaded_model_rests_and_says_loading_when_it_comes_back(window):
    window.show_status(STATUS | {"model_state": "unloaded"})
    assert "Model resting" in window.state_view.figures.text()
    window.show_status(STATUS | {"model_state": "loading"})
    assert window.banner.isVisibleTo(window) and "Loading the model" in window.banner.text()
    window.show_status(STATUS | {"model_state": "ready"})
    assert not window.banner.isVisibleTo(window)


def test_a_real_worker_keeps_a_long_chat_going_and_notes_the_cut(qtbot, fennec_home, tiny_model):
    """llama.cpp at a 256-token context: a chat of ~40 long turns is answered (not refused),
    and the note says how many of its oldest messages the model did not see."""
    from app.ui.main_window import MainWindow
    from inference.worker_process import start_worker

    worker = start_worker(
        str(tiny_model), "llamacpp", extra_args=("--no-governor", "--context", "256")
    )
    history = History()
    try:
        settings = Settings()
        settings.set("temperature", 0.0)
        settings.set("max_tokens", 16)
        w = MainWindow(history, settings)
        qtbot.addWidget(w)
        cid = history.create_conversation("long")
        for i in range(20):
            history.add_message(cid, "user", f"question {i} about fennec foxes and their ears")
            history.add_message(cid, "assistant", f"answer {i} about the desert and its heat")
        w.set_worker(worker.base_url, worker.token, "tiny")
        w.open_conversation(cid)
        w.input.setPlainText("and finally?")
        w.send()
        qtbot.waitUntil(lambda: w.stream is None, timeout=60_000)
        answer = history.messages(cid)[-1]
        assert answer.status == "complete" and answer.unseen_messages > 0
        assert history_routing.answered_by(history, answer.id)[0] == "local"
        assert "earliest messages did not fit" in w.chat_view.toPlainText()
    finally:
        worker.stop()
        history.close()
