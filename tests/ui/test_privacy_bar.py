"""The privacy toggle per conversation, where the next answer would be made, and who made
each answer (recorded in the history)."""

from __future__ import annotations

import pytest

from app import history_routing
from app.routing import LOCAL, Privacy
from tests.ui.test_transcript import HandStream

pytestmark = pytest.mark.gui


@pytest.fixture
def window(hand_window):
    w = hand_window()
    w.privacy_bar.providers = lambda: ["office"]
    return w


def test_the_flag_is_kept_per_conversation(window):
    h = window.history
    a = h.create_conversation("private")
    b = h.create_conversation("shareable")
    window.open_conversation(b)
    bar = window.privacy_bar
    assert bar.toggle.currentText() == "Local-only"  # the safe default
    assert bar.route_label.text() == "Next answer on this machine — Local-only conversation"
    bar.toggle.setCurrentIndex(bar.toggle.findText("Allowed-remote"))
    assert history_routing.privacy(h, b) is Privacy.ALLOWED_REMOTE
    assert "Automatic offload is off" in bar.route_label.text()
    window.open_conversation(a)
    assert bar.toggle.currentText() == "Local-only"
    assert history_routing.privacy(h, a) is Privacy.LOCAL_ONLY
    window.open_conversation(b)
    assert bar.toggle.currentText() == "Allowed-remote"


def test_the_route_follows_the_users_choice_only_when_allowed(window):
    h = window.history
    cid = h.create_conversation("to the office")
    history_routing.set_route_choice(h, cid, "office")
    window.open_conversation(cid)
    bar = window.privacy_bar
    assert bar.route_label.text().startswith("Next answer on this machine — Local-only")
    bar.toggle.setCurrentIndex(bar.toggle.findText("Allowed-remote"))
    assert bar.route_label.text() == "Next answer by office — You chose office"


def test_a_new_chat_takes_the_flag_chosen_before_it_exists_and_answers_say_who(window):
    bar = window.privacy_bar
    window.new_chat()
    bar.toggle.setCurrentIndex(bar.toggle.findText("Allowed-remote"))
    window.input.setPlainText("a question")
    window.send()
    cid = window.conversation_id
    assert history_routing.privacy(window.history, cid) is Privacy.ALLOWED_REMOTE
    HandStream.made[-1].chunk_did_arrive.emit("an answer")
    HandStream.made[-1].stream_did_finish.emit("stop")
    answer = window.history.messages(cid)[-1]
    assert history_routing.answered_by(window.history, answer.id) == (LOCAL, None)
    window.new_chat()
    assert bar.toggle.currentText() == "Local-only"  # the next new chat starts safe again
