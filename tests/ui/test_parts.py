"""Dialogs and the tray, without a worker."""

from __future__ import annotations

import pytest

from app.thermal_state import tray_state

pytestmark = pytest.mark.gui


def test_tray_states():
    assert tray_state(None).state == "unknown"
    base = {
        "temperature_c": 40.0,
        "power_w": 8.0,
        "tokens_per_s": 20.0,
        "throttle": 0.0,
        "temperature_limit_c": 55.0,
    }
    assert tray_state(base).state == "cool"
    assert tray_state(base | {"temperature_c": 52.0}).state == "warm"
    assert tray_state(base | {"throttle": 0.4}).state == "throttled"
    assert tray_state(base | {"temperature_c": 56.0}).state == "hot"
    assert tray_state(base | {"pressure": "serious"}).state == "hot"
    assert tray_state(base | {"paused": True}).state == "paused"
    tip = tray_state(base | {"throttle": 0.4}).tooltip
    assert "40.0 °C" in tip and "8.0 W" in tip and "20.0 tok/s" in tip and "40%" in tip
    assert "n/a" in tray_state(base | {"temperature_c": None, "power_w": None}).tooltip


def test_tray_icon_follows_status(qtbot):
    from app.ui.tray import ThermalTray

    tray = ThermalTray()
    tray.show_status(
        {
            "temperature_c": 56.0,
            "power_w": 17.0,
            "tokens_per_s": 3.0,
            "throttle": 0.5,
            "temperature_limit_c": 55.0,
            "preset": "balanced",
            "history": [{"temperature_c": 50 + i * 0.1, "power_w": 10.0} for i in range(60)],
        }
    )
    assert tray.state == "hot" and "56.0 °C" in tray.toolTip()
    assert tray.preset_actions["balanced"].isChecked()
    assert not tray.icon().isNull()
    tray.graph.resize(220, 60)
    assert not tray.graph.grab().isNull()  # the live graph paints
    chosen = []
    tray.preset_was_chosen.connect(chosen.append)
    tray.preset_actions["performance"].trigger()
    assert chosen == ["performance"]


def test_settings_dialog_is_built_from_the_schema(qtbot, fennec_home):
    from app.settings import SCHEMA, Settings
    from app.ui.settings_dialog import SettingsDialog

    fennec_home.mkdir(parents=True, exist_ok=True)
    settings = Settings()
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    assert set(dialog.editors) == {s.key for s in SCHEMA}
    preset = dialog.editors["preset"]
    preset.setCurrentIndex(preset.findData("balanced"))
    dialog._save()
    assert Settings().get("preset") == "balanced"


def test_model_picker_checks_local_models(qtbot, tiny_model, tmp_path):
    from app.ui.model_picker import ModelPicker

    picker = ModelPicker()
    qtbot.addWidget(picker)
    assert picker.list.count() == 3 and picker.list.currentItem() is not None
    (tmp_path / "config.json").write_text("{")
    assert not picker.use_local(str(tmp_path))
    assert "not valid JSON" in picker.message.text()
    assert picker.use_local(str(tiny_model)) and picker.chosen == str(tiny_model)


def test_model_download_failure_is_calm(qtbot):
    from app.ui.model_picker import ModelPicker

    picker = ModelPicker()
    qtbot.addWidget(picker)
    picker.download()  # no hub here: it must fail with a message, not a traceback
    qtbot.waitUntil(lambda: picker.download_button.isEnabled(), timeout=60_000)
    assert "did not finish" in picker.message.text()


def test_code_blocks_are_highlighted_with_copy_links(qtbot):
    from app.ui.render import message_html

    blocks: list[str] = []
    html = message_html(
        1, "assistant", "Try:\n```python\nprint('hi')\n```\nDone.", "complete", blocks
    )
    assert blocks == ["print('hi')\n"]
    assert 'href="copycode:0"' in html and "print" in html and "style=" in html


def test_status_window_plots_history(qtbot):
    from app.ui.status_window import StatusWindow

    w = StatusWindow()
    qtbot.addWidget(w)
    history = [
        {
            "t": float(i),
            "temperature_c": 45 + i * 0.05,
            "power_w": 9.0 + (i % 3),
            "tokens_per_s": 20.0,
            "throttle": 0.1,
        }
        for i in range(120)
    ]
    w.show_status(
        {
            "temperature_c": 51.0,
            "power_w": 10.0,
            "tokens_per_s": 20.0,
            "throttle": 0.1,
            "temperature_limit_c": 55.0,
            "power_limit_w": 18.0,
            "preset": "cool",
            "temperature_source": "thermal_zone0:x86_pkg_temp",
            "power_source": "powercap:intel-rapl:0",
            "history": history,
        }
    )
    xs, ys = w.temp_curve.getData()
    assert len(xs) == 120 and xs[-1] == 0 and ys[-1] == pytest.approx(45 + 119 * 0.05)
    assert "x86_pkg_temp" in w.sources.text() and "intel-rapl" in w.sources.text()
    assert w.limit_line.value() == 55.0


def test_model_picker_delete_of_a_model_not_downloaded_says_so(qtbot, tmp_path, monkeypatch):
    from app.ui.model_picker import ModelPicker

    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    picker = ModelPicker()
    qtbot.addWidget(picker)
    picker.delete_download()
    text = picker.message.text()
    assert "not downloaded" in text or "Could not delete" in text


def test_the_picker_converts_a_folder_to_gguf_and_chooses_it(
    qtbot, tiny_model, tmp_path, monkeypatch
):
    import shutil
    from pathlib import Path

    from PySide6.QtWidgets import QFileDialog

    from app.ui.model_picker import ModelPicker

    src = tmp_path / "tiny-hf"
    src.mkdir()
    for f in tiny_model.iterdir():
        if not f.name.endswith(".gguf"):
            shutil.copy(f, src / f.name)
    picker = ModelPicker()
    qtbot.addWidget(picker)
    (tmp_path / "empty-folder").mkdir()
    monkeypatch.setattr(  # the button's folder dialog, answered with a folder that is no model
        QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path / "empty-folder")
    )
    picker.convert_button.click()  # told, nothing chosen
    qtbot.waitUntil(lambda: picker.convert_button.isEnabled(), timeout=60_000)
    assert "did not finish" in picker.message.text() and picker.chosen is None
    picker.convert(src)
    qtbot.waitUntil(lambda: picker.chosen is not None, timeout=120_000)
    assert picker.chosen.endswith("tiny-hf-Q8_0.gguf") and Path(picker.chosen).is_file()
