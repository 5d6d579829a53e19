"""The header's model selector: the model, its tuned adapters, profiles per conversation, and
the worker switched to a profile's model before its answer."""

from __future__ import annotations

import pytest

from app import history_profiles
from app.profiles import Profile, ProfileError
from app.settings import Settings
from app.tune_store import adapters_root
from inference.adapter_meta import AdapterMeta, write_meta
from tests.ui.test_transcript import HandStream

pytestmark = pytest.mark.gui
MODEL = "/models/tiny-qwen"


def _store_adapter(name: str, base: str = "tiny-qwen") -> str:
    """An adapter record in the store as `fennec tune` files it (weights are not needed to be
    listed; the worker checks them when it loads one)."""
    folder = adapters_root() / base / name
    folder.mkdir(parents=True)
    write_meta(folder, AdapterMeta(name, base, [], "qwen3_moe", 16, 32.0, 0.1, ["q_proj"]))
    return str(folder)


@pytest.fixture
def window(hand_window):
    w = hand_window(model=MODEL, system_prompt="app-wide prompt")
    w.running_target = (MODEL, "")
    return w


def _entries(header) -> list[str]:
    return [header.itemText(i) for i in range(header.count()) if header.itemText(i)]


def test_the_list_holds_the_model_its_adapters_and_profiles(window):
    triage = _store_adapter("triage")
    _store_adapter("unrelated", base="other-model")
    window.profiles.save(Profile("Nurse", MODEL, triage, "You are a triage nurse."))
    window.refresh_header()
    assert _entries(window.header) == [
        "tiny-qwen",
        "tiny-qwen + triage",
        "Profile: Nurse",
        "Get more models…",
        "Manage profiles…",
    ]
    assert window.header.currentText() == "tiny-qwen"


def test_choosing_an_adapter_changes_the_apps_model_and_restarts(qtbot, window):
    triage = _store_adapter("triage")
    window.refresh_header()
    with qtbot.waitSignal(window.model_target_did_change):
        window.header.activated.emit(window.header.findText("tiny-qwen + triage"))
    assert window.settings.get("adapter") == triage
    assert Settings().get("adapter") == triage  # saved


def test_actions_open_their_dialogs_and_keep_the_choice(qtbot, window):
    with qtbot.waitSignal(window.model_was_requested):
        window.header.activated.emit(window.header.findText("Get more models…"))
    with qtbot.waitSignal(window.profiles_were_requested):
        window.header.activated.emit(window.header.findText("Manage profiles…"))
    assert window.header.currentText() == "tiny-qwen"


def test_a_profile_switches_the_worker_then_answers_with_its_prompt(qtbot, window):
    triage = _store_adapter("triage")
    window.profiles.save(Profile("Nurse", MODEL, triage, "You are a triage nurse."))
    window.new_chat()
    window.refresh_header()
    window.header.activated.emit(window.header.findText("Profile: Nurse"))
    window.input.setPlainText("my arm hurts")
    with qtbot.waitSignal(window.worker_switch_was_requested) as switch:
        window.send()
    assert switch.args == [MODEL, triage]
    cid = window.conversation_id
    assert history_profiles.profile_name(window.history, cid) == "Nurse"
    assert HandStream.made == [] and window.answer_waits_for_worker  # waits for the switch
    assert window.history.messages(cid)[0].content == "my arm hurts"  # the question is kept
    window.running_target = (MODEL, triage)  # what the app records when it starts the worker
    window.set_worker("http://127.0.0.1:2", "token", "tiny + triage")
    prompt = HandStream.made[-1].messages()
    assert prompt[0] == {"role": "system", "content": "You are a triage nurse."}
    HandStream.made[-1].stream_did_finish.emit("stop")
    # Another chat without a profile goes back to the app's model (and its prompt).
    window.new_chat()
    assert window.header.currentText() == "tiny-qwen"
    window.input.setPlainText("hello")
    with qtbot.waitSignal(window.worker_switch_was_requested) as switch:
        window.send()
    assert switch.args == [MODEL, ""]
    window.open_conversation(cid)
    assert window.header.currentText() == "Profile: Nurse"


def test_the_profiles_dialog_adds_edits_and_deletes(qtbot, window):
    from app.ui.profiles_dialog import ProfilesDialog

    triage = _store_adapter("triage")
    dialog = ProfilesDialog(window.profiles, MODEL, window)
    qtbot.addWidget(dialog)
    assert [dialog.adapter.itemText(i) for i in range(dialog.adapter.count())] == [
        "None",
        "triage",
    ]
    dialog.name.setText("Nurse")
    dialog.adapter.setCurrentIndex(dialog.adapter.findText("triage"))
    dialog.system_prompt.setPlainText("You are a triage nurse.")
    dialog.save_profile()
    assert window.profiles.get("Nurse") == Profile(
        "Nurse", MODEL, triage, "You are a triage nurse."
    )
    dialog.new_profile()
    dialog.name.setText("Nurse")  # the same name again: refused, said in the dialog
    dialog.save_profile()
    assert "already a profile" in dialog.error.text() and len(window.profiles.list()) == 1
    dialog.names.setCurrentRow(0)
    dialog.name.setText("Night nurse")
    dialog.save_profile()
    assert [p.name for p in window.profiles.list()] == ["Night nurse"]

    def full_disk(profiles):
        raise ProfileError("cannot save the profiles in profiles.json: No space left on device")

    real_write = window.profiles._write
    window.profiles._write = full_disk
    dialog.delete_profile()  # refused by the disk: said in the dialog, the profile kept
    assert "No space left" in dialog.error.text() and len(window.profiles.list()) == 1
    window.profiles._write = real_write
    dialog.delete_profile()
    assert window.profiles.list() == []


def test_the_waiting_answer_goes_to_the_conversation_it_was_asked_in(qtbot, window):
    triage = _store_adapter("triage")
    window.profiles.save(Profile("Nurse", MODEL, triage, "You are a triage nurse."))
    other = window.history.create_conversation("something else")
    window.new_chat()
    window.header.activated.emit(window.header.findText("Profile: Nurse"))
    window.input.setPlainText("my arm hurts")
    with qtbot.waitSignal(window.worker_switch_was_requested):
        window.send()
    asked_in = window.conversation_id
    window.open_conversation(other)  # the user looks elsewhere while the model switches
    window.running_target = (MODEL, triage)
    window.set_worker("http://127.0.0.1:2", "token", "tiny + triage")
    assert window.conversation_id == asked_in and not window.answer_waits_for_worker
    HandStream.made[-1].chunk_did_arrive.emit("Rest it.")
    HandStream.made[-1].stream_did_finish.emit("stop")
    assert [m.role for m in window.history.messages(asked_in)] == ["user", "assistant"]
    assert window.history.messages(other) == []
