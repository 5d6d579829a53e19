"""The window answers where routing says: a real recording remote as the provider, the
privacy bar's choices, the quiet "answered by" line, and settings' automatic offload."""

from __future__ import annotations

import json

import pytest

from app import history_routing
from app.providers import Provider, ProviderStore
from app.routing import LOCAL, Privacy
from app.secrets import MemorySecrets
from tests.provider_stubs import RecordingRemote

pytestmark = pytest.mark.gui
KEY = "sk-window-test-0b1c2d-never-on-disk"


@pytest.fixture
def remote():
    r = RecordingRemote(reply="remote says hi")
    yield r
    r.stop()


@pytest.fixture
def window(qtbot, fennec_home, remote):
    from app.history import History
    from app.settings import Settings
    from app.ui.main_window import MainWindow

    store = ProviderStore(fennec_home / "providers.json", MemorySecrets())
    store.add(Provider("office", remote.base_url, ("stub-large",)), KEY)
    history = History()
    w = MainWindow(history, Settings())
    w.answering.provider_store = lambda: store
    w.privacy_bar.providers = lambda: [p.name for p in store.list()]
    qtbot.addWidget(w)
    w.show()
    yield w
    w.stop()
    history.close()


def _ask(qtbot, window, text: str) -> None:
    window.input.setPlainText(text)
    window.send()
    qtbot.waitUntil(lambda: window.stream is None, timeout=20_000)


def test_a_chosen_provider_answers_without_a_local_model_and_says_so(qtbot, window, remote):
    bar = window.privacy_bar
    assert not window.send_button.isEnabled()  # no local model, local-only: nobody to ask
    bar.toggle.setCurrentIndex(bar.toggle.findText("Allowed-remote"))
    assert bar.choice.findText("office") >= 0  # providers are offered once remote is allowed
    bar.choice.setCurrentIndex(bar.choice.findText("office"))
    assert window.send_button.isEnabled()  # the provider can answer
    _ask(qtbot, window, "plan the offsite")
    cid = window.conversation_id
    assert history_routing.route_choice(window.history, cid) == "office"
    answer = window.history.messages(cid)[-1]
    assert answer.content.strip() == "remote says hi" and answer.status == "complete"
    assert (answer.answered_by, answer.route_note) == ("office", "You chose office")
    assert window.chat_view.toPlainText().rstrip().endswith("answered by office (You chose office)")
    body = json.loads(remote.chat_requests()[-1].body)
    assert body["model"] == "stub-large"
    assert body["messages"][-1] == {"role": "user", "content": "plan the offsite"}
    assert remote.chat_requests()[-1].headers["Authorization"] == f"Bearer {KEY}"
    # Reopened later, the transcript still says who answered.
    window.open_conversation(cid)
    assert "answered by office (You chose office)" in window.chat_view.toPlainText()


def test_a_local_only_chat_offers_no_provider_and_never_reaches_one(qtbot, window, remote):
    h = window.history
    cid = h.create_conversation("secret")
    history_routing.set_route_choice(h, cid, "office")  # chosen while it was allowed
    window.open_conversation(cid)
    bar = window.privacy_bar
    assert bar.privacy is Privacy.LOCAL_ONLY
    assert bar.choice.findText("office") < 0 and bar.choice.currentText() == "office (not used)"
    assert not bar.planned_remote and not window.send_button.isEnabled()
    window.input.setPlainText("the merger is on friday")
    window.send()  # refused: no local model, and this chat may not leave the machine
    assert window.stream is None and not remote.requests
    assert h.messages(cid) == []


def test_settings_offload_sends_long_prompts_of_allowed_chats(qtbot, window, remote):
    window.settings.set("offload_provider", "office")
    window.settings.set("offload_prompt_tokens", 10)
    bar = window.privacy_bar
    bar.toggle.setCurrentIndex(bar.toggle.findText("Allowed-remote"))
    _ask(qtbot, window, "summarise this " * 40)
    answer = window.history.messages(window.conversation_id)[-1]
    assert answer.answered_by == "office"
    assert answer.route_note.startswith("Prompt of about")
    assert len(remote.chat_requests()) == 1


def test_a_failing_provider_falls_back_to_the_local_model_with_a_note(qtbot, window, remote):
    remote.fail_chat = True
    window.set_worker("http://127.0.0.1:9/v1", "token", "tiny")  # a local model nobody runs
    bar = window.privacy_bar
    bar.toggle.setCurrentIndex(bar.toggle.findText("Allowed-remote"))
    bar.choice.setCurrentIndex(bar.choice.findText("office"))
    _ask(qtbot, window, "hello")
    answer = window.history.messages(window.conversation_id)[-1]
    # The remote failed before a token; the local fallback could not be reached either: the
    # answer says both, and nothing of the question is lost.
    assert answer.status == "error"
    assert answer.answered_by == LOCAL and "office failed" in (answer.route_note or "")
    assert window.history.messages(window.conversation_id)[0].content == "hello"
