"""The transcript renders each message once, redraws only the streaming answer's tail, and reads
a long conversation a page at a time. No worker here: a stand-in stream is driven by hand."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QObject, Signal

from app.history import History
from app.settings import Settings
from app.ui.render import stable_length
from app.ui.transcript import PAGE_SIZE

pytestmark = pytest.mark.gui


class HandStream(QObject):
    """Stands in for ChatStream: the test says what arrives and when."""

    chunk_did_arrive = Signal(str)
    reasoning_did_arrive = Signal(str)
    usage_did_arrive = Signal(dict)
    stream_did_finish = Signal(str)
    stream_did_fail = Signal(str)
    made: list[HandStream] = []

    def __init__(self, deltas, _connections) -> None:
        super().__init__()
        self.deltas = deltas
        self.messages = deltas.prompt
        HandStream.made.append(self)

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass


@pytest.fixture
def window(qtbot, fennec_home, monkeypatch):
    from app.ui import answering, main_window

    HandStream.made = []
    monkeypatch.setattr(answering, "ChatStream", HandStream)
    history = History()
    w = main_window.MainWindow(history, Settings())
    qtbot.addWidget(w)
    w.show()
    w.set_worker("http://127.0.0.1:1", "token", "hand")
    yield w
    history.close()


def _seed(history: History, turns: int, code_every: int = 0) -> int:
    cid = history.create_conversation("seeded")
    for i in range(turns):
        history.add_message(cid, "user", f"question {i}")
        code = f"\n```python\nprint({i})\n```\n" if code_every and i % code_every == 0 else ""
        history.add_message(cid, "assistant", f"answer {i} about foxes{code}")
    return cid


ANSWER = [
    "Fennec foxes ",
    "live in the Sahara.\n\n",
    "Their ears shed heat.\n\n```python\n",
    "def cool(fox):\n",
    "    return fox.ears\n```\n",
    "That is all, ",
    "really.",
]


def test_streaming_redraws_only_the_answer_and_highlights_code_once(window):
    cid = _seed(window.history, 5, code_every=2)
    window.open_conversation(cid)
    finished = dict(window.chat_view.renders)
    assert len(finished) == 10 and set(finished.values()) == {1}
    window.input.setPlainText("tell me about fennecs")
    window.send()
    stream = HandStream.made[-1]
    prompt = stream.messages()  # what ChatStream sends, read on its own thread
    assert len(prompt) == 11 and prompt[-1] == {"role": "user", "content": "tell me about fennecs"}
    for chunk in ANSWER:
        stream.chunk_did_arrive.emit(chunk)
        window.answering._render_if_dirty()  # what the 50-ms timer does
        assert all(window.chat_view.renders[mid] == 1 for mid in finished)
    text = window.chat_view.toPlainText()
    assert "live in the Sahara." in text and "return fox.ears" in text and "really." in text
    stream.stream_did_finish.emit("stop")
    answer = window.history.messages(cid)[-1]
    assert answer.status == "complete" and answer.content == "".join(ANSWER)
    # Each message, the new question and answer included, was rendered once; the streamed
    # code block was highlighted and given its copy link once.
    assert set(window.chat_view.renders.values()) == {1}
    assert len(window.chat_view.renders) == 12
    assert window.chat_view.code_blocks.count("def cool(fox):\n    return fox.ears\n") == 1
    assert window.chat_view.tail_renders >= 3
    assert "That is all, really." in window.chat_view.toPlainText()
    assert " …" not in window.chat_view.toPlainText()  # the streaming mark is gone


def test_reopening_or_paging_mid_stream_keeps_the_answer_live(window):
    cid = _seed(window.history, 150)
    window.open_conversation(cid)
    window.input.setPlainText("tell me about fennecs")
    window.send()
    stream = HandStream.made[-1]
    for chunk in ANSWER[:3]:
        stream.chunk_did_arrive.emit(chunk)
    window.answering._render_if_dirty()
    window.open_conversation(cid)  # as a search hit in this conversation does
    stream.chunk_did_arrive.emit(ANSWER[3])
    window.answering._render_if_dirty()
    window.chat_view.verticalScrollBar().setValue(0)  # older pages go in above the answer
    assert window.chat_view.renders[window.history.messages(cid)[0].id] == 0
    window.chat_view.load_older(400)  # all the rest
    assert window.chat_view.renders[window.history.messages(cid)[0].id] == 1
    for chunk in ANSWER[4:]:
        stream.chunk_did_arrive.emit(chunk)
        window.answering._render_if_dirty()
    stream.stream_did_finish.emit("stop")
    text = window.chat_view.toPlainText()
    assert text.startswith("\n") and "question 0\n" in text
    # The answer ends, and says who made it (no route was planned by the stand-in: local).
    assert text.rstrip().endswith("That is all, really.\nanswered on this machine")
    assert text.count("Their ears shed heat.") == 1 and " …" not in text


def test_stop_and_a_lost_worker_mark_the_answer(window):
    window.input.setPlainText("first")
    window.send()
    HandStream.made[-1].chunk_did_arrive.emit("partial answer")
    window.stop()
    assert "(stopped)" in window.chat_view.toPlainText()
    assert window.history.messages(window.conversation_id)[-1].status == "stopped"
    window.input.setPlainText("second")
    window.send()
    HandStream.made[-1].chunk_did_arrive.emit("cut short")
    window.worker_lost("the model stopped")
    assert "(interrupted)" in window.chat_view.toPlainText()
    last = window.history.messages(window.conversation_id)[-1]
    assert last.status == "error" and last.content == "cut short"


def test_a_long_conversation_opens_at_the_newest_and_loads_older_on_scroll(window):
    cid = _seed(window.history, 150)  # 300 messages
    window.open_conversation(cid)
    view = window.chat_view
    assert len(view.renders) == PAGE_SIZE
    assert "answer 149 about foxes" in view.toPlainText()
    assert "question 0\n" not in view.toPlainText()
    bar = view.verticalScrollBar()
    assert bar.value() == bar.maximum() > 0  # the newest is on screen
    bar.setValue(0)  # the user scrolls to the top
    assert len(view.renders) == 2 * PAGE_SIZE
    assert bar.value() > 0  # what was on screen stayed there, the new page is above it
    while bar.value() == 0 or len(view.renders) < 300:
        before = len(view.renders)
        bar.setValue(0)
        if len(view.renders) == before:
            break
    assert len(view.renders) == 300 and set(view.renders.values()) == {1}
    assert view.toPlainText().index("question 0") < view.toPlainText().index("question 149")


def test_search_opens_an_old_message_loading_down_to_it(window):
    cid = _seed(window.history, 150)
    oldest = window.history.messages(cid)[2]  # "question 1"
    window.open_conversation(cid, oldest.id)
    view = window.chat_view
    assert view.renders[oldest.id] == 1
    block = view.document().find("question 1").block()
    top = view.document().documentLayout().blockBoundingRect(block).top()
    bar = view.verticalScrollBar()
    assert bar.value() <= top <= bar.value() + view.viewport().height()


def test_links_copy_edit_and_copy_code(window, qtbot):
    from PySide6.QtCore import QUrl
    from PySide6.QtWidgets import QApplication

    cid = _seed(window.history, 3, code_every=1)
    window.open_conversation(cid)
    answer = window.history.messages(cid)[1]
    window.chat_view.anchorClicked.emit(QUrl(f"copy:{answer.id}"))
    assert QApplication.clipboard().text() == answer.content
    window.chat_view.anchorClicked.emit(QUrl("copycode:2"))
    assert QApplication.clipboard().text() == "print(2)\n"


def test_an_answer_cut_by_a_crash_is_recovered_at_start(qtbot, fennec_home):
    from app.ui.main_window import MainWindow

    history = History()
    cid = _seed(history, 1)
    mid = history.add_message(cid, "assistant", "", status="streaming")
    for word in ("recovered ", "sandstorm ", "text"):
        history.append(mid, word)  # journalled, not yet folded: as a kill would leave it
    history.close()
    history = History()
    window = MainWindow(history, Settings())
    qtbot.addWidget(window)
    message = history.message(mid)
    assert message.status == "error" and message.content == "recovered sandstorm text"
    assert history.search("sandstorm")[0].message_id == mid
    window.open_conversation(cid)
    assert "(interrupted)" in window.chat_view.toPlainText()
    history.close()


@pytest.mark.parametrize(
    ("content", "stable"),
    [
        ("one paragraph", 0),
        ("done.\n\nstill typing", len("done.\n\n")),
        ("a\n\n```py\nx = 1\n\ny = 2", len("a\n\n")),  # a break inside open code is not final
        ("```py\nx\n```\nafter", len("```py\nx\n```")),
        ("```py\nx\n```\n\nmore\n\nlast", len("```py\nx\n```\n\nmore\n\n")),
    ],
)
def test_stable_length_stops_where_more_text_could_change_the_rendering(content, stable):
    assert stable_length(content) == stable
