"""The welcome for an empty chat: a short intro and example prompts that fill or send."""

from __future__ import annotations

import pytest

from app.ui.welcome import EXAMPLE_PROMPTS

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot, fennec_home):
    from app.history import History
    from app.settings import Settings
    from app.ui.main_window import MainWindow

    history = History()
    w = MainWindow(history, Settings())
    qtbot.addWidget(w)
    w.set_worker("", "", "tiny")  # the chat page, with no worker to send to
    w.show()
    yield w
    history.close()


def test_an_empty_chat_shows_the_welcome_with_examples(window):
    assert window.chat_pages.currentWidget() is window.welcome
    assert window.welcome.isVisible() and not window.chat_view.isVisible()
    assert "on this computer" in window.welcome.intro.text()
    assert [b.text() for b in window.welcome.example_buttons] == list(EXAMPLE_PROMPTS)
    assert 3 <= len(EXAMPLE_PROMPTS) <= 4


def test_an_example_fills_the_box_when_the_model_is_not_ready(window):
    window.welcome.example_buttons[1].click()
    assert window.input.toPlainText() == EXAMPLE_PROMPTS[1]
    assert window.conversation_id is None  # nothing sent to a model that is not there


def test_opening_a_conversation_leaves_the_welcome_and_new_chat_returns(window):
    cid = window.history.create_conversation("old")
    window.history.add_message(cid, "user", "an old question")
    window.open_conversation(cid)
    assert window.chat_view.isVisible() and not window.welcome.isVisible()
    window.new_chat()
    assert window.welcome.isVisible()
