"""The UI in Chinese: a complete catalog, the translator picked from the locale or the setting,
and the window's words translated; technical errors told plainly with their details behind a
button."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication

from app.ui import i18n, i18n_catalog

pytestmark = pytest.mark.gui


@pytest.fixture
def chinese(qtbot):
    translator = i18n.install_translator("zh_CN")
    assert translator is not None, "resources/i18n/fennec_zh_CN.qm is missing: fennec dev i18n"
    yield translator
    QCoreApplication.removeTranslator(translator)


def test_every_ui_string_has_a_chinese_translation():
    known = i18n_catalog.read_ts(i18n_catalog.ts_path("zh_CN"))
    missing = [s for s in i18n_catalog.sources() if not known.get(s)]
    assert missing == [], f"run `fennec dev i18n` and translate: {missing[:5]}"


def test_the_compiled_catalog_matches_its_source(chinese):
    known = i18n_catalog.read_ts(i18n_catalog.ts_path("zh_CN"))
    stale = [s for s, t in known.items() if t and i18n.tr(s) != t]
    assert stale == [], f"the .qm is older than the .ts: run `fennec dev i18n` ({stale[:3]})"


@pytest.mark.parametrize(
    ("setting", "locale", "language"),
    [
        ("auto", "zh_CN", "zh_CN"),
        ("auto", "zh_TW", "zh_CN"),
        ("auto", "de_DE", "en"),
        ("en", "zh_CN", "en"),
        ("zh_CN", "en_US", "zh_CN"),
    ],
)
def test_the_language_follows_the_system_unless_set(setting, locale, language):
    assert i18n.language_for(setting, locale) == language


def test_the_window_speaks_chinese(qtbot, fennec_home, chinese):
    from app.history import History
    from app.settings import Settings
    from app.ui.main_window import MainWindow
    from app.ui.settings_dialog import SettingsDialog

    history = History()
    window = MainWindow(history, Settings())
    qtbot.addWidget(window)
    assert window.send_button.text() == "发送" and window.new_button.text() == "新对话"
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == ["文件(&F)", "对话(&C)", "查看(&V)", "模型(&M)"]
    assert window.privacy_bar.toggle.currentText() == "仅本机"
    assert "有什么可以帮你" in window.welcome.intro.text()
    dialog = SettingsDialog(window.settings, window)
    qtbot.addWidget(dialog)
    labels = [w.text() for w in dialog.findChildren(type(window.welcome.intro))]
    assert "电源模式" in labels and "语言" in labels
    history.close()


def test_technical_errors_are_told_plainly_with_details(qtbot):
    from app.ui.banners import Banner

    banner = Banner()
    qtbot.addWidget(banner)
    raw = "ConnectError: [Errno -2] Name or service not known"
    banner.show_message(raw)
    assert banner.text().startswith("Fennec cannot reach the server")
    assert not banner.details.isVisibleTo(banner) and banner.details_button.isVisibleTo(banner)
    banner.details_button.click()
    assert banner.details.isVisibleTo(banner) and banner.details.text() == raw
    banner.show_message("[Errno 28] No space left on device")
    assert banner.text().startswith("The disk is full") and not banner.details_button.isChecked()
    banner.show_message("The model is not ready yet.")  # already plain: no details
    assert banner.text() == "The model is not ready yet."
    assert not banner.details_button.isVisibleTo(banner)


def test_fennec_dev_i18n_refreshes_the_catalog_and_counts_what_is_missing(
    tmp_path, monkeypatch, capsys
):
    import shutil

    from app.cli import main

    shutil.copy(i18n_catalog.ts_path("zh_CN"), tmp_path)  # a copy: the repo's stays as it is
    monkeypatch.setattr(i18n_catalog, "I18N_DIR", tmp_path)
    assert main(["dev", "i18n"]) == 0
    assert f"{len(i18n_catalog.sources())} strings; 0 without" in capsys.readouterr().out
    assert (tmp_path / "fennec_zh_CN.qm").stat().st_size > 1000
    # A string the code shows but the catalog lacks is added unfinished, and the command fails.
    monkeypatch.setattr(i18n_catalog, "data_strings", lambda: ["A brand-new label"])
    assert main(["dev", "i18n"]) == 1
    assert i18n_catalog.read_ts(tmp_path / "fennec_zh_CN.ts")["A brand-new label"] == ""
