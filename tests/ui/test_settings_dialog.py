"""The settings dialog speaks words, has room for paths and prompts, and keeps what was typed
when a value is refused."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QFileDialog, QPlainTextEdit

pytestmark = pytest.mark.gui


@pytest.fixture
def dialog(qtbot, fennec_home):
    from app.settings import Settings
    from app.ui.settings_dialog import SettingsDialog

    fennec_home.mkdir(parents=True, exist_ok=True)
    d = SettingsDialog(Settings())
    qtbot.addWidget(d)
    return d


def test_choices_are_shown_in_words_and_stored_as_values(dialog):
    from app.settings import Settings

    preset = dialog.editors["preset"]
    assert preset.currentText().startswith("Cool & quiet") and preset.currentData() == "cool"
    preset.setCurrentIndex(preset.findData("performance"))
    dialog._save()
    assert Settings().get("preset") == "performance"


def test_system_prompt_is_multiline_and_saved(dialog):
    from app.settings import Settings

    prompt = dialog.editors["system_prompt"]
    assert isinstance(prompt, QPlainTextEdit)
    prompt.setPlainText("Line one.\nLine two.")
    dialog._save()
    assert Settings().get("system_prompt") == "Line one.\nLine two."


def test_model_browse_offers_a_folder_or_a_gguf_file(dialog, monkeypatch, tmp_path):
    field = dialog.editors["model"]
    actions = [a.text() for a in field.browse.menu().actions()]
    assert actions == ["Model folder…", "GGUF file…"]
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(tmp_path / "m.gguf"), ""))
    )
    field.browse.menu().actions()[1].trigger()
    assert field.text() == str(tmp_path / "m.gguf")
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: ""))
    field.browse.menu().actions()[0].trigger()  # cancelled: the path stays
    assert field.text() == str(tmp_path / "m.gguf")


def test_fields_are_wide_enough_for_a_path(dialog):
    from app.ui.settings_dialog import FIELD_WIDTH

    assert all(e.minimumWidth() >= FIELD_WIDTH for e in dialog.editors.values())


def test_a_refused_value_is_explained_and_the_dialog_stays(dialog, monkeypatch):
    from app.settings import Settings

    def refuse(*_a):
        raise OSError("disk full")

    monkeypatch.setattr(Settings, "save", refuse)
    dialog._save()
    assert "disk full" in dialog.error.text() and dialog.result() == 0


def test_history_browse_fills_the_chosen_file(dialog, monkeypatch, tmp_path):
    field = dialog.editors["history_path"]
    target = tmp_path / "chats.db"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), ""))
    )
    field.browse.click()
    assert field.text() == str(target)
